/**
 * Team reports from PostgreSQL (`usage --from`, `cache --from`, `report --html --from`) against a private
 * cluster (test/pg.ts). Two machines' real ledgers (generated Claude Code transcripts, the recorded OpenCode
 * and Codex logs, and a transcript on a model without a price, around midnight in Kolkata) are pushed with
 * `quartet sync`'s own push; the reference for every figure is the local ledger of the union of their logs.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDateBound } from "../src/core/time.js";
import { GROUP_BY, type Filters, type UsageRow } from "../src/ledger/query.js";
import { ledgerSource, type ReportSource } from "../src/ledger/source.js";
import { prepareChangeLog } from "../src/team/changes.js";
import { push, pushedProject } from "../src/team/push.js";
import { teamSource, type Queryable } from "../src/team/query.js";
import { migrateServer } from "../src/team/schema.js";
import { generatedHome, transcripts } from "./corpus.js";
import { FIXTURES, fileTempDir, runCli, writeLines } from "./helpers.js";
import { testLedger, type TestLedger } from "./ledger.js";
import { usePgCluster } from "./pg.js";

const cluster = usePgCluster();

/** Claude Code requests on a model without a price, either side of midnight in Kolkata (18:30 UTC). */
function unpricedTranscript(home: string): void {
  const line = (i: number, ts: string) => ({
    type: "assistant",
    timestamp: ts,
    sessionId: "s-mystery",
    cwd: "/home/dev/work/mystery",
    requestId: `req_m${i}`,
    message: {
      id: `msg_m${i}`,
      model: "claude-mystery-9",
      usage: { input_tokens: 100 + i, cache_creation_input_tokens: 2_000, cache_read_input_tokens: 10_000 * i, output_tokens: 50 },
    },
  });
  writeLines(path.join(home, ".claude", "projects", "-home-dev-work-mystery", "s-mystery.jsonl"), [
    line(1, "2026-10-10T18:20:00Z"),
    line(2, "2026-10-10T18:40:00Z"),
    line(3, "2026-10-10T19:10:00Z"),
  ]);
}

/** A home holding some of the corpus's transcripts, and the recorded logs of the other runtimes when asked. */
function home(corpus: string, files: readonly string[], o: { fixtures?: boolean; mystery?: boolean } = {}): string {
  const dir = fileTempDir("quartet-team-home-");
  for (const f of files) {
    const target = path.join(dir, path.relative(corpus, f));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(f, target);
  }
  if (o.fixtures) {
    fs.cpSync(path.join(FIXTURES, "opencode"), path.join(dir, ".local", "share", "opencode"), { recursive: true });
    fs.cpSync(path.join(FIXTURES, "codex"), path.join(dir, ".codex"), { recursive: true });
  }
  if (o.mystery) unpricedTranscript(dir);
  return dir;
}

interface Pushed {
  ledger: TestLedger;
  machineId: string;
  user: string;
}

async function ingested(dir: string): Promise<TestLedger> {
  const ledger = testLedger(dir);
  await ledger.ingest();
  return ledger;
}

/** Pushes a ledger as `quartet sync` does, as the given user from a new machine. */
async function pushLedger(client: pg.Client, ledger: TestLedger, user: string): Promise<Pushed> {
  const machineId = crypto.randomUUID();
  const logId = prepareChangeLog(ledger.db);
  await push({ db: ledger.db, client, machineId, user, project: "name", logId, version: "test" });
  return { ledger, machineId, user };
}

async function migratedDatabase(): Promise<{ name: string; url: string; client: pg.Client }> {
  const db = await cluster().createDatabase();
  const client = await cluster().connect(db.name);
  await migrateServer(client);
  return { ...db, client };
}

/** Figures compared to 12 significant digits: the two stores add the same doubles in different orders. */
function comparable<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v)));
}

/**
 * Local rows as the server holds them: a project leaves the machine as its last folder name (sync's default),
 * so local paths are mapped to names, and projects in different folders of the same name become one row
 * (the recorded OpenCode and Codex logs both ran in a folder named "project"). Rows in key order: a tie in
 * cost may order paths and names apart.
 */
