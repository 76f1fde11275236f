/**
 * The ledger's tables: normalized request records, the log sources they came from, and what each source
 * taught us (offsets, parser state, warnings).
 *
 * Derived columns (cost_usd, expected_read_tokens, shortfall_tokens, cache_break, break_cause,
 * cache_tax_usd) are computed by the ledger from the token columns and the pricing table; they are
 * recomputed when the pricing fingerprint in `ledger_meta` changes.
 */
import type { Migration } from "../core/db.js";
import { ROLLUP_TABLE } from "./rollup.js";

/**
 * The ledger's indexes. A first ingest into an empty ledger drops them, bulk-inserts, and builds them once
 * at the end, which is much cheaper than maintaining them row by row.
 */
export const LEDGER_INDEXES = `
  -- A request is stored once per runtime. The key first: sorting by a column that differs on every row makes the
  -- first load's build of this index a third cheaper than by runtime first, which is the same on nearly all.
  -- Ledgers made before 2026-12-02 have (runtime, request_key): every lookup names both, so either serves.
  CREATE UNIQUE INDEX IF NOT EXISTS usage_record_key ON usage_record (request_key, runtime);
  -- Session reports (by root session) and the per-conversation cache analysis.
  CREATE INDEX IF NOT EXISTS usage_record_conversation ON usage_record (root_session_id, conversation_id, ts);
  -- Time-bounded reports and rebuilding the rollup for the hours an ingest touched.
  CREATE INDEX IF NOT EXISTS usage_record_ts ON usage_record (ts);
`;

export const LEDGER_MIGRATIONS: Migration[] = [
  {
    name: "usage records and sources",
    up: `
      CREATE TABLE ledger_source (
        id INTEGER PRIMARY KEY,
        runtime TEXT NOT NULL,
        kind TEXT NOT NULL,
        path TEXT NOT NULL UNIQUE,
        dev TEXT,
        ino TEXT,
        size INTEGER NOT NULL DEFAULT 0,
        mtime_ms REAL NOT NULL DEFAULT 0,
        read_offset INTEGER NOT NULL DEFAULT 0,
        read_line INTEGER NOT NULL DEFAULT 0,
        head_len INTEGER NOT NULL DEFAULT 0,
        head_hash TEXT,
        fingerprint TEXT,
        updated_at INTEGER NOT NULL
      );

      -- Kept apart so that checking every source for changes reads only the small rows above.
      CREATE TABLE ledger_source_state (
        source_id INTEGER PRIMARY KEY REFERENCES ledger_source(id) ON DELETE CASCADE,
        state TEXT NOT NULL
      );

      CREATE TABLE ledger_warning (
        source_id INTEGER NOT NULL REFERENCES ledger_source(id) ON DELETE CASCADE,
        file TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        first_line INTEGER,
        count INTEGER NOT NULL,
        PRIMARY KEY (source_id, file, code, message)
      );

      CREATE TABLE usage_record (
        runtime TEXT NOT NULL,
        request_key TEXT NOT NULL,
        session_id TEXT NOT NULL,
        root_session_id TEXT NOT NULL,
        parent_session_id TEXT,
        agent_id TEXT,
        conversation_id TEXT NOT NULL,
        is_subagent INTEGER NOT NULL,
        project TEXT,
        model TEXT NOT NULL,
        provider TEXT,
        ts INTEGER NOT NULL,
        version TEXT,
        speed TEXT,
        input_tokens INTEGER NOT NULL,
        cache_write_5m_tokens INTEGER NOT NULL,
        cache_write_1h_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        reported_cost_usd REAL,
        marks INTEGER NOT NULL DEFAULT 0,
        source_id INTEGER NOT NULL,
        source_line INTEGER,
        source_ref TEXT,
        cost_usd REAL,
        expected_read_tokens INTEGER NOT NULL DEFAULT 0,
        shortfall_tokens INTEGER NOT NULL DEFAULT 0,
        cache_break INTEGER NOT NULL DEFAULT 0,
        break_cause TEXT,
        cache_tax_usd REAL
      );
      ${LEDGER_INDEXES}

      CREATE TABLE ledger_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  { name: "hourly rollup", up: ROLLUP_TABLE },
  {
    name: "stale marks for derived data",
    up: `
      -- Written in the same transaction as the records that make derived data out of date (see settle.ts),
      -- so a run killed before it recomputed them leaves a mark the next run repairs.
      CREATE TABLE ledger_stale_conversation (
        root_session_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        PRIMARY KEY (root_session_id, conversation_id)
      ) WITHOUT ROWID;
      CREATE TABLE ledger_stale_hour (hour INTEGER PRIMARY KEY);
      -- The first few lines a warning occurred on (a JSON array), beside its first line and count.
      ALTER TABLE ledger_warning ADD COLUMN lines TEXT;
      -- Ledgers written before the marks existed may hold records a killed run never rolled up: rebuild once.
      INSERT INTO ledger_meta (key, value) SELECT 'stale_all', '1' WHERE EXISTS (SELECT 1 FROM usage_record);
    `,
  },
  {
    name: "stale marks for one root session's hour of the rollup",
    up: `
      -- A root session's rollup rows in one hour (rollup.ts: RollupSlice). Whole hours marked in
      -- ledger_stale_hour by an earlier version are still rebuilt whole.
      CREATE TABLE ledger_stale_slice (
        hour INTEGER NOT NULL,
        root_session_id TEXT NOT NULL,
        PRIMARY KEY (hour, root_session_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    name: "hash of the bytes just before a source's read offset",
    up: `
      -- With the head hash, tells a file that grew from one rewritten in place with the same first bytes (see
      -- ingest.ts, planJsonl). Sources read before it have none and are judged by their head alone.
      ALTER TABLE ledger_source ADD COLUMN tail_len INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE ledger_source ADD COLUMN tail_hash TEXT;
    `,
  },
  {
    name: "requests a rewritten source dropped",
    up: `
      -- Requests whose stored copy went with a rewritten log file while other files may hold copies (store.ts,
      -- keepLostRequests). Written in the same transaction as the deletion, and removed in the one that looked
      -- for the copies, so a run killed in between leaves them for the next one.
      CREATE TABLE ledger_lost_request (
        runtime TEXT NOT NULL,
        request_key TEXT NOT NULL,
        PRIMARY KEY (runtime, request_key)
      ) WITHOUT ROWID;
    `,
  },
];
