/**
 * Benchmark: `quartet sync`'s push throughput, in records per second, from a synthetic ledger of team-like
 * records into PostgreSQL (a private cluster started for the run, or --url). Three pushes:
 *   1. a first push into an empty team ledger (every record new),
 *   2. a second machine pushing the same requests (every record a conflict, kept once),
 *   3. the first machine again after its ledger re-priced every record (every record an update).
 * The push is the library call `quartet sync` makes (src/team/push.ts), without reading any logs.
 *
 *   npx tsx bench/team-push.ts [--records 200000] [--batch 5000] [--url postgres://user@host/db]
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase, type Db } from "../src/core/db.js";
import { prepareLedger } from "../src/ledger/store.js";
import { prepareChangeLog } from "../src/team/changes.js";
import { connectServer } from "../src/team/connect.js";
import { push } from "../src/team/push.js";
import { migrateServer } from "../src/team/schema.js";
import { startPgCluster } from "../test/pg.js";
import { tempDir } from "./lib.js";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "200000" },
    batch: { type: "string", default: "5000" },
    url: { type: "string" },
  },
});
const RECORDS = Number(values.records);
const BATCH = Number(values.batch);

/** A ledger of `n` records shaped like real ones: sessions of a few hundred requests, a handful of models and projects. */
function syntheticLedger(file: string, n: number, seed: string): Db {
  const db = openDatabase(file);
  prepareLedger(db);
  const insert = db.prepare(
    `INSERT INTO usage_record (runtime, request_key, session_id, root_session_id, conversation_id, is_subagent, project, model, provider,
       ts, version, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens, reasoning_tokens,
       source_id, cost_usd, expected_read_tokens, shortfall_tokens, cache_break, break_cause, cache_tax_usd)
     VALUES (?, ?, ?, ?, ?, 0, ?, ?, 'anthropic', ?, '2.1.197', ?, ?, 0, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?)`,
  );
  const models = ["claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5"];
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const session = crypto
        .createHash("sha1")
        .update(`${seed}:${Math.floor(i / 300)}`)
        .digest("hex");
      const sessionId = `${session.slice(0, 8)}-${session.slice(8, 12)}-4${session.slice(13, 16)}-a${session.slice(17, 20)}-${session.slice(20, 32)}`;
      const shortfall = i % 40 === 0 ? 50_000 : 0;
      insert.run(
        i % 5 === 0 ? "codex" : "claude",
        `msg_${crypto.createHash("sha1").update(`req:${i}`).digest("hex").slice(0, 24)}:req_${i.toString(36)}`,
        sessionId,
        sessionId,
        sessionId,
        `/home/dev/work/project-${i % 37}`,
        models[i % 3],
        Date.UTC(2026, 9, 1) + i * 20_000,
        3 + (i % 7),
        1500 + (i % 900),
        40_000 + (i % 20_000),
        200 + (i % 3000),
        0.02 + (i % 100) / 1000,
        shortfall ? 90_000 : 40_000,
        shortfall,
        shortfall ? 1 : 0,
        shortfall ? "prefix-changed" : null,
        shortfall ? 0.15 : 0,
      );
    }
  })();
  return db;
}

async function timedPush(label: string, db: Db, url: string, machineId: string): Promise<void> {
  const logId = prepareChangeLog(db);
  const client = await connectServer(url);
  try {
    const started = performance.now();
    const r = await push({ db, client, machineId, user: "bench", project: "name", logId, version: "bench", batchSize: BATCH });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${label}: ${RECORDS.toLocaleString("en")} records sent (${r.upserted.toLocaleString("en")} written) in ${seconds.toFixed(2)} s = ` +
        `${Math.round(RECORDS / seconds).toLocaleString("en")} records/s (${r.batches} batches of ${BATCH})`,
    );
  } finally {
    await client.end();
  }
}

const dir = tempDir("quartet-bench-push-");
const cluster = values.url ? undefined : await startPgCluster();
try {
  let url = values.url;
  if (!url) {
    url = (await cluster!.createDatabase()).url;
    process.env.PGPASSWORD = cluster!.password;
  }
  const setup = await connectServer(url);
  await migrateServer(setup);
  await setup.end();
  const started = performance.now();
  const a = syntheticLedger(path.join(dir, "a.db"), RECORDS, "a");
  const b = syntheticLedger(path.join(dir, "b.db"), RECORDS, "a");
  console.log(`ledgers of ${RECORDS.toLocaleString("en")} records built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const machineA = crypto.randomUUID();
  await timedPush("first push (all new)", a, url, machineA);
  await timedPush("second machine, same requests (all conflicts)", b, url, crypto.randomUUID());
  // New prices: the ledger rewrites every record's cost, the change log logs each, the owner pushes updates.
  a.exec("UPDATE usage_record SET cost_usd = cost_usd * 1.1");
  await timedPush("first machine after re-pricing (all updates)", a, url, machineA);
  a.close();
  b.close();
} finally {
  await cluster?.remove();
  fs.rmSync(dir, { recursive: true, force: true });
}
