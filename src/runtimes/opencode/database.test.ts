import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { fixtureHome, snapshotTree, tempDir } from "../../../test/helpers.js";
import { testLedger } from "../../../test/ledger.js";

const dataDir = (home: string) => path.join(home, ".local", "share", "opencode");

/** Independent reading of the fixture: step-finish parts, through a private copy of the database. */
function stepParts(home: string) {
  const copy = path.join(tempDir(), "copy");
  fs.mkdirSync(copy);
  for (const f of fs.readdirSync(dataDir(home)))
    if (f.startsWith("opencode.db")) fs.copyFileSync(path.join(dataDir(home), f), path.join(copy, f));
  const db = new Database(path.join(copy, "opencode.db"));
  try {
    return db
      .prepare(
        `SELECT id, json_extract(data, '$.tokens.input') AS input, json_extract(data, '$.tokens.output') AS output,
                json_extract(data, '$.tokens.reasoning') AS reasoning, json_extract(data, '$.tokens.cache.read') AS read,
                json_extract(data, '$.tokens.cache.write') AS write, json_extract(data, '$.cost') AS cost
                FROM part WHERE json_extract(data, '$.type') = 'step-finish'`,
      )
      .all() as { id: string; input: number; output: number; reasoning: number; read: number; write: number; cost: number }[];
  } finally {
    db.close();
  }
}

