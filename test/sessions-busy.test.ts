/**
 * `quartet ps` while a first ingest holds the database's write lock for longer than SQLite's wait (a first load
 * of very large logs holds it for as long as it reads; here a real first `quartet usage` is stopped inside its
 * load, as Ctrl-Z stops it): ps lists what it observes without waiting for it, on a new data folder and on one
 * with sessions alike, and the stopped load still finishes once continued.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../src/core/db.js";
import { Registry, type SessionRow } from "../src/sessions/registry.js";
import { fixtureHome, runCli, tempDir, type CliResult } from "./helpers.js";

let writer: ChildProcess | undefined;
afterEach(() => {
  writer?.kill("SIGCONT");
  writer?.kill("SIGKILL");
  writer = undefined;
});

/** A first `quartet usage` over a home's logs, stopped inside its load's transaction; resolves once stopped. */
async function stoppedFirstLoad(dataDir: string): Promise<{ finished: Promise<CliResult> }> {
  const finished = runCli(["usage", "--json", "--no-progress"], {
    dataDir,
    env: { HOME: fixtureHome(["claude"]), QUARTET_TEST_KILL_AT: "ingest:before-indexes", QUARTET_TEST_SIGNAL: "SIGSTOP" },
    onStart: (child) => (writer = child),
  });
  const state = () => fs.readFileSync(`/proc/${writer!.pid}/stat`, "utf8").split(") ")[1]![0];
  await expect.poll(state, { timeout: 30_000, interval: 50 }).toBe("T");
  return { finished };
}

async function resume(load: { finished: Promise<CliResult> }): Promise<void> {
  writer!.kill("SIGCONT");
  const done = await load.finished;
  expect(done.code, done.stderr).toBe(0);
  expect((JSON.parse(done.stdout) as { totals: { requests: number } }).totals.requests).toBeGreaterThan(0);
}

describe("quartet ps while a first ingest holds the write lock", () => {
  it("lists no sessions on a new data folder, without waiting for the ingest", { timeout: 120_000 }, async () => {
    const dataDir = tempDir("quartet-data-");
    const load = await stoppedFirstLoad(dataDir);
    const ps = await runCli(["ps", "--json"], { dataDir });
    expect(ps.code, ps.stderr).toBe(0);
    expect(JSON.parse(ps.stdout)).toEqual({ sessions: [] });
    await resume(load);
  });

  it("lists the sessions as it observes them, and saves what it saw once the lock is free", { timeout: 120_000 }, async () => {
    const dataDir = tempDir("quartet-data-");
    const stateDir = tempDir("quartet-state-");
    const workdir = tempDir("quartet-work-");
    const db = openDatabase(path.join(dataDir, "quartet.db"));
    const registry = new Registry(db);
    const now = Date.now();
    const row: SessionRow = {
      id: "s-1",
      name: "busy-look",
      runtime: "claude",
      runtimeSessionId: null,
      model: null,
      prompt: "fix it",
      taskId: null,
      repo: null,
      workdir,
      inPlace: true,
      branch: null,
      baseBranch: null,
      baseCommit: null,
      stateDir,
      // A tmux server that does not exist: the session's pane is gone, so a look finds it exited.
      tmuxSocket: `quartet-test-none-${process.pid}`,
      tmuxSession: "none",
      tmuxPane: "%1",
      createdAt: now,
      state: "working",
      stateSince: now,
      stateSource: "hook",
      stateDetail: null,
      eventsOffset: 0,
      endedAt: null,
      exitStatus: null,
      stopped: false,
      discarded: false,
      removedAt: null,
      gateway: false,
    };
    registry.insert(row);
    fs.writeFileSync(path.join(stateDir, "events.jsonl"), "");
    db.close();

    const load = await stoppedFirstLoad(dataDir);
    const ps = await runCli(["ps", "--json"], { dataDir });
    expect(ps.code, ps.stderr).toBe(0);
    const [listed] = (JSON.parse(ps.stdout) as { sessions: { name: string; state: string; stateDetail: string }[] }).sessions;
    expect(listed).toMatchObject({ name: "busy-look", state: "exited" });
    expect(listed!.stateDetail).toContain("tmux pane is gone");
    // Not saved while the lock was held.
    const reader = openDatabase(path.join(dataDir, "quartet.db"));
    const saved = () => reader.prepare("SELECT state FROM agent_session").pluck().get();
    try {
      expect(saved()).toBe("working");
      await resume(load);
      expect((await runCli(["ps", "--json"], { dataDir })).code).toBe(0);
      expect(saved()).toBe("exited");
    } finally {
      reader.close();
    }
  });
});