function asPushed(rows: readonly UsageRow[], by: string): UsageRow[] {
  const merged = new Map<string, UsageRow>();
  for (const r of rows) {
    const row = {
      ...r,
      ...(by === "project" ? { key: pushedProject(r.key, "name")! } : {}),
      ...(r.project !== undefined ? { project: pushedProject(r.project, "name") } : {}),
    };
    const before = merged.get(row.key);
    merged.set(row.key, before ? sumRows(before, row) : row);
  }
  return comparable([...merged.values()].sort((a, b) => a.key.localeCompare(b.key)));
}

/** Two rows' figures as one row's (worked out as query.ts's figures() does from the sums). */
function sumRows(a: UsageRow, b: UsageRow): UsageRow {
  const add = (k: keyof UsageRow) => (a[k] as number) + (b[k] as number);
  const known = (x: number | null, y: number | null, sum: number) => (x === null || y === null ? null : sum);
  const prompt = add("inputTokens") + add("cacheWriteTokens") + add("cacheReadTokens");
  return {
    ...a,
    requests: add("requests"),
    inputTokens: add("inputTokens"),
    cacheWriteTokens: add("cacheWriteTokens"),
    cacheWrite5mTokens: add("cacheWrite5mTokens"),
    cacheWrite1hTokens: add("cacheWrite1hTokens"),
    cacheReadTokens: add("cacheReadTokens"),
    outputTokens: add("outputTokens"),
    reasoningTokens: add("reasoningTokens"),
    knownCostUsd: add("knownCostUsd"),
    costUsd: known(a.costUsd, b.costUsd, add("knownCostUsd")),
    unpricedRequests: add("unpricedRequests"),
    reportedCostUsd:
      a.reportedCostUsd === null ? b.reportedCostUsd : b.reportedCostUsd === null ? a.reportedCostUsd : add("reportedCostUsd"),
    cacheHitRate: prompt > 0 ? add("cacheReadTokens") / prompt : null,
    knownCacheTaxUsd: add("knownCacheTaxUsd"),
    cacheTaxUsd: known(a.cacheTaxUsd, b.cacheTaxUsd, add("knownCacheTaxUsd")),
    cacheBreaks: add("cacheBreaks"),
    firstTs: Math.min(a.firstTs!, b.firstTs!),
    lastTs: Math.max(a.lastTs!, b.lastTs!),
  };
}

const byKey = (rows: readonly UsageRow[]) => comparable([...rows].sort((a, b) => a.key.localeCompare(b.key)));

let corpus: string;
let files: string[];
let shared: { name: string; url: string; client: pg.Client };
let alice: Pushed;
let bob: Pushed;
let union: TestLedger;
let local: ReportSource;
let team: ReportSource;

beforeAll(async () => {
  corpus = generatedHome(1, 5);
  files = transcripts(corpus);
  const half = Math.floor(files.length / 2);
  shared = await migratedDatabase();
  const [a, b, u] = await Promise.all([
    ingested(home(corpus, files.slice(0, half), { fixtures: true, mystery: true })),
    ingested(home(corpus, files.slice(half))),
    ingested(home(corpus, files, { fixtures: true, mystery: true })),
  ]);
  alice = await pushLedger(shared.client, a, "alice");
  bob = await pushLedger(shared.client, b, "bob");
  union = u;
  local = ledgerSource(union.db);
  team = teamSource(shared.client);
}, 60_000);

afterAll(async () => {
  await shared?.client.end();
});

