/** A registry row for unit tests that need a session without starting one: ended, in no pane, unless told otherwise. */
import type { SessionRow } from "../src/sessions/registry.js";
import { tempDir } from "./helpers.js";

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
