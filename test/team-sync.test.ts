/**
 * `quartet sync` end to end: the built CLI pushing real ledgers (read from generated Claude Code
 * transcripts and the recorded Codex sessions) into a private PostgreSQL cluster (test/pg.ts).
 *
 * The reference for every total is quartet's own local report (`usage --json`) over the union of the
 * machines' logs: the server must hold exactly that, each request once, whatever the order, the
 * concurrency or the crashes along the way.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generatedHome, transcripts } from "./corpus.js";
import { FIXTURES, fileTempDir, runCli, type CliResult } from "./helpers.js";
import { migrateServer } from "../src/team/schema.js";
import { usePgCluster } from "./pg.js";

const cluster = usePgCluster();

let corpus: string;
let files: string[];

/** A home holding the given generated transcripts (by index) and, when asked, the recorded Codex sessions. */
function homeWith(indexes: readonly number[], o: { codex?: boolean; dir?: string } = {}): string {
  const home = o.dir ?? fileTempDir("quartet-sync-home-");
  for (const i of indexes) {
    const target = path.join(home, path.relative(corpus, files[i]!));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(files[i]!, target);
  }
  if (o.codex) fs.cpSync(path.join(FIXTURES, "codex"), path.join(home, ".codex"), { recursive: true });
  return home;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

interface Machine {
  home: string;
  data: string;
}

function machine(home: string): Machine {
  return { home, data: fileTempDir("quartet-sync-data-") };
}

function sync(
  m: Machine,
  args: readonly string[],
  o: { killAfterMs?: number; env?: NodeJS.ProcessEnv; onStart?: (child: ChildProcess) => void } = {},
): Promise<CliResult> {
  return runCli(["sync", ...args], { ...o, dataDir: m.data, env: { HOME: m.home, ...cluster().env, ...o.env } });
}

async function ok(r: Promise<CliResult>): Promise<CliResult> {
  const done = await r;
  expect(done.stderr).toBe("");
  expect(done.code).toBe(0);
  return done;
}

interface Totals {
  requests: number;
  inputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  knownCostUsd: number;
  knownCacheTaxUsd: number;
  cacheBreaks: number;
}

/** What quartet's local report says over a home's logs. */
async function localTotals(home: string): Promise<Totals> {
  const r = await runCli(["usage", "--json", "--by", "runtime"], { env: { HOME: home } });
  expect(r.code).toBe(0);
  return pickTotals(JSON.parse(r.stdout).totals);
}

function pickTotals(t: Record<string, number>): Totals {
  return {
    requests: Number(t.requests),
    inputTokens: Number(t.inputTokens),
    cacheWriteTokens: Number(t.cacheWriteTokens),
    cacheReadTokens: Number(t.cacheReadTokens),
    outputTokens: Number(t.outputTokens),
    knownCostUsd: Math.round(Number(t.knownCostUsd) * 1e6) / 1e6,
    knownCacheTaxUsd: Math.round(Number(t.knownCacheTaxUsd) * 1e6) / 1e6,
    cacheBreaks: Number(t.cacheBreaks),
  };
}

/** The same figures, summed by PostgreSQL over the team ledger. */
async function serverTotals(database: string): Promise<Totals> {
  const c = await cluster().connect(database);
  try {
    const r = await c.query(`SELECT count(*) AS "requests", sum(input_tokens) AS "inputTokens",
        sum(cache_write_5m_tokens + cache_write_1h_tokens) AS "cacheWriteTokens", sum(cache_read_tokens) AS "cacheReadTokens",
        sum(output_tokens) AS "outputTokens", sum(coalesce(cost_usd, 0)) AS "knownCostUsd",
        sum(coalesce(cache_tax_usd, 0)) AS "knownCacheTaxUsd", sum(cache_break) AS "cacheBreaks"
      FROM quartet_record`);
    return pickTotals(r.rows[0]);
  } finally {
    await c.end();
  }
}

async function query<T>(database: string, sql: string): Promise<T[]> {
  const c = await cluster().connect(database);
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** A database with quartet's tables (made in process: `quartet sync --migrate` itself is tested below). */
async function migratedDatabase(): Promise<{ name: string; url: string }> {
  const db = await cluster().createDatabase();
  const c = await cluster().connect(db.name);
  try {
    await migrateServer(c);
  } finally {
    await c.end();
  }
  return db;
}

beforeAll(() => {
  corpus = generatedHome(3, 11);
  files = transcripts(corpus);
  expect(files.length).toBeGreaterThanOrEqual(12);
});

describe("quartet sync", () => {
  it("two machines with overlapping logs: the server holds the union, each request once; pushing again changes nothing", async () => {
    const third = Math.floor(files.length / 3);
    const a = machine(homeWith(range(0, 2 * third), { codex: true }));
    const b = machine(homeWith(range(third, files.length), { codex: true }));
    const union = homeWith(range(0, files.length), { codex: true });
    const db = await cluster().createDatabase();
    expect((await ok(sync(a, ["--migrate", "--to", db.url]))).stdout).toMatch(/migrated from version 0 to \d+/);

    const first = JSON.parse((await ok(sync(a, ["--to", db.url, "--json"]))).stdout);
    expect(first).toMatchObject({ server: db.url, fromStart: true, deleted: 0 });
    expect(first.upserted).toBeGreaterThan(0);
    await ok(sync(b, ["--to", db.url]));
    const expected = await localTotals(union);
    expect(await serverTotals(db.name)).toEqual(expected);

    // Both machines are there, each record is credited to one of them, and nothing was written twice.
    const machines = await query<{ machine_id: string; records: string }>(
      db.name,
      "SELECT machine_id, count(*) AS records FROM quartet_record GROUP BY machine_id ORDER BY machine_id",
    );
    expect(machines).toHaveLength(2);
    const ids = [a, b].map((m) => fs.readFileSync(path.join(m.data, "machine-id"), "utf8").trim()).sort();
    expect(machines.map((r) => r.machine_id)).toEqual(ids);

    const before = await query(db.name, "SELECT runtime, request_key, pushed_at FROM quartet_record ORDER BY 1, 2");
    for (const m of [a, b]) {
      const again = JSON.parse((await ok(sync(m, ["--to", db.url, "--json"]))).stdout);
      expect(again).toMatchObject({ upserted: 0, deleted: 0, batches: 0 });
    }
    expect(await query(db.name, "SELECT runtime, request_key, pushed_at FROM quartet_record ORDER BY 1, 2")).toEqual(before);

    // Only a project's last folder name leaves the machine, never the path (which holds the user's home).
    const projects = await query<{ project: string | null }>(db.name, "SELECT DISTINCT project FROM quartet_record");
    expect(projects.length).toBeGreaterThan(1);
    for (const { project } of projects) if (project !== null) expect(project).not.toContain("/");
  });

  it("pushes what changed since: new lines, grown conversations and their recomputed cache figures", async () => {
    const full = homeWith(range(0, 6));
    const m = machine(fileTempDir("quartet-sync-home-"));
    // An earlier moment of the same logs: half of each file, some files not there yet.
    const cut = files.slice(0, 6).map((f) => ({ f, data: fs.readFileSync(f) }));
    cut.forEach(({ f, data }, i) => {
      if (i % 3 === 0) return;
      const target = path.join(m.home, path.relative(corpus, f));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data.subarray(0, data.indexOf(10, Math.floor(data.length / 2)) + 1));
    });
    const db = await migratedDatabase();
    await ok(sync(m, ["--to", db.url]));
    expect(await serverTotals(db.name)).toEqual(await localTotals(m.home));
    for (const { f, data } of cut) {
      const target = path.join(m.home, path.relative(corpus, f));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data);
    }
    const second = JSON.parse((await ok(sync(m, ["--to", db.url, "--json"]))).stdout);
    expect(second.fromStart).toBe(false);
    expect(await serverTotals(db.name)).toEqual(await localTotals(full));
  });

  it("a data folder restored from a backup pushes what it logged since, though its change numbers were used before", async () => {
    const m = machine(homeWith([0, 1]));
    const db = await migratedDatabase();
    await ok(sync(m, ["--to", db.url]));
    const backup = fileTempDir("quartet-sync-backup-");
    fs.cpSync(m.data, backup, { recursive: true });
    homeWith(range(2, 9), { dir: m.home });
    await ok(sync(m, ["--to", db.url]));
    // Back to the backup, on a home where one other transcript arrived instead: its records get change
    // numbers the server's cursor has already passed.
    fs.rmSync(m.data, { recursive: true });
    fs.cpSync(backup, m.data, { recursive: true });
    for (const i of range(2, 9)) fs.rmSync(path.join(m.home, path.relative(corpus, files[i]!)));
    homeWith([9], { dir: m.home });
    const restored = JSON.parse((await ok(sync(m, ["--to", db.url, "--json"]))).stdout);
    expect(restored.fromStart).toBe(true);
    expect(await serverTotals(db.name)).toEqual(await localTotals(homeWith(range(0, 10))));
  });

  it("a push killed at random instants, and a server crash mid-push, then resumed: the same totals", async () => {
    const m = machine(homeWith(range(0, files.length), { codex: true }));
    const db = await migratedDatabase();
    // Small batches make the push long enough to be cut many times.
    const args = ["--to", db.url, "--batch-size", "10"];
    const expected = await localTotals(m.home);
    // Deterministic "random" points: a share of the records, or an instant (which may fall while the logs are read).
    let seed = 5;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const committed: number[] = [];
    // One connection watches the count: a new connection per poll (a fork and a password exchange each)
    // made the polls themselves load the machine and lag behind the push.
    const watcher = await cluster().connect(db.name);
    const held = async () => Number((await watcher.query("SELECT count(*) AS n FROM quartet_record")).rows[0].n);
    try {
      for (let i = 0; i < 4; i++) {
        let child: ChildProcess | undefined;
        const run = sync(m, args, i === 3 ? { killAfterMs: 200 + random() * 600 } : { onStart: (c) => (child = c) });
        if (child) {
          // Killed once the server holds more than a random share of the records (or when it ends by itself).
          const target = Math.floor(random() * expected.requests);
          let ended = false;
          void run.then(() => (ended = true));
          await expect.poll(async () => ended || (await held()) > target, { timeout: 40_000, interval: 5 }).toBe(true);
          child.kill("SIGKILL");
        }
        if ((await run).signal === "SIGKILL") committed.push(await held());
      }
    } finally {
      await watcher.end();
    }
    // Some pushes were cut half-way through the records.
    expect(committed.filter((n) => n > 0 && n < expected.requests).length).toBeGreaterThan(1);

    await ok(sync(m, args));
    expect(await serverTotals(db.name)).toEqual(expected);

    // The server goes down (a crash: no shutdown) while a push into a second database is under way. So that
    // the crash cannot come after the push ended, however slow the machine, a transaction of the test's holds
    // the insert of a record from the middle of the push (the median by push time in the first database):
    // the push commits the batches before it, then waits on that record's batch, and the server dies then.
    const second = await migratedDatabase();
    const [middle] = await query<{ row: unknown }>(
      db.name,
      "SELECT row_to_json(r) AS row FROM quartet_record r ORDER BY pushed_at, runtime, request_key OFFSET (SELECT count(*) / 2 FROM quartet_record) LIMIT 1",
    );
    const holder = await cluster().connect(second.name);
    // The crash ends this connection too; its error is expected.
    holder.on("error", () => undefined);
    await holder.query("BEGIN");
    await holder.query("INSERT INTO quartet_record SELECT * FROM json_populate_record(NULL::quartet_record, $1)", [middle!.row]);
    const pushing = sync(m, ["--to", second.url, "--batch-size", "10"]);
    const observer = await cluster().connect(second.name);
    observer.on("error", () => undefined);
    const waiting = async () =>
      Number(
        (
          await observer.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'quartet sync' AND wait_event_type = 'Lock'",
          )
        ).rows[0].n,
      );
    await expect.poll(waiting, { timeout: 40_000, interval: 10 }).toBe(1);
    await cluster().stop("immediate");
    const cut = await pushing;
    await Promise.all([holder, observer].map((c) => c.end().catch(() => undefined)));
    await cluster().start();
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain(second.url);
    expect(cut.stderr).toMatch(/nothing is lost: the next quartet sync continues after the last committed batch/);
    // Cut half-way: the batches before the held record's were committed, the rest not.
    const before = (await serverTotals(second.name)).requests;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(expected.requests);
    await ok(sync(m, ["--to", second.url]));
    expect(await serverTotals(second.name)).toEqual(expected);
  });

  it("ten machines pushing at once: no errors, exact totals", async () => {
    const n = files.length;
    // Each machine has four transcripts, overlapping its neighbours'; together they have every one.
    const machines = Array.from({ length: 10 }, (_, k) =>
      machine(
        homeWith(
          [0, 1, 2, 3].map((j) => (Math.floor((k * n) / 10) + j) % n),
          { codex: k % 3 === 0 },
        ),
      ),
    );
    const db = await migratedDatabase();
    // Small batches: many transactions from each machine, interleaved with the others'.
    const results = await Promise.all(machines.map((m) => sync(m, ["--to", db.url, "--batch-size", "10", "--json"])));
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    // Overlapping records were sent by several machines and written once.
    const pushed = results.map((r) => JSON.parse(r.stdout) as { sent: number; upserted: number });
    const union = homeWith(range(0, n), { codex: true });
    const expected = await localTotals(union);
    expect(pushed.reduce((a, p) => a + p.sent, 0)).toBeGreaterThan(expected.requests);
    expect(await serverTotals(db.name)).toEqual(expected);
  });

  it("--migrate from two processes at once applies the migrations once", async () => {
    const m = machine(homeWith([]));
    const db = await cluster().createDatabase();
    const both = await Promise.all([0, 1].map(() => ok(sync(m, ["--migrate", "--to", db.url, "--json"]))));
    const outcomes = both.map((r) => JSON.parse(r.stdout) as { from: number; to: number });
    expect(outcomes.filter((o) => o.from === 0)).toHaveLength(1);
    expect(outcomes.every((o) => o.to === outcomes[0]!.to)).toBe(true);
  });

  it("refuses to push to a server without quartet's tables, or with newer ones", async () => {
    const m = machine(homeWith([0]));
    const db = await cluster().createDatabase();
    const missing = await sync(m, ["--to", db.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no quartet tables yet: run `quartet sync --migrate`/);
    await ok(sync(m, ["--migrate", "--to", db.url]));
    const c = await cluster().connect(db.name);
    await c.query("INSERT INTO quartet_migration (version, name) VALUES (999, 'a later quartet')");
    await c.end();
    const newer = await sync(m, ["--to", db.url]);
    expect(newer.code).toBe(1);
    expect(newer.stderr).toMatch(/newer \(version 999\).*upgrade quartet/);
    expect(await query(db.name, "SELECT 1 FROM quartet_record")).toEqual([]);
  });

  it("refuses a password in the URL, from the flag or the config, and never prints it", async () => {
    const m = machine(homeWith([0]));
    const secret = "s3cret-Pw-in-url";
    const flag = await sync(m, ["--to", `postgres://postgres:${secret}@127.0.0.1:${cluster().port}/postgres`]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/carries a password: put the password in the PGPASSWORD environment variable or in ~\/\.pgpass/);
    const config = path.join(m.data, "config.jsonc");
    fs.writeFileSync(
      config,
      `{\n  // the team server\n  "sync": {\n    "url": "postgresql://alice:${secret}@db.example.com/quartet"\n  }\n}\n`,
    );
    const fromConfig = await sync(m, []);
    expect(fromConfig.code).toBe(1);
    expect(fromConfig.stderr).toContain(`${config}:4`);
    expect(fromConfig.stderr).toMatch(/sync\.url: carries a password/);
    // A wrong password from the environment: the error says where the password comes from.
    fs.rmSync(config);
    const db = await cluster().createDatabase();
    const wrong = await sync(m, ["--to", db.url], { env: { PGPASSWORD: "not-the-password" } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/password authentication failed.*PGPASSWORD or ~\/\.pgpass/);
    for (const r of [flag, fromConfig, wrong]) expect(r.stdout + r.stderr).not.toContain(secret);

    // No PGPASSWORD: the password comes from ~/.pgpass (node-postgres reads it; it must be 0600).
    await ok(sync(m, ["--migrate", "--to", db.url]));
    const pgpass = path.join(m.home, ".pgpass");
    fs.writeFileSync(pgpass, `127.0.0.1:${cluster().port}:*:postgres:${cluster().password}\n`, { mode: 0o600 });
    const fromPgpass = await runCli(["sync", "--to", db.url, "--json"], { dataDir: m.data, env: { HOME: m.home } });
    expect(fromPgpass.stderr).toBe("");
    expect(JSON.parse(fromPgpass.stdout).upserted).toBeGreaterThan(0);
  });

  it("--status: the machine id, user, server, last acknowledged push and records pending", async () => {
    const m = machine(homeWith([0, 1]));
    const db = await migratedDatabase();
    fs.writeFileSync(path.join(m.data, "config.jsonc"), JSON.stringify({ sync: { url: db.url, user: "alice", project: "hash" } }));
    const never = JSON.parse((await ok(sync(m, ["--status", "--json"]))).stdout);
    const idFile = path.join(m.data, "machine-id");
    expect(fs.statSync(idFile).mode & 0o777).toBe(0o600);
    expect(never).toEqual({
      machineId: fs.readFileSync(idFile, "utf8").trim(),
      user: "alice",
      project: "hash",
      server: db.url,
      serverFrom: path.join(m.data, "config.jsonc"),
      lastPush: null,
      pending: 0,
    });
    await ok(sync(m, []));
    const after = JSON.parse((await ok(sync(m, ["--status", "--json"]))).stdout);
    expect(after.machineId).toBe(never.machineId);
    expect(after.pending).toBe(0);
    expect(after.lastPush.seq).toBeGreaterThan(0);
    const rows = await query<{ user_name: string; project: string }>(db.name, "SELECT DISTINCT user_name, project FROM quartet_record");
    expect(rows.every((r) => r.user_name === "alice" && /^sha256:[0-9a-f]{16}$/.test(r.project))).toBe(true);

    // New logs read by another command are pending until the next push.
    homeWith([2], { dir: m.home });
    await runCli(["usage"], { dataDir: m.data, env: { HOME: m.home } });
    const pending = await ok(sync(m, ["--status"]));
    expect(pending.stdout).toMatch(/^machine +[0-9a-f-]{36}$/m);
    expect(pending.stdout).toMatch(/^user +alice$/m);
    expect(pending.stdout).toMatch(/^pending +[1-9]\d* records/m);
  });
});