describe("team reports equal the local report over the same records", () => {
  it("for every --by, in UTC and in Asia/Kolkata (+05:30), from the rollup and from the records", async () => {
    expect((await local.totals({})).requests).toBeGreaterThan(150);
    expect(comparable(await team.totals({}))).toEqual(comparable(await local.totals({})));
    // A bound 1 ms after the epoch filters nothing out but is off the quarter-hour: only the records answer it.
    for (const f of [{}, { since: 1 }])
      for (const tz of ["UTC", "Asia/Kolkata"])
        for (const by of GROUP_BY) {
          const [t, l] = await Promise.all([team.usageRows(by, f, tz), local.usageRows(by, f, tz)]);
          expect(byKey(t), `--by ${by} --tz ${tz} ${JSON.stringify(f)}`).toEqual(asPushed(l, by));
        }
    // The mystery model's three requests fall on two days in Kolkata and one in UTC.
    const days = async (tz: string) => (await team.usageRows("day", { project: "mystery" }, tz)).map((r) => [r.key, r.requests]);
    expect(await days("UTC")).toEqual([["2026-10-10", 3]]);
    expect(await days("Asia/Kolkata")).toEqual([
      ["2026-10-10", 1],
      ["2026-10-11", 2],
    ]);
  });

  it("with two dimensions, and with --since/--until/--runtime/--project filters applied on the server", async () => {
    for (const [by, then] of [
      ["day", "runtime"],
      ["model", "session"],
      ["block", "project"],
    ] as const) {
      const [t, l] = await Promise.all([
        team.usageBreakdown(by, then, {}, "Asia/Kolkata"),
        local.usageBreakdown(by, then, {}, "Asia/Kolkata"),
      ]);
      expect([...t.keys()].sort()).toEqual([...l.keys()].sort());
      for (const [key, rows] of l) expect(byKey(t.get(key)!), `${by},${then} ${key}`).toEqual(asPushed(rows, then));
    }
    const filters: Filters[] = [
      { since: parseDateBound("2026-10-05", "UTC", false), until: parseDateBound("2026-10-20", "UTC", true) },
      { since: Date.parse("2026-10-05T10:07:00Z"), until: Date.parse("2026-10-12T03:00:00Z") },
      { runtimes: ["codex", "opencode"] },
      { project: "project-1" },
      { since: Date.parse("2026-10-10T00:00:00Z"), runtimes: ["claude"], project: "mystery" },
    ];
    for (const f of filters) {
      const [t, l] = await Promise.all([team.usageRows("session", f, "UTC"), local.usageRows("session", f, "UTC")]);
      expect(t.length, JSON.stringify(f)).toBeGreaterThan(0);
      expect(byKey(t), JSON.stringify(f)).toEqual(asPushed(l, "session"));
      expect(comparable(await team.totals(f))).toEqual(comparable(await local.totals(f)));
      expect(await team.unpricedModels(f)).toEqual(await local.unpricedModels(f));
    }
    expect(await team.unpricedModels({})).toEqual([{ model: "claude-mystery-9", runtime: "claude", requests: 3 }]);
  });

  it("ranks sessions by cache tax as `quartet cache` does, with the same top cause and tax by cause", async () => {
    const [t, l] = await Promise.all([team.cacheSessions({}, 15), local.cacheSessions({}, 15)]);
    expect(t.some((s) => s.cacheBreaks > 0 && s.topCause !== null)).toBe(true);
    expect(comparable(t)).toEqual(comparable(l.map((s) => ({ ...s, project: pushedProject(s.project, "name") }))));
    expect(comparable(await team.taxByCause({}))).toEqual(comparable(await local.taxByCause({})));
    expect(await team.dataRange(["claude", "codex", "opencode"])).toEqual(await local.dataRange(["claude", "codex", "opencode"]));
  });
});

describe("what only the team ledger has", () => {
  it("groups by user and by machine: each one's figures are its own ledger's", async () => {
    const users = await team.usageRows("user", {}, "UTC");
    expect(users.map((r) => r.key).sort()).toEqual(["alice", "bob"]);
    const machines = await team.usageRows("machine", {}, "UTC");
    expect(machines.map((r) => r.key).sort()).toEqual([alice.machineId, bob.machineId].sort());
    for (const p of [alice, bob]) {
      const own = comparable(await ledgerSource(p.ledger.db).totals({}));
      const { key: _u, firstTs: _f1, lastTs: _l1, ...byUser } = users.find((r) => r.key === p.user)!;
      const { key: _m, firstTs: _f2, lastTs: _l2, ...byMachine } = machines.find((r) => r.key === p.machineId)!;
      expect(comparable(byUser)).toEqual(own);
      expect(comparable(byMachine)).toEqual(own);
    }
    // A user's sessions, split by day in their time zone.
    const split = await team.usageBreakdown("user", "day", {}, "Asia/Kolkata");
    const bobDays = split.get("bob")!;
    expect(comparable(bobDays)).toEqual(comparable(await ledgerSource(bob.ledger.db).usageRows("day", {}, "Asia/Kolkata")));
  });
});

