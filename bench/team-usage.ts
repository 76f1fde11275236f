/**
 * Benchmark: team reports on a team-sized ledger in PostgreSQL. Fills a server with synthetic request
 * records (generated on the server, `INSERT … SELECT generate_series`, in batches of a million, through
 * the same table, indexes and rollup triggers a push writes to), then times the built CLI's
 * `quartet usage --from … --by user` (target: under 2 s at 10 million records) and a few other team reports.
 *
 * Peer: the local SQLite ledger's `quartet usage --by runtime` over the same records (the same formulas,
 * written into a ledger with SQLite's recursive CTE and rolled up as an ingest would), so the figures compare
 * a team report with what one machine's report costs on the same volume. Both must print the same totals.
 *
 *   npm run build && npx tsx bench/team-usage.ts [--records 10000000] [--runs 3] [--url postgres://user@host/db] [--skip-local]
 *
 * Without --url it starts a private PostgreSQL cluster (test/pg.ts: initdb in a temp folder, loopback only,
 * 32 MB of shared buffers, fsync off). With --url it fills that database (empty, or already holding exactly
 * --records of this bench's records, which it then reuses); the password comes from PGPASSWORD or ~/.pgpass.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openDatabase } from "../src/core/db.js";
import { rebuildRollup } from "../src/ledger/rollup.js";
import { migrateServer } from "../src/team/schema.js";
import { startPgCluster } from "../test/pg.js";
import { envFor, measure, median, QUARTET, tempDir as newTempDir, type Measured } from "./lib.js";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "10000000" },
    runs: { type: "string", default: "3" },
    url: { type: "string" },
    "skip-local": { type: "boolean", default: false },
  },
});
const N = Number(values.records);
const runs = Number(values.runs);
const BATCH = 1_000_000;
/** 2026-08-01T00:00Z, and one request every 0.777 s: ten million requests span 90 days. */
const BASE = Date.UTC(2026, 7, 1);
const STEP_MS = 777;

/**
 * One synthetic request per i, in SQL both stores run alike (integer arithmetic, `||`, CASE): 40,000 sessions
 * of 250 requests, each on one runtime, project, user (25) and machine (40); a cache break on every 50th
 * request, one request in a thousand on a model without a price.
 */
const s = "(i / 250)";
const COLUMNS = {
  runtime: `CASE ${s} % 3 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' ELSE 'opencode' END`,
  request_key: `'req-' || i`,
  session_id: `'ses-' || ${s}`,
  root_session_id: `'ses-' || ${s}`,
  conversation_id: `'ses-' || ${s}`,
  is_subagent: "0",
  project: `'project-' || (${s} % 50)`,
  model: `CASE WHEN i % 1000 = 999 THEN 'in-house-model' WHEN ${s} % 3 = 1 THEN 'gpt-5-codex' WHEN ${s} % 4 = 0 THEN 'claude-opus-4-5' ELSE 'claude-sonnet-4-5' END`,
  ts: `${BASE} + i * ${STEP_MS}`,
  input_tokens: "1 + i % 2000",
  cache_write_5m_tokens: "CASE WHEN i % 250 = 0 THEN 30000 ELSE (i % 7) * 300 END",
  cache_write_1h_tokens: "0",
  cache_read_tokens: "20000 + (i * 37) % 60000",
  output_tokens: "50 + (i * 13) % 1500",
  reasoning_tokens: `CASE WHEN ${s} % 3 = 1 THEN (i * 7) % 500 ELSE 0 END`,
  marks: "0",
  cost_usd: "CASE WHEN i % 1000 = 999 THEN NULL ELSE (1 + (i * 31) % 9000) / 100000.0 END",
  expected_read_tokens: "0",
  shortfall_tokens: "CASE WHEN i % 50 = 25 THEN 20000 ELSE 0 END",
  cache_break: "CASE WHEN i % 50 = 25 THEN 1 ELSE 0 END",
  break_cause: `CASE WHEN i % 50 = 25 THEN CASE (i / 50) % 4 WHEN 0 THEN 'ttl-expired' WHEN 1 THEN 'prefix-changed' WHEN 2 THEN 'model-switch' ELSE 'compaction' END END`,
  cache_tax_usd: "CASE WHEN i % 1000 = 999 THEN NULL WHEN i % 50 = 25 THEN (i % 500) / 10000.0 ELSE 0 END",
};
const names = Object.keys(COLUMNS).join(", ");
const exprs = Object.values(COLUMNS).join(", ");

