/**
 * Running the Codex CLI's TUI as a tracked session. Codex 0.169 reports one event to a program without a
 * person's review: `notify` (config.toml), run with a JSON argument when a turn completes
 * (`{"type":"agent-turn-complete","thread-id",…}`). quartet sets it for this session only with
 * `-c notify=["sh","<state dir>/codex-notify.sh"]`, which runs the person's own notify program first (read
 * from their config.toml, never written), then reports idle with the thread id. Working, and needs-input on
 * an approval prompt, are read from the screen and shown as guesses.
 *
 * Codex's lifecycle hooks (UserPromptSubmit, PermissionRequest, Stop) would report those too, but hooks
 * added on the command line stop the TUI at a "Hooks need review" screen until the person trusts them,
 * and the trust is kept in their config.toml per hook command: not something quartet may answer for them.
 *
 * The thread id is also found from Codex's rollout files (the session's folder and start time), so a session
 * ended before its first turn completed can still be resumed with `codex resume <thread id>`.
 */
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../core/errors.js";
import type { LookupEnv } from "../../core/paths.js";
import { shellQuote, shJsonField } from "../../core/shell.js";
import type { SessionState } from "../../contract/session-state.js";
import type { SessionDriver, SessionLaunch } from "../types.js";
import { codexHome } from "./logs.js";
import { codexConfigFile, readUserNotify } from "./user-notify.js";

/**
 * The notify program. Codex 0.169 also completes a turn on a short-lived thread of its own that names the
 * task (one per turn, often before the real turn ends); that thread has no rollout file, so only threads
 * with one count. Its JSON is read with sed (the thread id and type are plain tokens; the person's text in
 * it is JSON-escaped, so it cannot fake a key), and record.sh gets no stdin (Codex's may be the terminal).
 */
function codexNotifySource(o: { recordScript: string; userNotify: string[] | null }): string {
  return [
    "#!/bin/sh",
    "# Written by quartet for one Codex session: Codex runs it (notify) with its event's JSON as the last argument.",
    "payload=$1",
    // An empty notify is no program (as Codex treats it): never a line whose command word is the payload.
    ...(o.userNotify && o.userNotify.length > 0
      ? [
          "# The person's own notify program from their config.toml, as Codex would have run it.",
          `${o.userNotify.map(shellQuote).join(" ")} "$payload" </dev/null >/dev/null 2>&1 &`,
        ]
      : []),
    shJsonField(`printf '%s' "$payload"`),
    "type=$(field type)",
    "thread=$(field thread-id)",
    'set -- "${CODEX_HOME:-$HOME/.codex}"/sessions/*/*/*/rollout-*-"$thread".jsonl',
    'if [ -n "$thread" ] && [ -e "$1" ]; then',
    `  [ "$type" = agent-turn-complete ] && state=idle || state=`,
    `  exec sh ${shellQuote(o.recordScript)} notify "$type" "$state" "$thread" "$type" </dev/null`,
    "fi",
    `exec sh ${shellQuote(o.recordScript)} notify "$type" "" "" other-thread </dev/null`,
    "",
  ].join("\n");
}

/** Writes codex-notify.sh (0700, in the session's private folder) and returns the `-c notify=[…]` value. */
function notifyOverride(o: SessionLaunch): string {
  const config = codexConfigFile(o.env);
  const user = readUserNotify(config);
  if (user.kind === "unreadable")
    throw new UsageError(
      `cannot read the notify setting in ${user.file}${user.line !== null ? `:${user.line}` : ""} (${user.reason}); quartet runs it for the session and will not drop it`,
    );
  const script = path.join(o.stateDir, "codex-notify.sh");
  fs.writeFileSync(script, codexNotifySource({ recordScript: o.recordScript, userNotify: user.kind === "argv" ? user.argv : null }), {
    mode: 0o700,
  });
  // A TOML array of basic strings; JSON's string escapes are valid TOML. Only quartet's own path is in it.
  return `notify=[${["sh", script].map((s) => JSON.stringify(s)).join(",")}]`;
}

function launch(o: SessionLaunch) {
  return command([o.bin], o, []);
}

/** `codex resume <thread id>`: the TUI again, on the session's own thread. */
function resume(o: SessionLaunch & { runtimeSessionId: string }) {
  return { ...command([o.bin, "resume"], o, [o.runtimeSessionId]), runtimeSessionId: o.runtimeSessionId };
}