/** The rollup holds exactly what a fresh aggregate of the records says, group by group. */
async function expectRollupExact(client: pg.Client): Promise<void> {
  const money = (sql: string) => `(${sql})::numeric(20, 9)`;
  const aggregate = `SELECT ts / 900000 AS slot, machine_id, user_name, runtime, root_session_id, project, model, COUNT(*)::float8 AS requests,
      SUM(input_tokens)::float8 AS input, SUM(cache_write_5m_tokens)::float8 AS w5, SUM(cache_write_1h_tokens)::float8 AS w1,
      SUM(cache_read_tokens)::float8 AS cr, SUM(output_tokens)::float8 AS output, SUM(reasoning_tokens)::float8 AS reasoning,
      ${money("SUM(COALESCE(cost_usd, 0))")} AS cost, COUNT(*) FILTER (WHERE cost_usd IS NULL)::float8 AS unpriced,
      ${money("SUM(reported_cost_usd)")} AS reported, ${money("SUM(COALESCE(cache_tax_usd, 0))")} AS tax,
      COUNT(*) FILTER (WHERE cache_tax_usd IS NULL)::float8 AS untaxed, SUM(cache_break)::float8 AS breaks,
      MIN(ts)::float8 AS first_ts, MAX(ts)::float8 AS last_ts
    FROM quartet_record GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`;
  const rollup = `SELECT slot, machine_id, user_name, runtime, root_session_id, project, model, requests::float8, input::float8,
      w5::float8, w1::float8, cr::float8, output::float8, reasoning::float8, ${money("cost")} AS cost, unpriced::float8,
      ${money("CASE WHEN reported_n > 0 THEN reported END")} AS reported, ${money("tax")} AS tax, untaxed::float8, breaks::float8,
      first_ts::float8, last_ts::float8
    FROM quartet_rollup ORDER BY 1, 2, 3, 4, 5, 6, 7`;
  const [kept, fresh] = [(await client.query(rollup)).rows, (await client.query(aggregate)).rows];
  expect(kept.length).toBeGreaterThan(0);
  expect(kept).toEqual(fresh);
}