describe("OpenCode database (recorded from opencode 1.18.33, data still in the WAL)", () => {
  it("records one request per step-finish part, never the message's tokens as well", async () => {
    const home = fixtureHome(["opencode"]);
    // The recorded database is as OpenCode left it: the sessions are in the WAL, not yet in the main file.
    expect(fs.statSync(path.join(dataDir(home), "opencode.db-wal")).size).toBeGreaterThan(100_000);
    const parts = stepParts(home);
    expect(parts.length).toBeGreaterThan(0);
    const ledger = testLedger(home, ["opencode"]);
    const result = await ledger.ingest();
    expect(result.warnings).toEqual([]);
    const rows = ledger.rows(
      "SELECT request_key, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, reported_cost_usd, model, provider FROM usage_record ORDER BY request_key",
    );
    expect(rows.map((r) => r.request_key)).toEqual(parts.map((p) => `prt:${p.id}`).sort());
    for (const p of parts) {
      expect(rows.find((r) => r.request_key === `prt:${p.id}`)).toMatchObject({
        input_tokens: p.input,
        output_tokens: p.output + p.reasoning,
        cache_read_tokens: p.read,
        cache_write_5m_tokens: p.write,
        reported_cost_usd: p.cost,
        model: "claude-sonnet-4-5",
        provider: "anthropic",
      });
    }
  });

  it("modifies, creates and deletes no file of OpenCode's", async () => {
    const home = fixtureHome(["opencode"]);
    const before = snapshotTree(dataDir(home));
    await testLedger(home, ["opencode"]).ingest();
    expect(snapshotTree(dataDir(home))).toEqual(before);
  });

  it("reads rows committed by a running OpenCode that are only in its WAL, and only new rows on the next run", async () => {
    const home = fixtureHome(["opencode"]);
    const ledger = testLedger(home, ["opencode"]);
    await ledger.ingest();
    const count = () => ledger.rows("SELECT count(*) AS n FROM usage_record")[0]!.n as number;
    const before = count();
    // Stand-in for a running OpenCode: a writer connection that stays open and never checkpoints.
    const writer = new Database(path.join(dataDir(home), "opencode.db"));
    writer.pragma("wal_autocheckpoint = 0");
    const message = writer.prepare('SELECT id, session_id, data FROM message WHERE data LIKE \'%"role":"assistant"%\' LIMIT 1').get() as {
      id: string;
      session_id: string;
      data: string;
    };
    const now = Date.now();
    const step = {
      type: "step-finish",
      reason: "stop",
      cost: 0.01,
      tokens: { total: 1400, input: 100, output: 300, reasoning: 0, cache: { read: 1000, write: 0 } },
    };
    writer
      .prepare("INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?, ?)")
      .run("prt_zz_test", message.id, message.session_id, now, now, JSON.stringify(step));
    try {
      const second = await ledger.ingest();
      expect(second.recordsWritten).toBe(1);
      expect(count()).toBe(before + 1);
      expect(ledger.rows("SELECT input_tokens, cache_read_tokens FROM usage_record WHERE request_key = 'prt:prt_zz_test'")).toEqual([
        { input_tokens: 100, cache_read_tokens: 1000 },
      ]);
      expect((await ledger.ingest()).recordsWritten).toBe(0);
    } finally {
      writer.close();
    }
  });

  it("uses a message's own tokens until its step parts appear, then the parts instead", async () => {
    const home = fixtureHome(["opencode"]);
    const file = path.join(dataDir(home), "opencode.db");
    const writer = new Database(file);
    const steps = writer.prepare('SELECT id, message_id, data FROM part WHERE data LIKE \'%"type":"step-finish"%\'').all() as {
      id: string;
      message_id: string;
      data: string;
    }[];
    const held = steps[0]!;
    writer.prepare("DELETE FROM part WHERE id = ?").run(held.id);
    writer.close();
    const ledger = testLedger(home, ["opencode"]);
    await ledger.ingest();
    expect(ledger.rows("SELECT request_key FROM usage_record WHERE request_key = ?", `msg:${held.message_id}`)).toHaveLength(1);

    const again = new Database(file);
    const now = Date.now();
    again
      .prepare(
        "INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) SELECT ?, ?, session_id, ?, ?, ? FROM message WHERE id = ?",
      )
      .run(held.id, held.message_id, now, now, held.data, held.message_id);
    again.prepare("UPDATE message SET time_updated = ? WHERE id = ?").run(now, held.message_id);
    again.close();
    await ledger.ingest();
    const keys = ledger.rows("SELECT request_key FROM usage_record").map((r) => r.request_key);
    expect(keys).not.toContain(`msg:${held.message_id}`);
    expect(keys).toContain(`prt:${held.id}`);
    expect(keys).toHaveLength(steps.length);
  });

  it("warns about a corrupt database, names it, and still reads the other runtimes", async () => {
    const home = fixtureHome(["opencode", "codex"]);
    const file = path.join(dataDir(home), "opencode.db");
    for (const f of ["opencode.db-wal", "opencode.db-shm"]) fs.rmSync(path.join(dataDir(home), f), { force: true });
    fs.writeFileSync(file, "this is not a database at all, just text that is long enough to look like a header.".repeat(100));
    const ledger = testLedger(home, ["opencode", "codex"]);
    const result = await ledger.ingest();
    expect(result.warnings).toEqual([
      expect.objectContaining({ code: "store-unavailable", file, message: expect.stringMatching(/corrupt|not a database/) }),
    ]);
    expect(ledger.rows("SELECT DISTINCT runtime FROM usage_record")).toEqual([{ runtime: "codex" }]);
  });

  it("reads the legacy JSON storage of OpenCode before 1.2, with the same request identities", async () => {
    const home = fixtureHome(["opencode"]);
    const fromDb = testLedger(home, ["opencode"]);
    await fromDb.ingest();
    const dbRows = fromDb.rows(
      "SELECT request_key, input_tokens, output_tokens, cache_read_tokens, root_session_id FROM usage_record ORDER BY request_key",
    );

    // Write the same data in the legacy layout, into a home without the database.
    const legacyHome = tempDir("quartet-legacy-");
    const storage = path.join(dataDir(legacyHome), "storage");
    const db = new Database(path.join(dataDir(home), "opencode.db"), { readonly: true });
    for (const s of db.prepare("SELECT id, project_id, parent_id, directory, version FROM session").all() as Record<string, string>[]) {
      fs.mkdirSync(path.join(storage, "session", s.project_id!), { recursive: true });
      fs.writeFileSync(
        path.join(storage, "session", s.project_id!, `${s.id}.json`),
        JSON.stringify({ id: s.id, parentID: s.parent_id ?? undefined, directory: s.directory, version: s.version }),
      );
    }
    for (const m of db.prepare("SELECT id, session_id, data FROM message").all() as Record<string, string>[]) {
      fs.mkdirSync(path.join(storage, "message", m.session_id!), { recursive: true });
      fs.writeFileSync(
        path.join(storage, "message", m.session_id!, `${m.id}.json`),
        JSON.stringify({ id: m.id, sessionID: m.session_id, ...JSON.parse(m.data!) }),
      );
    }
    for (const p of db.prepare("SELECT id, message_id, data FROM part").all() as Record<string, string>[]) {
      fs.mkdirSync(path.join(storage, "part", p.message_id!), { recursive: true });
      fs.writeFileSync(
        path.join(storage, "part", p.message_id!, `${p.id}.json`),
        JSON.stringify({ id: p.id, messageID: p.message_id, ...JSON.parse(p.data!) }),
      );
    }
    db.close();
    const fromLegacy = testLedger(legacyHome, ["opencode"]);
    expect((await fromLegacy.ingest()).warnings).toEqual([]);
    expect(
      fromLegacy.rows(
        "SELECT request_key, input_tokens, output_tokens, cache_read_tokens, root_session_id FROM usage_record ORDER BY request_key",
      ),
    ).toEqual(dbRows);
  });
});
