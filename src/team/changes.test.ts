import { describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../core/db.js";
import { prepareLedger } from "../ledger/store.js";
import { changeLogId, changesAfter, lastChange, pendingChanges, prepareChangeLog } from "./changes.js";

function ledger(): Db {
  const db = openDatabase(":memory:");
  prepareLedger(db);
  return db;
}

function insert(db: Db, key: string, o: { ts?: number; output?: number } = {}): void {
  db.prepare(
    `INSERT INTO usage_record (runtime, request_key, session_id, root_session_id, conversation_id, is_subagent, project, model, ts,
       input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens, reasoning_tokens, source_id, cost_usd)
     VALUES ('claude', ?, 's1', 's1', 's1', 0, '/home/dev/app', 'claude-sonnet-4-5', ?, 10, 0, 0, 0, ?, 0, 1, 0.5)`,
  ).run(key, o.ts ?? 1_000, o.output ?? 5);
}

const seqOf = (db: Db, key: string) => db.prepare("SELECT seq FROM sync_change WHERE request_key = ?").pluck().get(key) as number;

describe("the change log", () => {
  it("starts with every record already in the ledger, and gives each change after that a later number", () => {
    const db = ledger();
    insert(db, "a");
    insert(db, "b");
    expect(changeLogId(db)).toBeUndefined();
    expect(pendingChanges(db, 0)).toBe(2);
    const id = prepareChangeLog(db);
    expect(prepareChangeLog(db)).toBe(id);
    const seeded = changesAfter(db, 0, 10);
    expect(seeded.live.requestKey).toEqual(["a", "b"]);
    const cursor = seeded.last;

    // A record older than everything pushed (a transcript copied in late) still comes after the cursor.
    insert(db, "late", { ts: 1 });
    expect(changesAfter(db, cursor, 10).live.requestKey).toEqual(["late"]);
    expect(pendingChanges(db, cursor)).toBe(1);
  });

  it("logs a change to a pushed column, not a rewrite of the same values nor a local-only column", () => {
    const db = ledger();
    insert(db, "a");
    prepareChangeLog(db);
    const first = seqOf(db, "a");
    db.prepare("UPDATE usage_record SET cost_usd = 0.5, source_line = 99 WHERE request_key = 'a'").run();
    expect(seqOf(db, "a")).toBe(first);
    db.prepare("UPDATE usage_record SET cost_usd = 0.75, cache_break = 1 WHERE request_key = 'a'").run();
    const change = changesAfter(db, first, 10);
    expect(change).toMatchObject({ size: 1, live: { requestKey: ["a"] }, gone: { requestKey: [] } });
    expect(change.live.columns).toMatchObject({ cost_usd: [0.75], cache_break: [1], project: ["/home/dev/app"] });
    expect(change.last).toBeGreaterThan(first);
    // The ledger's upsert (a complete copy over a streaming partial) is an update too.
    insert(db, "b", { output: 5 });
    const before = seqOf(db, "b");
    db.prepare(
      `INSERT INTO usage_record (runtime, request_key, session_id, root_session_id, conversation_id, is_subagent, model, ts, input_tokens,
         cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens, reasoning_tokens, source_id)
       VALUES ('claude', 'b', 's1', 's1', 's1', 0, 'claude-sonnet-4-5', 1000, 10, 0, 0, 0, 80, 0, 1)
       ON CONFLICT (runtime, request_key) DO UPDATE SET output_tokens = excluded.output_tokens`,
    ).run();
    expect(seqOf(db, "b")).toBeGreaterThan(before);
  });

  it("logs a delete as a change without a record, and never reuses a number when SQLite reuses a rowid", () => {
    const db = ledger();
    insert(db, "a");
    insert(db, "b");
    prepareChangeLog(db);
    const cursor = seqOf(db, "b");
    const rowid = db.prepare("SELECT rowid FROM usage_record WHERE request_key = 'b'").pluck().get();
    db.prepare("DELETE FROM usage_record WHERE request_key = 'b'").run();
    insert(db, "c");
    // SQLite gave the new record the deleted one's rowid: a rowid cursor would never push it.
    expect(db.prepare("SELECT rowid FROM usage_record WHERE request_key = 'c'").pluck().get()).toBe(rowid);
    const after = changesAfter(db, cursor, 10);
    expect(after).toMatchObject({ size: 2, gone: { requestKey: ["b"] }, live: { requestKey: ["c"] } });
    expect(lastChange(db)).toBe(after.last);
  });
});
