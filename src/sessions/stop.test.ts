import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { sessionRow, startSlowAgent } from "../../test/session-fixtures.js";
import { openDatabase } from "../core/db.js";
import { processRunning } from "../core/process.js";
import { Registry } from "./registry.js";
import { stopSession, type SessionsContext } from "./sessions.js";
import { Tmux } from "./tmux.js";

const tmux = new Tmux({ ...process.env, QUARTET_TMUX_SOCKET: `quartet-stop-test-${process.pid}` });
afterEach(() => {
  tmux.run(["kill-server"], { allowFailure: true });
});

test("stop waits for the runtime to exit without blocking", async () => {
  const dir = tempDir();
  const { pane, pid } = await startSlowAgent(tmux, dir);

  const db = openDatabase(path.join(tempDir(), "quartet.db"));
  const registry = new Registry(db);
  registry.insert(
    sessionRow({
      name: "agent",
      workdir: dir,
      inPlace: true,
      state: "idle",
      endedAt: null,
      tmuxSession: "agent",
      tmuxPane: pane,
      tmuxSocket: tmux.socket,
    }),
  );
  const ctx = { registry, tmux: () => tmux } as unknown as SessionsContext;

  // Timers keep firing while the stop waits: a board serving its pages meanwhile.
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  const t0 = Date.now();
  const stopped = await stopSession(ctx, "agent");
  clearInterval(timer);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
  expect(ticks).toBeGreaterThanOrEqual(10);
  expect(processRunning(pid)).toBe(false);
  expect(stopped).toMatchObject({ worktree: "in-place", row: { stopped: true, state: "exited" } });
  expect(registry.byName("agent")).toBeUndefined();
  db.close();
});
