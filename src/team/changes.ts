/**
 * The local side of `quartet sync`: a change log of the ledger's records, in the ledger's own SQLite
 * database, that tells a push what the server has not seen yet.
 *
 * Why not the record's time or its rowid as the cursor: a transcript copied in late brings records older
 * than the last push; SQLite reuses the rowids of deleted rows; and the ledger rewrites existing records
 * (a streaming partial replaced by the complete copy, cost and cache tax recomputed when a conversation
 * grows or the prices change, a superseded record deleted). So every insert, every change to a column that
 * leaves the machine, and every delete gives the record a new sequence number in `sync_change`
 * (AUTOINCREMENT: never reused, always growing), by triggers on usage_record. SQLite has one writer at a
 * time, so a reader never sees a number before the smaller ones of earlier commits: "everything after
 * sequence N" misses nothing.
 *
 * The log exists only on machines that sync: it is created by the first `quartet sync`, seeded with every
 * record already there. Its random `log_id` tells the server which log a cursor counts in (a ledger
 * rebuilt from scratch starts a new log, and pushes again from the start).
 */
import crypto from "node:crypto";
import { migrate, statement, type Db, type Migration } from "../core/db.js";

/** The usage_record columns that leave the machine (the rest say where on disk a record came from). */
export const PUSHED_COLUMNS = [
  "session_id",
  "root_session_id",
  "parent_session_id",
  "agent_id",
  "conversation_id",
  "is_subagent",
  "project",
  "model",
  "provider",
  "ts",
  "version",
  "speed",
  "input_tokens",
  "cache_write_5m_tokens",
  "cache_write_1h_tokens",
  "cache_read_tokens",
  "output_tokens",
  "reasoning_tokens",
  "reported_cost_usd",
  "marks",
  "cost_usd",
  "expected_read_tokens",
  "shortfall_tokens",
  "cache_break",
  "break_cause",
  "cache_tax_usd",
] as const;

const logChange = (row: "new" | "old") => `
    DELETE FROM sync_change WHERE runtime = ${row}.runtime AND request_key = ${row}.request_key;
    INSERT INTO sync_change (runtime, request_key) VALUES (${row}.runtime, ${row}.request_key);`;

const CHANGED = PUSHED_COLUMNS.map((c) => `old.${c} IS NOT new.${c}`).join(" OR ");

const CHANGE_LOG_MIGRATIONS: Migration[] = [
  {
    name: "change log for sync",
    up: (db) => {
      db.exec(`
        CREATE TABLE sync_change (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          runtime TEXT NOT NULL,
          request_key TEXT NOT NULL
        );
        CREATE UNIQUE INDEX sync_change_key ON sync_change (runtime, request_key);
        INSERT INTO sync_change (runtime, request_key) SELECT runtime, request_key FROM usage_record ORDER BY ts;
        CREATE TRIGGER sync_record_insert AFTER INSERT ON usage_record BEGIN ${logChange("new")} END;
        -- An update that changes nothing that leaves the machine (settling often rewrites the same values) is not a change.
        CREATE TRIGGER sync_record_update AFTER UPDATE ON usage_record
          WHEN old.runtime IS NOT new.runtime OR old.request_key IS NOT new.request_key OR ${CHANGED}
          BEGIN ${logChange("new")} END;
        -- The ledger never changes a record's key, but if it did the old key must leave the server too.
        CREATE TRIGGER sync_record_rekey AFTER UPDATE ON usage_record
          WHEN old.runtime IS NOT new.runtime OR old.request_key IS NOT new.request_key
          BEGIN ${logChange("old")} END;
        CREATE TRIGGER sync_record_delete AFTER DELETE ON usage_record BEGIN ${logChange("old")} END;
        CREATE TABLE sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `);
      db.prepare("INSERT INTO sync_meta (key, value) VALUES ('log_id', ?)").run(crypto.randomUUID());
    },
  },
];

/** Creates the change log if this ledger has none yet (the ledger's own tables must exist). Returns its id. */
export function prepareChangeLog(db: Db): string {
  migrate(db, "sync", CHANGE_LOG_MIGRATIONS);
  return changeLogId(db)!;
}

/** The change log's id, or undefined when this ledger never synced. */
export function changeLogId(db: Db): string | undefined {
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sync_meta'").get() !== undefined;
  if (!exists) return undefined;
  return db.prepare("SELECT value FROM sync_meta WHERE key = 'log_id'").pluck().get() as string | undefined;
}

export type PushedColumn = (typeof PUSHED_COLUMNS)[number];

/**
 * The changes after a sequence number, oldest first, as columns (a push sends them as one array per column,
 * and a batch of thousands of rows is read fastest as plain arrays).
 */
export interface ChangeBatch {
  /** How many changes, and the sequence number of the last one (the cursor once the batch is committed). */
  size: number;
  last: number;
  /** The changed records as they stand now: their keys, and their pushed columns by name. */
  live: { runtime: string[]; requestKey: string[]; columns: Record<PushedColumn, unknown[]> };
  /** The deleted records' keys. */
  gone: { runtime: string[]; requestKey: string[] };
}

export function changesAfter(db: Db, afterSeq: number, limit: number): ChangeBatch {
  const rows = statement(
    db,
    `SELECT c.seq, c.runtime, c.request_key, r.rowid, ${PUSHED_COLUMNS.map((col) => `r.${col}`).join(", ")}
     FROM sync_change c LEFT JOIN usage_record r ON r.runtime = c.runtime AND r.request_key = c.request_key
     WHERE c.seq > ? ORDER BY c.seq LIMIT ?`,
  )
    .raw()
    .all(afterSeq, limit) as unknown[][];
  const live: ChangeBatch["live"] = {
    runtime: [],
    requestKey: [],
    columns: Object.fromEntries(PUSHED_COLUMNS.map((c) => [c, []])) as unknown as Record<PushedColumn, unknown[]>,
  };
  const gone: ChangeBatch["gone"] = { runtime: [], requestKey: [] };
  const columns = PUSHED_COLUMNS.map((c) => live.columns[c]);
  for (const row of rows) {
    // A change whose record is no longer in the ledger (the LEFT JOIN found no rowid) is a delete.
    const into = row[3] === null ? gone : live;
    into.runtime.push(row[1] as string);
    into.requestKey.push(row[2] as string);
    if (into === live) for (let i = 0; i < columns.length; i++) columns[i]!.push(row[i + 4]);
  }
  return { size: rows.length, last: rows.length > 0 ? (rows[rows.length - 1]![0] as number) : afterSeq, live, gone };
}

/** The sequence number of the newest change ever logged (numbers are never reused, even when rows go). */
export function lastChange(db: Db): number {
  return (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'sync_change'").pluck().get() as number | undefined) ?? 0;
}

/** How many changes come after `afterSeq`; with no change log yet, every record in the ledger. */
export function pendingChanges(db: Db, afterSeq: number): number {
  if (changeLogId(db) === undefined) {
    const ledger = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'usage_record'").get() !== undefined;
    return ledger ? (db.prepare("SELECT count(*) FROM usage_record").pluck().get() as number) : 0;
  }
  return db.prepare("SELECT count(*) FROM sync_change WHERE seq > ?").pluck().get(afterSeq) as number;
}
