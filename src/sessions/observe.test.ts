import fs from "node:fs";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { sessionRow } from "../../test/session-fixtures.js";
import type { SessionDriver } from "../runtimes/types.js";
import { writeSessionScripts } from "./scripts.js";
import { observe, type SessionsContext } from "./sessions.js";
import { Tmux } from "./tmux.js";

const tmux = new Tmux({ ...process.env, QUARTET_TMUX_SOCKET: `quartet-observe-test-${process.pid}` });
afterEach(() => {
  tmux.run(["kill-server"], { allowFailure: true });
});

/**
 * A FAKE runtime, as Codex is to quartet (its approval prompt sends no event, so only the screen shows it): a
 * shell loop in a real tmux pane that shows a prompt while a file exists. No real runtime can be made to ask
 * for approval twice in a turn on cue.
 */
const driver = {
  eventsComplete: false,
  screen: (text: string) => (text.includes("Allow?") ? "needs-input" : text.includes("busy") ? "working" : null),
} as SessionDriver;

test("a second prompt read from the screen notifies even while the registry cannot be saved", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const stateDir = tempDir();
  const log = path.join(dir, "notified.log");
  writeSessionScripts(stateDir, {
    name: "agent",
    runtime: "codex",
    tmuxSocket: tmux.socket,
    notify: { bell: false, desktop: false, command: `echo "$QUARTET_DETAIL" >> ${log}` },
  });
  const asking = path.join(dir, "asking");
  // Redrawn only when what it shows changes: a look between a redraw's clear and its text would read a blank
  // screen, which says nothing, and the row (never saved here) would answer in its place.
  const show = `if [ -f ${asking} ]; then s='Allow? [y/n]'; else s=busy; fi`;
  const loop = `last=; while :; do ${show}; if [ "$s" != "$last" ]; then clear; echo "$s"; last=$s; fi; sleep 0.1; done`;
  const pane = tmux.start({ session: "agent", cwd: dir, argv: ["sh", "-c", loop] });
  // The row as the registry holds it, never saved again: another process holds the database all along.
  const row = sessionRow({
    name: "agent",
    workdir: dir,
    runtime: "codex",
    stateDir,
    state: "working",
    stateSource: "screen",
    endedAt: null,
    tmuxPane: pane,
    tmuxSocket: tmux.socket,
    tmuxSession: "agent",
  });
  // A registry that saves nothing, as the real one does while another process holds the database (LOOK_WAIT_MS).
  const registry = { saveObserved: () => {} };
  const ctx = { registry, tmux: () => tmux, runtimes: new Map([["codex", { session: driver }]]), env: {} } as unknown as SessionsContext;
  const look = () => observe(ctx, row, tmux.panes()).state;
  const notifications = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0);

  await expect.poll(look, { timeout: 15_000 }).toBe("working");
  fs.writeFileSync(asking, "");
  await expect.poll(look, { timeout: 15_000 }).toBe("needs-input");
  await expect.poll(notifications, { timeout: 15_000 }).toBe(1);
  // Answered: the screen works again, then asks a second time in the same turn.
  fs.rmSync(asking);
  await expect.poll(look, { timeout: 15_000 }).toBe("working");
  fs.writeFileSync(asking, "");
  await expect.poll(look, { timeout: 15_000 }).toBe("needs-input");
  await expect.poll(notifications, { timeout: 15_000 }).toBe(2);
  // Looked at again while it still asks: no second notification for the same prompt. Each notification is
  // decided by a marker made before notify.sh starts, so counting them now misses none still on its way.
  for (let i = 0; i < 5; i++) expect(look()).toBe("needs-input");
  expect(fs.readdirSync(path.join(stateDir, "notified"))).toHaveLength(2);
});
