/**
 * A session's state, from the events its runtime reports (hooks, plugin, notify), the process's liveness
 * and, as the last resort, what its screen shows.
 *
 * The runtime's hooks and plugin append one JSON line per event to `<state dir>/events.jsonl`:
 *   {"t": 1764000000000, "src": "hook", "ev": "PreToolUse", "state": "working", "detail": "", "sid": ""}
 * `state` is empty for an event that does not change it (SessionStart, session.created). This module reads
 * the lines written since the last look and folds them into the state the registry keeps.
 */
import fs from "node:fs";
import path from "node:path";
import { SESSION_STATES, type SessionState } from "../contract/session-state.js";

/**
 * Where a verdict came from. Events from the runtime itself (hook, plugin, notify) and the process's exit
 * are facts; `screen` (text on the pane) and `quartet` (what quartet assumed when it delivered a prompt)
 * are guesses, shown as lower confidence.
 */
export type StateSource = "hook" | "plugin" | "notify" | "process" | "screen" | "quartet";

export function confidenceOf(source: StateSource): "high" | "low" {
  return source === "screen" || source === "quartet" ? "low" : "high";
}

export interface StateEvent {
  t: number;
  src: StateSource;
  ev: string;
  state: SessionState | "";
  detail?: string;
  sid?: string;
}

export interface Observed {
  state: SessionState;
  since: number;
  source: StateSource;
  detail: string | null;
  runtimeSessionId: string | null;
}

export function eventsFile(stateDir: string): string {
  return path.join(stateDir, "events.jsonl");
}

/** Appends one event, as the hooks do (quartet records its own actions the same way). */
export function appendEvent(stateDir: string, e: StateEvent): void {
  fs.appendFileSync(eventsFile(stateDir), JSON.stringify(e) + "\n");
}

/** Complete lines written since `offset`; a line still being written is left for the next look. */
export function readEvents(stateDir: string, offset: number): { events: StateEvent[]; offset: number; malformed: number } {
  const file = eventsFile(stateDir);
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return { events: [], offset, malformed: 0 };
  }
  try {
    const size = fs.fstatSync(fd).size;
    // A file shorter than what was read (recreated) is read again from its start.
    const from = size < offset ? 0 : offset;
    const buffer = Buffer.alloc(size - from);
    fs.readSync(fd, buffer, 0, buffer.length, from);
    const end = buffer.lastIndexOf(10);
    if (end < 0) return { events: [], offset: from, malformed: 0 };
    const events: StateEvent[] = [];
    let malformed = 0;
    for (const line of buffer.subarray(0, end).toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        const e = JSON.parse(line) as StateEvent;
        if (typeof e.t === "number" && typeof e.ev === "string") events.push(e);
        else malformed++;
      } catch {
        malformed++;
      }
    }
    return { events, offset: from + end + 1, malformed };
  } finally {
    fs.closeSync(fd);
  }
}

/** The state after `events`, starting from `current`. */
export function foldEvents(current: Observed, events: readonly StateEvent[]): Observed {
  let out = current;
  for (const e of events) {
    const sid = e.sid ? e.sid : out.runtimeSessionId;
    if (!e.state || !(SESSION_STATES as readonly string[]).includes(e.state)) {
      if (sid !== out.runtimeSessionId) out = { ...out, runtimeSessionId: sid };
      continue;
    }
    // Once the process is known to have ended, late events (a hook still finishing) do not revive it.
    if (out.state === "exited" && out.source === "process") break;
    const changed = e.state !== out.state;
    out = {
      state: e.state,
      since: changed ? e.t : out.since,
      source: e.src,
      detail: e.detail ? e.detail : changed ? null : out.detail,
      runtimeSessionId: sid,
    };
  }
  return out;
}