describe("the quarter-hour rollup", () => {
  it("equals a fresh aggregate of the records after inserts, a copy taken over by another machine, updates and deletes", async () => {
    const db = await migratedDatabase();
    try {
      await pushLedger(db.client, alice.ledger, "alice");
      const same = () => expectRollupExact(db.client);
      await same();
      // Another machine takes over a few records (as push does for a more complete copy), and costs change.
      await db.client.query(
        `UPDATE quartet_record SET machine_id = $1, user_name = 'carol', cost_usd = cost_usd * 2
         WHERE request_key IN (SELECT request_key FROM quartet_record ORDER BY ts LIMIT 40 OFFSET 10)`,
        [crypto.randomUUID()],
      );
      await same();
      // The first and last record of some slots go (a superseded copy is deleted): their groups' time spans shrink.
      await db.client.query(
        `DELETE FROM quartet_record WHERE (runtime, request_key) IN (
           SELECT DISTINCT ON (ts / 900000) runtime, request_key FROM quartet_record ORDER BY ts / 900000, ts LIMIT 30)`,
      );
      await db.client.query(
        `DELETE FROM quartet_record WHERE (runtime, request_key) IN (
           SELECT DISTINCT ON (ts / 900000) runtime, request_key FROM quartet_record ORDER BY ts / 900000, ts DESC LIMIT 30)`,
      );
      await same();
      await db.client.query("DELETE FROM quartet_record WHERE runtime = 'codex'");
      await same();
      expect(Number((await db.client.query("SELECT count(*) AS n FROM quartet_rollup WHERE runtime = 'codex'")).rows[0].n)).toBe(0);
    } finally {
      await db.client.end();
    }
  });

  it("stays exact with six pushes at once, the same requests from several machines", async () => {
    const db = await migratedDatabase();
    const clients = await Promise.all(Array.from({ length: 6 }, () => cluster().connect(db.name)));
    try {
      const ledgers = [alice.ledger, bob.ledger, union, alice.ledger, bob.ledger, union];
      await Promise.all(
        ledgers.map((ledger, i) =>
          push({
            db: ledger.db,
            client: clients[i]!,
            machineId: crypto.randomUUID(),
            user: `user-${i}`,
            project: "name",
            logId: prepareChangeLog(ledger.db),
            version: "test",
            batchSize: 40,
          }),
        ),
      );
      await expectRollupExact(db.client);
      expect(comparable(await teamSource(db.client).totals({}))).toEqual(comparable(await local.totals({})));
    } finally {
      await Promise.all([db.client, ...clients].map((c) => c.end()));
    }
  });

  it("time-bounded reports read through an index, from the rollup and from the records", async () => {
    const db = await migratedDatabase();
    try {
      // A month of a team's requests, one every 26 seconds, made on the server.
      await db.client.query(`
        INSERT INTO quartet_record (runtime, request_key, machine_id, user_name, session_id, root_session_id, conversation_id,
          is_subagent, project, model, ts, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens,
          output_tokens, reasoning_tokens, cost_usd, cache_tax_usd)
        SELECT 'claude', 'r' || i, ('00000000-0000-0000-0000-00000000000' || (i / 300 % 7))::uuid, 'user' || (i / 300 % 5), 's' || (i / 300), 's' || (i / 300),
          's' || (i / 300), 0, 'p' || (i % 11), 'claude-sonnet-4-5', ${Date.parse("2026-10-01T00:00:00Z")} + i * 26000::bigint, 10, 100, 0,
          5000, 300, 0, 0.01, 0
        FROM generate_series(1, 100000) AS i`);
      await db.client.query("ANALYZE");
      const seen: { sql: string; params: unknown[] }[] = [];
      const recording: Queryable = {
        query: (sql, params) => {
          seen.push({ sql, params: params ?? [] });
          return db.client.query(sql, params);
        },
      };
      const plan = async (f: Filters, tz: string) => {
        seen.length = 0;
        await teamSource(recording).usageRows("user", f, tz);
        const { sql, params } = seen[0]!;
        return (await db.client.query(`EXPLAIN ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      };
      // A day in Kolkata is whole quarter-hours: the rollup answers it.
      const day = { since: parseDateBound("2026-10-12", "Asia/Kolkata", false), until: parseDateBound("2026-10-12", "Asia/Kolkata", true) };
      expect(await plan(day, "Asia/Kolkata")).toMatch(
        /Index (Only )?Scan using quartet_rollup_key|Bitmap Index Scan on quartet_rollup_key/,
      );
      // Bounds off the quarter-hour: only the records answer exactly.
      const off = { since: Date.parse("2026-10-12T00:10:00Z"), until: Date.parse("2026-10-12T09:50:00Z") };
      const records = await plan(off, "UTC");
      expect(records).toMatch(/Index Scan using quartet_record_ts|Bitmap Index Scan on quartet_record_ts/);
      expect(records).not.toMatch(/Seq Scan/);
    } finally {
      await db.client.end();
    }
  });
});

describe("the CLI with --from", () => {
  const env = () => ({ ...cluster().env });

  it("prints the same JSON as the local report, by day in Kolkata and by user; cache --from lists the same sessions", async () => {
    const unionHome = home(corpus, files, { fixtures: true, mystery: true });
    const [teamDay, localDay, teamUser, teamCache, localCache, table] = await Promise.all([
      runCli(["usage", "--from", shared.url, "--by", "day", "--tz", "Asia/Kolkata", "--json"], { env: env() }),
      runCli(["usage", "--by", "day", "--tz", "Asia/Kolkata", "--json"], { env: { HOME: unionHome } }),
      runCli(["usage", "--from", shared.url, "--by", "user,runtime", "--json"], { env: env() }),
      runCli(["cache", "--from", shared.url, "--json", "--limit", "8"], { env: env() }),
      runCli(["cache", "--json", "--limit", "8"], { env: { HOME: unionHome } }),
      runCli(["usage", "--from", shared.url, "--by", "machine"], { env: { ...env(), COLUMNS: "200" } }),
    ]);
    for (const r of [teamDay, localDay, teamUser, teamCache, localCache, table]) expect(r.code, r.stderr).toBe(0);
    const [t, l] = [JSON.parse(teamDay.stdout), JSON.parse(localDay.stdout)];
    expect(t.rows).toEqual(l.rows);
    expect(t.totals).toEqual(l.totals);
    expect(t.warnings.map((w: { code: string }) => w.code)).toEqual(["unknown-price"]);
    expect(t.warnings[0].message).toContain('"claude-mystery-9" (claude, 3 requests)');
    const byUser = JSON.parse(teamUser.stdout);
    expect(byUser.rows.map((r: { key: string }) => r.key).sort()).toEqual(["alice", "bob"]);
    expect(byUser.rows.find((r: { key: string }) => r.key === "bob").breakdown.map((b: { key: string }) => b.key)).toEqual(["claude"]);
    const [tc, lc] = [JSON.parse(teamCache.stdout), JSON.parse(localCache.stdout)];
    expect(comparable(tc.sessions)).toEqual(
      comparable(lc.sessions.map((s: { project: string | null }) => ({ ...s, project: pushedProject(s.project, "name") }))),
    );
    expect(table.stdout).toMatch(/Machine\s.*Requests/);
    expect(table.stdout).toContain(alice.machineId);
  });

  it("writes the HTML report from the server", async () => {
    const file = path.join(fileTempDir("quartet-team-report-"), "team.html");
    const r = await runCli(["report", "--html", file, "--from", shared.url, "--tz", "UTC"], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const html = fs.readFileSync(file, "utf8");
    expect(html).toContain('aria-label="Cost per day by runtime"');
    for (const rt of ["claude", "codex", "opencode"]) expect(html).toContain(`data-series="${rt}"`);
    const sessions = await team.cacheSessions({}, 15);
    expect(html).toContain(`<code>${sessions[0]!.session}</code>`);
  });

  it("says clearly what is wrong with a bad URL or an unreachable server, and never prints a password", async () => {
    const secret = "hunter2-secret";
    const [bare, empty] = [await cluster().createDatabase(), await migratedDatabase()];
    await empty.client.end();
    // A bare --from reads the server quartet sync pushes to (sync.url in the config).
    const configured = fileTempDir("quartet-team-data-");
    fs.writeFileSync(path.join(configured, "config.jsonc"), JSON.stringify({ sync: { url: shared.url } }));
    const [notUrl, withPassword, refused, wrongPassword, timeline, noTables, noRecords, noServer, fromConfig, localUser, withHome] =
      await Promise.all([
        runCli(["usage", "--from", "db.example.com/quartet"], { env: env() }),
        runCli(["usage", "--from", `postgres://alice:${secret}@127.0.0.1:1/quartet`], { env: env() }),
        runCli(["usage", "--from", "postgres://alice@127.0.0.1:1/quartet"], { env: { PGPASSWORD: secret } }),
        runCli(["cache", "--from", shared.url], { env: { PGPASSWORD: secret } }),
        runCli(["cache", "some-session", "--from", shared.url], { env: env() }),
        runCli(["usage", "--from", bare.url], { env: env() }),
        runCli(["usage", "--from", empty.url], { env: env() }),
        runCli(["usage", "--from", "--by", "user"], { env: env() }),
        runCli(["usage", "--from", "--by", "user", "--json"], { env: env(), dataDir: configured }),
        runCli(["usage", "--by", "machine,day"]),
        runCli(["usage", "--from", shared.url, "--home", corpus], { env: env() }),
      ]);
    expect(notUrl).toMatchObject({ code: 2, stdout: "" });
    expect(notUrl.stderr).toContain("--from is not a URL (expected postgres://user@host:port/database)");
    expect(withPassword.code).toBe(2);
    expect(withPassword.stderr).toContain("--from carries a password");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("postgres://alice@127.0.0.1:1/quartet");
    expect(refused.stderr).toContain("ECONNREFUSED");
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.stderr).toMatch(/password authentication failed.*PGPASSWORD or ~\/\.pgpass/);
    expect(timeline.code).toBe(2);
    expect(timeline.stderr).toContain("drop --from");
    expect(noTables.code).toBe(1);
    expect(noTables.stderr).toContain("the server has no quartet tables yet: run `quartet sync --migrate` once");
    expect(noRecords).toMatchObject({ code: 0, stderr: "" });
    expect(noRecords.stdout).toBe(`The team ledger at ${empty.url} holds no usage yet: push a machine's ledger to it with quartet sync.\n`);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain("--from needs a server: --from postgres://user@host/database, or");
    expect(fromConfig.code, fromConfig.stderr).toBe(0);
    expect(
      JSON.parse(fromConfig.stdout)
        .rows.map((r: { key: string }) => r.key)
        .sort(),
    ).toEqual(["alice", "bob"]);
    expect(localUser.code).toBe(2);
    expect(localUser.stderr).toContain("--by machine needs a team ledger (--from postgres://…): this machine's ledger has one machine");
    expect(withHome.code).toBe(2);
    expect(withHome.stderr).toContain("--home reads this machine's logs and --from the team ledger: use one of them");
    for (const r of [notUrl, withPassword, refused, wrongPassword]) expect(r.stdout + r.stderr).not.toContain(secret);
  });
});
