/** Sessions for unit tests, without a runtime: a registry row, and a pane whose process is slow to exit. */
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import type { SessionRow } from "../src/sessions/registry.js";
import type { Tmux } from "../src/sessions/tmux.js";
import { tempDir } from "./helpers.js";

/** A registry row: ended, in no pane, unless told otherwise. */
export function sessionRow(o: Pick<SessionRow, "name" | "workdir"> & Partial<SessionRow>): SessionRow {
  const now = Date.now();
  return {
    id: `id-${o.name}`,
    runtime: "claude",
    runtimeSessionId: null,
    model: null,
    prompt: null,
    taskId: null,
    repo: null,
    inPlace: false,
    branch: null,
    baseBranch: null,
    baseCommit: null,
    stateDir: tempDir(),
    tmuxSocket: "none",
    tmuxSession: "none",
    tmuxPane: null,
    createdAt: now,
    state: "exited",
    stateSince: now,
    stateSource: "quartet",
    stateDetail: null,
    eventsOffset: 0,
    endedAt: now,
    exitStatus: 0,
    stopped: false,
    discarded: false,
    removedAt: null,
    gateway: false,
    ...o,
  };
}

/**
 * A pane in `tmux` whose process takes `exitMs` to exit after the hangup, as Claude Code does running its
 * SessionEnd hooks; ready once the process runs.
 */
export async function startSlowAgent(tmux: Tmux, dir: string, exitMs = 600): Promise<{ pane: string; pid: number }> {
  const ready = path.join(dir, "ready");
  const agent = `process.on("SIGHUP", () => setTimeout(() => process.exit(0), ${exitMs})); require("fs").writeFileSync(${JSON.stringify(ready)}, ""); setInterval(() => {}, 1e6);`;
  const pane = tmux.start({ session: "agent", cwd: dir, argv: [process.execPath, "-e", agent] });
  await expect.poll(() => fs.existsSync(ready), { timeout: 15_000 }).toBe(true);
  return { pane, pid: tmux.panes().get(pane)!.pid };
}