function command(head: string[], o: SessionLaunch, positional: string[]) {
  const argv = [...head, "--cd", o.workdir, "-c", notifyOverride(o)];
  if (o.model) argv.push("--model", o.model);
  // After "--": a prompt such as "--version" is the person's text, never an option.
  const after = [...positional, ...(o.prompt !== null ? [o.prompt] : [])];
  if (after.length > 0) argv.push("--", ...after);
  return { argv, env: {}, runtimeSessionId: null };
}

/**
 * What the 0.169 TUI shows: dialogs that wait for a key (an approval, trusting the folder, reviewing hooks, a
 * model offer, signing in), the status line of a running turn, and the empty composer.
 */
function screen(text: string): SessionState | null {
  if (
    /Would you like to (run|make|apply)|Press enter to confirm or esc to cancel|Allow command\?|\[y\/n\]|Trust this folder\?|trust the (contents|files) of this|Hooks need review|Try new model|Press enter to continue|Sign in with ChatGPT/i.test(
      text,
    )
  )
    return "needs-input";
  if (/esc to interrupt/i.test(text)) return "working";
  if (/Ask Codex to do anything|\? for shortcuts|context left/i.test(text)) return "idle";
  return null;
}

/** The first line of a rollout file (its session_meta), read in chunks: it carries the whole instructions. */
function firstLine(file: string): string | null {
  const fd = fs.openSync(file, "r");
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(64 * 1024);
    for (let pos = 0; pos < 4 * 1024 * 1024;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return null;
      const nl = buf.subarray(0, n).indexOf(10);
      chunks.push(Buffer.from(buf.subarray(0, nl < 0 ? n : nl)));
      if (nl >= 0) return Buffer.concat(chunks).toString("utf8");
      pos += n;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** The folder with its symlinks resolved, as Codex records its cwd; the path as given when it is gone. */
function realFolder(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * The thread Codex started in this folder after the session began: the rollout (under the day folders since
 * the start) whose session_meta names the folder (both real paths) and was started by the person, not a
 * subagent. Two such threads (two sessions in one folder, or a second thread before this one was found) are
 * not guessed between: the id stays unknown until Codex's notify reports it (that report wins anyway).
 */
function discoverSessionId(o: { workdir: string; since: number; env: LookupEnv }): string | null {
  const sessions = path.join(codexHome(o.env).path, "sessions");
  const workdir = realFolder(o.workdir);
  const found = new Set<string>();
  for (let day = o.since - 86_400_000; day <= Date.now() + 86_400_000; day += 86_400_000) {
    const d = new Date(day);
    const dir = path.join(
      sessions,
      String(d.getFullYear()),
      String(d.getMonth() + 1).padStart(2, "0"),
      String(d.getDate()).padStart(2, "0"),
    );
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.startsWith("rollout-") && n.endsWith(".jsonl"));
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        if (fs.statSync(file).mtimeMs < o.since - 5000) continue;
        const meta = JSON.parse(firstLine(file) ?? "null") as {
          type?: string;
          payload?: { id?: unknown; cwd?: unknown; timestamp?: unknown; thread_source?: unknown };
        } | null;
        const p = meta?.type === "session_meta" ? meta.payload : undefined;
        const at = typeof p?.timestamp === "string" ? Date.parse(p.timestamp) : NaN;
        if (!p || typeof p.id !== "string" || typeof p.cwd !== "string" || Number.isNaN(at) || at < o.since - 5000) continue;
        if (p.thread_source !== undefined && p.thread_source !== "user") continue;
        if (realFolder(p.cwd) === workdir) found.add(p.id);
      } catch {
        // A rollout being written or unreadable: looked at again on the next observation.
      }
    }
  }
  return found.size === 1 ? [...found][0]! : null;
}

export const codexSession: SessionDriver = {
  binary: "codex",
  install: "npm install -g @openai/codex (quartet's tests pin 0.169.0)",
  eventsComplete: false,
  launch,
  resume,
  screen,
  // The approval prompt: "1. Yes, proceed (y)", …, "3. No, and tell Codex what to do differently (esc)".
  answers: { allow: ["y"], deny: ["Escape"] },
  discoverSessionId,
};