async function fillServer(url: string): Promise<void> {
  // node-postgres reads the password from PGPASSWORD or ~/.pgpass, as quartet does.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrateServer(client);
    const have = Number((await client.query("SELECT count(*) AS n FROM quartet_record")).rows[0].n);
    if (have === N) {
      console.log(`server: ${N.toLocaleString("en")} records already there`);
      return;
    }
    if (have !== 0) throw new Error(`the server holds ${have} records, not 0 or ${N}: use an empty database`);
    const started = performance.now();
    for (let from = 1; from <= N; from += BATCH) {
      const to = Math.min(N, from + BATCH - 1);
      await client.query(
        `INSERT INTO quartet_record (machine_id, user_name, ${names})
         SELECT ('00000000-0000-4000-8000-' || lpad((${s} % 40)::text, 12, '0'))::uuid, 'user-' || (${s} % 25), ${exprs}
         FROM generate_series($1::bigint, $2::bigint) AS i`,
        [from, to],
      );
      process.stdout.write(`\rserver: ${to.toLocaleString("en")} records (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    await client.query("VACUUM ANALYZE quartet_record");
    await client.query("VACUUM ANALYZE quartet_rollup");
    const rollup = (await client.query("SELECT count(*) AS n FROM quartet_rollup")).rows[0].n;
    console.log(
      `\nserver: ${N.toLocaleString("en")} records loaded in ${((performance.now() - started) / 1000).toFixed(1)} s; rollup ${Number(rollup).toLocaleString("en")} rows`,
    );
  } finally {
    await client.end();
  }
}

/** A local ledger holding the same records, made as a first ingest makes one: rows, then the hourly rollup. */
async function fillLocal(dataDir: string, home: string): Promise<void> {
  // A first report creates the ledger and takes the pricing table's fingerprint, as on a new machine.
  await measure([...QUARTET, "usage", "--json"], envFor(home, { QUARTET_HOME: dataDir }));
  const db = openDatabase(path.join(dataDir, "quartet.db"));
  const started = performance.now();
  db.exec(`INSERT INTO usage_record (${names}, source_id)
    WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${N}) SELECT ${exprs}, 0 FROM g`);
  rebuildRollup(db, "all");
  db.close();
  console.log(`local: ${N.toLocaleString("en")} records loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function timeRuns(label: string, cmd: string[], env: NodeJS.ProcessEnv): Promise<{ label: string; runs: Measured[] }> {
  await measure(cmd, env); // warm: the server's and the OS's caches, as for a report run twice in a day
  const out: Measured[] = [];
  for (let i = 0; i < runs; i++) out.push(await measure(cmd, env));
  console.log(
    `${label.padEnd(58)} ${median(out.map((r) => r.seconds)).toFixed(2)} s  (runs ${out.map((r) => r.seconds.toFixed(2)).join(", ")})`,
  );
  return { label, runs: out };
}

const totalsOf = (r: Measured) => {
  const t = JSON.parse(r.stdout).totals;
  return {
    requests: t.requests,
    inputTokens: t.inputTokens,
    cacheReadTokens: t.cacheReadTokens,
    knownCostUsd: t.knownCostUsd,
    cacheBreaks: t.cacheBreaks,
  };
};

/** Folders this run makes, removed at the end (the local ledger of ten million records is 2 GB). */
const made: string[] = [];
const tempDir = (prefix: string) => {
  made.push(newTempDir(prefix));
  return made.at(-1)!;
};

const cluster = values.url ? undefined : await startPgCluster();
try {
  const url = values.url ?? (await cluster!.createDatabase()).url;
  const env = envFor(tempDir("quartet-bench-home-"), { QUARTET_HOME: tempDir("quartet-bench-data-"), ...(cluster ? cluster.env : {}) });
  if (cluster) process.env.PGPASSWORD = cluster.password;
  await fillServer(url);
  const from = (args: string[]) => [...QUARTET, "usage", "--from", url, ...args];
  const team = await timeRuns("quartet usage --from … --by user --json", from(["--by", "user", "--json"]), env);
  await timeRuns("quartet usage --from … --by user (table)", from(["--by", "user"]), env);
  await timeRuns("quartet usage --from … --by runtime --json", from(["--by", "runtime", "--json"]), env);
  await timeRuns("quartet usage --from … --by day,user --json", from(["--by", "day,user", "--json"]), env);
  await timeRuns("quartet usage --from … --by day --tz Asia/Kolkata --json", from(["--by", "day", "--tz", "Asia/Kolkata", "--json"]), env);
  await timeRuns("… --by user --since 2026-10-23 --json (last 7 days)", from(["--by", "user", "--since", "2026-10-23", "--json"]), env);
  // A bound off the quarter-hour: the records answer, through their time index.
  await timeRuns(
    "… --by user --since 2026-10-23T00:07Z --json (records)",
    from(["--by", "user", "--since", "2026-10-23T00:07:00Z", "--json"]),
    env,
  );
  await timeRuns("quartet cache --from … --json", [...QUARTET, "cache", "--from", url, "--json"], env);
  const html = path.join(tempDir("quartet-bench-report-"), "team.html");
  await timeRuns("quartet report --from … --html", [...QUARTET, "report", "--from", url, "--html", html], env);
  if (!values["skip-local"]) {
    const home = tempDir("quartet-bench-home-");
    const dataDir = tempDir("quartet-bench-local-");
    await fillLocal(dataDir, home);
    const local = await timeRuns(
      "local: quartet usage --by runtime --json",
      [...QUARTET, "usage", "--by", "runtime", "--json"],
      envFor(home, { QUARTET_HOME: dataDir }),
    );
    const [a, b] = [totalsOf(team.runs[0]!), totalsOf(local.runs[0]!)];
    const same = JSON.stringify(a) === JSON.stringify(b);
    console.log(`totals ${same ? "equal" : "DIFFER"}: team ${JSON.stringify(a)}${same ? "" : ` local ${JSON.stringify(b)}`}`);
    if (!same) process.exitCode = 1;
  }
} finally {
  await cluster?.remove();
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
}
