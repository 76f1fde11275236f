/**
 * Reading and writing the ledger tables. All SQL that touches usage_record and ledger_source lives here
 * or in query.ts (reports), so the rest of the ledger works with typed rows.
 */
import type { Db } from "../core/db.js";
import { migrate, statement } from "../core/db.js";
import type { Warning } from "../core/errors.js";
import type { RuntimeId } from "../runtimes/types.js";
import type { ChainResult } from "./cache-analytics.js";
import { conversationRef, rankSql, splitConversationRef, type ConversationRef, type UsageRecord } from "./record.js";
import { LEDGER_INDEXES, LEDGER_MIGRATIONS } from "./schema.js";
import { LINES_LISTED } from "./warnings.js";

/** A source as remembered, without its state. */
export type KnownSource = Omit<SourceRow, "state">;

export interface SourceRow {
  id: number;
  runtime: RuntimeId;
  kind: string;
  path: string;
  dev: string | null;
  ino: string | null;
  size: number;
  mtimeMs: number;
  readOffset: number;
  readLine: number;
  headLen: number;
  headHash: string | null;
  /** The hash of the `tailLen` bytes that end at `readOffset` (none when the head reaches it). */
  tailLen: number;
  tailHash: string | null;
  fingerprint: string | null;
  state: unknown;
}

/** A record plus the columns the ledger derives for it. */
export interface StoredRecord extends UsageRecord {
  sourceId: number;
  costUsd: number | null;
  analysis: ChainResult;
}

export function prepareLedger(db: Db): void {
  migrate(db, "ledger", LEDGER_MIGRATIONS);
}

/** For a bulk load into an empty ledger: insert without indexes, then build them once. */
export function dropLedgerIndexes(db: Db): void {
  db.exec("DROP INDEX IF EXISTS usage_record_key; DROP INDEX IF EXISTS usage_record_conversation; DROP INDEX IF EXISTS usage_record_ts;");
}

export function buildLedgerIndexes(db: Db): void {
  db.exec(LEDGER_INDEXES);
}

/** A known source's identity and size as last read, and how far it was read: [dev, ino, size, mtimeMs, readOffset, readLine]. */
export type SourceStamp = [dev: string | null, ino: string | null, size: number, mtimeMs: number, readOffset: number, readLine: number];

/**
 * Every known source's stamp, by path: enough to tell, for each file, that nothing changed. A second run
 * checks thousands of files, so this is read as plain arrays rather than rows. A run over a few named files
 * (the status line's session) looks up only those.
 */
export function sourceStamps(db: Db, only?: readonly string[]): Map<string, SourceStamp> {
  const sql = "SELECT path, dev, ino, size, mtime_ms, read_offset, read_line FROM ledger_source";
  const rows = (only ? only.flatMap((file) => statement(db, `${sql} WHERE path = ?`).raw().all(file)) : db.prepare(sql).raw().all()) as [
    string,
    ...SourceStamp,
  ][];
  // Indexed, not destructured with a rest element: this runs for every known source on every run.
  const stamps = new Map<string, SourceStamp>();
  for (const r of rows) stamps.set(r[0], [r[1], r[2], r[3], r[4], r[5], r[6]]);
  return stamps;
}

/** Whether the ledger has read any source yet. */
export function hasSources(db: Db): boolean {
  return db.prepare("SELECT 1 FROM ledger_source LIMIT 1").get() !== undefined;
}

/** What is known of one source, without its parser state. */
export function knownSource(db: Db, file: string): KnownSource | undefined {
  return statement(
    db,
    `SELECT id, runtime, kind, path, dev, ino, size, mtime_ms AS mtimeMs, read_offset AS readOffset, read_line AS readLine,
            head_len AS headLen, head_hash AS headHash, tail_len AS tailLen, tail_hash AS tailHash, fingerprint
       FROM ledger_source WHERE path = ?`,
  ).get(file) as KnownSource | undefined;
}

/** The state a source's last read left (parser state, counters, a store's watermark). */
export function sourceState(db: Db, id: number): unknown {
  const raw = statement(db, "SELECT state FROM ledger_source_state WHERE source_id = ?").pluck().get(id) as string | undefined;
  return raw ? JSON.parse(raw) : undefined;
}

const SOURCE_COLUMNS = `runtime, kind, path, dev, ino, size, mtime_ms, read_offset, read_line, head_len, head_hash, tail_len, tail_hash,
  fingerprint, updated_at`;
const SOURCE_PLACEHOLDERS = SOURCE_COLUMNS.split(",")
  .map(() => "?")
  .join(", ");

function sourceValues(s: Omit<SourceRow, "id">): unknown[] {
  return [
    s.runtime,
    s.kind,
    s.path,
    s.dev,
    s.ino,
    s.size,
    s.mtimeMs,
    s.readOffset,
    s.readLine,
    s.headLen,
    s.headHash,
    s.tailLen,
    s.tailHash,
    s.fingerprint,
    Date.now(),
  ];
}

/** Saves a source as last read, new or known; returns its id. */
export function saveSource(db: Db, s: Omit<SourceRow, "id">): number {
  const id = statement(
    db,
    `INSERT INTO ledger_source (${SOURCE_COLUMNS}) VALUES (${SOURCE_PLACEHOLDERS})
     ON CONFLICT (path) DO UPDATE SET runtime = excluded.runtime, kind = excluded.kind, dev = excluded.dev, ino = excluded.ino,
       size = excluded.size, mtime_ms = excluded.mtime_ms, read_offset = excluded.read_offset, read_line = excluded.read_line,
       head_len = excluded.head_len, head_hash = excluded.head_hash, tail_len = excluded.tail_len, tail_hash = excluded.tail_hash, fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
     RETURNING id`,
  )
    .pluck()
    .get(...sourceValues(s)) as number;
  if (s.state === undefined) statement(db, "DELETE FROM ledger_source_state WHERE source_id = ?").run(id);
  else
    statement(
      db,
      "INSERT INTO ledger_source_state (source_id, state) VALUES (?, ?) ON CONFLICT (source_id) DO UPDATE SET state = excluded.state",
    ).run(id, JSON.stringify(s.state));
  return id;
}

/**
 * Adds a source the ledger does not have, under the given id (an empty ledger's bulk load). Plain inserts, not
 * saveSource's upserts: for each upsert SQLite first copied every page it would change to a statement journal,
 * a temporary file (about 100 MB written for 2,500 sources), and `OR FAIL` did not spare it.
 */
export function addSource(db: Db, s: SourceRow): void {
  statement(db, `INSERT INTO ledger_source (id, ${SOURCE_COLUMNS}) VALUES (?, ${SOURCE_PLACEHOLDERS})`).run(s.id, ...sourceValues(s));
  if (s.state !== undefined)
    statement(db, "INSERT INTO ledger_source_state (source_id, state) VALUES (?, ?)").run(s.id, JSON.stringify(s.state));
}

/**
 * Forgets what a source contributed, before it is read again from the start. `removed` also names each request,
 * for `keepLostRequests` once the source's new content is written.
 */
export function resetSource(
  db: Db,
  sourceId: number,
): { conversations: ConversationRef[]; removed: (StoredPlace & { runtime: string; key: string })[] } {
  const rows = statement(
    db,
    `DELETE FROM usage_record WHERE source_id = ?
     RETURNING root_session_id AS rootSessionId, conversation_id AS conversationId, ts, runtime, request_key AS key`,
  ).all(sourceId) as (StoredPlace & { conversationId: string; runtime: string; key: string })[];
  statement(db, "DELETE FROM ledger_warning WHERE source_id = ?").run(sourceId);
  return { conversations: [...new Set(rows.map(conversationRef))], removed: rows };
}

/**
 * A rewritten source's new content may lack a request it held the stored copy of, while another log file holds a
 * copy too (a resumed session, a subagent's progress in its parent): a clean run counts that copy, but it was
 * never stored, and the file holding it is unchanged, so nothing would read it again. The removed requests that
 * are not stored again are kept here, for `ingest` to look for in the runtime's other logs. Returns how many.
 */
export function keepLostRequests(db: Db, removed: readonly { runtime: string; key: string }[]): number {
  if (removed.length === 0) return 0;
  return statement(
    db,
    `INSERT INTO ledger_lost_request (runtime, request_key) SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?) AS j
     WHERE NOT EXISTS (SELECT 1 FROM usage_record u WHERE u.runtime = j.value ->> 0 AND u.request_key = j.value ->> 1)
     ON CONFLICT DO NOTHING`,
  ).run(JSON.stringify(removed.map((r) => [r.runtime, r.key]))).changes;
}

/** The requests keepLostRequests kept, by runtime: usually none. */
export function lostRequests(db: Db): Map<RuntimeId, Set<string>> {
  const lost = new Map<RuntimeId, Set<string>>();
  for (const [runtime, key] of statement(db, "SELECT runtime, request_key FROM ledger_lost_request").raw().all() as [RuntimeId, string][]) {
    let keys = lost.get(runtime);
    if (!keys) lost.set(runtime, (keys = new Set()));
    keys.add(key);
  }
  return lost;
}

/** The runtime's other logs were searched for copies of its lost requests: they are settled. */
export function forgetLostRequests(db: Db, runtime: RuntimeId): void {
  statement(db, "DELETE FROM ledger_lost_request WHERE runtime = ?").run(runtime);
}

/** When a stored record happened and under which root session: the rollup slice it counts in. */
export interface StoredPlace {
  ts: number;
  rootSessionId: string;
}

export function addWarnings(db: Db, sourceId: number, warnings: readonly Warning[]): void {
  if (warnings.length === 0) return;
  const previous = statement(db, "SELECT lines FROM ledger_warning WHERE source_id = ? AND file = ? AND code = ? AND message = ?").pluck();
  const upsert = statement(
    db,
    `INSERT INTO ledger_warning (source_id, file, code, message, first_line, count, lines) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (source_id, file, code, message) DO UPDATE SET count = ledger_warning.count + excluded.count,
       first_line = COALESCE(ledger_warning.first_line, excluded.first_line), lines = excluded.lines`,
  );
  for (const w of warnings) {
    const file = w.file ?? "";
    const before = previous.get(sourceId, file, w.code, w.message) as string | null | undefined;
    const lines = [...(before ? (JSON.parse(before) as number[]) : []), ...(w.lines ?? [])].slice(0, LINES_LISTED);
    upsert.run(sourceId, file, w.code, w.message, w.line ?? null, w.count ?? 1, lines.length > 0 ? JSON.stringify(lines) : null);
  }
}

export function storedWarnings(db: Db): Warning[] {
  const rows = db
    .prepare(
      `SELECT CASE WHEN w.file = '' THEN s.path ELSE w.file END AS file, w.code, w.message, w.first_line AS line, w.count, w.lines
       FROM ledger_warning w JOIN ledger_source s ON s.id = w.source_id ORDER BY file, w.first_line`,
    )
    .all() as { file: string; code: string; message: string; line: number | null; count: number; lines: string | null }[];
  return rows.map((r) => ({
    code: r.code,
    message: r.message,
    file: r.file,
    ...(r.line ? { line: r.line } : {}),
    count: r.count,
    ...(r.lines ? { lines: JSON.parse(r.lines) as number[] } : {}),
  }));
}

/** Conversations that already have records, among the given ones. */
export function existingConversations(db: Db, refs: readonly ConversationRef[]): Set<ConversationRef> {
  const found = new Set<ConversationRef>();
  const stmt = statement(db, "SELECT 1 FROM usage_record WHERE root_session_id = ? AND conversation_id = ? LIMIT 1").pluck();
  for (const ref of refs) if (stmt.get(...splitConversationRef(ref))) found.add(ref);
  return found;
}

const RECORD_COLUMNS = `runtime, request_key, session_id, root_session_id, parent_session_id, agent_id, conversation_id, is_subagent,
  project, model, provider, ts, version, speed, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens,
  output_tokens, reasoning_tokens, reported_cost_usd, marks, source_id, source_line, source_ref, cost_usd,
  expected_read_tokens, shortfall_tokens, cache_break, break_cause, cache_tax_usd`;

const RECORD_WIDTH = RECORD_COLUMNS.split(",").length;

/** Puts a record's values, in RECORD_COLUMNS order, into `out` from index `at`. */
function bind(r: StoredRecord, out: unknown[], at: number): void {
  const a = r.analysis;
  out[at] = r.runtime;
  out[at + 1] = r.key;
  out[at + 2] = r.sessionId;
  out[at + 3] = r.rootSessionId;
  out[at + 4] = r.parentSessionId;
  out[at + 5] = r.agentId;
  out[at + 6] = r.conversationId;
  out[at + 7] = r.isSubagent ? 1 : 0;
  out[at + 8] = r.project;
  out[at + 9] = r.model;
  out[at + 10] = r.provider;
  out[at + 11] = r.ts;
  out[at + 12] = r.version;
  out[at + 13] = r.speed;
  out[at + 14] = r.input;
  out[at + 15] = r.cacheWrite5m;
  out[at + 16] = r.cacheWrite1h;
  out[at + 17] = r.cacheRead;
  out[at + 18] = r.output;
  out[at + 19] = r.reasoning;
  out[at + 20] = r.reportedCostUsd;
  out[at + 21] = r.marks;
  out[at + 22] = r.sourceId;
  out[at + 23] = r.sourceLine;
  out[at + 24] = r.sourceRef;
  out[at + 25] = r.costUsd;
  out[at + 26] = a.expectedRead;
  out[at + 27] = a.shortfall;
  out[at + 28] = a.isBreak ? 1 : 0;
  out[at + 29] = a.cause;
  out[at + 30] = a.taxUsd;
}

function bindings(r: StoredRecord): unknown[] {
  const out = new Array<unknown>(RECORD_WIDTH);
  bind(r, out, 0);
  return out;
}

const PLACEHOLDERS = `(${Array<string>(RECORD_WIDTH).fill("?").join(", ")})`;

/** Rows per statement in a bulk load: one statement per row costs more in its run than in the insert itself. */
const ROWS_PER_INSERT = 32;

export interface RecordInserter {
  add(records: readonly StoredRecord[]): void;
  /** Inserts what add() still holds; call before anything reads usage_record. */
  flush(): void;
}

/**
 * Plain inserts, for a bulk load, whose records are first copies of their requests (later ones go to the
 * copies table, `bulkSideTables`). Rows are gathered across sources (most hold a few dozen) into statements of
 * ROWS_PER_INSERT rows, in the order they were added.
 */
export function insertRecords(db: Db, table = "usage_record"): RecordInserter {
  // OR FAIL: a plain INSERT of several rows may have to undo the rows it already wrote, so SQLite journals every
  // page it changes in a statement journal, a temporary file (about 200 MB written over a 565 MB corpus, a fifth
  // of the inserts' time). A failure here fails the whole load, whose transaction is rolled back anyway.
  const insert = `INSERT OR FAIL INTO ${table} (${RECORD_COLUMNS}) VALUES`;
  const one = db.prepare(`${insert} ${PLACEHOLDERS}`);
  const many = db.prepare(`${insert} ${Array(ROWS_PER_INSERT).fill(PLACEHOLDERS).join(", ")}`);
  const values = new Array<unknown>(ROWS_PER_INSERT * RECORD_WIDTH);
  let held = 0;
  return {
    add(records) {
      for (const r of records) {
        bind(r, values, held * RECORD_WIDTH);
        if (++held === ROWS_PER_INSERT) {
          // As arguments, not one array: better-sqlite3 fetches an array's elements one by one through V8's
          // generic element access, which cost about a fifth of a bulk load's binding (~55 ms per 92k rows).
          many.run(...values);
          held = 0;
        }
      }
    },
    flush() {
      for (let k = 0; k < held; k++) one.run(...values.slice(k * RECORD_WIDTH, (k + 1) * RECORD_WIDTH));
      held = 0;
    },
  };
}

/**
 * Inserts records; a request already in the ledger is replaced only by a copy of higher rank (more tokens:
 * Claude Code's streaming partials; or an original over a copy). Returns how many rows changed.
 */
export function upsertRecords(db: Db): (records: readonly StoredRecord[]) => number {
  const stmt = db.prepare(`INSERT INTO usage_record (${RECORD_COLUMNS}) VALUES ${PLACEHOLDERS} ${KEEP_HIGHER_RANK}`);
  return (records) => {
    let changed = 0;
    for (const r of records) changed += stmt.run(...bindings(r)).changes;
    return changed;
  };
}

/** The upsert clause that replaces a stored request only with a copy of higher rank (see rank in record.ts). */
const KEEP_HIGHER_RANK = `ON CONFLICT (runtime, request_key) DO UPDATE SET
       session_id = excluded.session_id, root_session_id = excluded.root_session_id, parent_session_id = excluded.parent_session_id,
       agent_id = excluded.agent_id, conversation_id = excluded.conversation_id, is_subagent = excluded.is_subagent,
       project = excluded.project, model = excluded.model, provider = excluded.provider, ts = excluded.ts,
       version = excluded.version, speed = excluded.speed, input_tokens = excluded.input_tokens,
       cache_write_5m_tokens = excluded.cache_write_5m_tokens, cache_write_1h_tokens = excluded.cache_write_1h_tokens,
       cache_read_tokens = excluded.cache_read_tokens, output_tokens = excluded.output_tokens,
       reasoning_tokens = excluded.reasoning_tokens, reported_cost_usd = excluded.reported_cost_usd, marks = excluded.marks,
       source_id = excluded.source_id, source_line = excluded.source_line, source_ref = excluded.source_ref,
       cost_usd = excluded.cost_usd, expected_read_tokens = excluded.expected_read_tokens,
       shortfall_tokens = excluded.shortfall_tokens, cache_break = excluded.cache_break, break_cause = excluded.break_cause,
       cache_tax_usd = excluded.cache_tax_usd
     WHERE ${rankSql("excluded")} > ${rankSql("usage_record")}`;

/**
 * A bulk load's side tables, private to its connection (TEMP: they never reach the ledger's file or WAL, and
 * vanish with a killed process): the copies of requests its filter may have seen already, and the requests
 * that sources superseded. Both are applied by `applyBulkSideTables` once the indexes exist.
 */
export function bulkSideTables(db: Db): {
  copies: RecordInserter;
  supersede(runtime: RuntimeId, key: string, sourceId: number): void;
} {
  db.exec(`DROP TABLE IF EXISTS temp.ledger_bulk_copy; DROP TABLE IF EXISTS temp.ledger_bulk_superseded;
    CREATE TEMP TABLE ledger_bulk_copy AS SELECT ${RECORD_COLUMNS} FROM usage_record WHERE 0;
    CREATE TEMP TABLE ledger_bulk_superseded (runtime TEXT NOT NULL, request_key TEXT NOT NULL, source_id INTEGER NOT NULL);`);
  const supersede = db.prepare("INSERT INTO temp.ledger_bulk_superseded (runtime, request_key, source_id) VALUES (?, ?, ?)");
  return {
    copies: insertRecords(db, "temp.ledger_bulk_copy"),
    supersede: (runtime, key, sourceId) => supersede.run(runtime, key, sourceId),
  };
}

/** Where a record counted, and in which conversation: what a change to it makes stale. */
export type ChangedPlace = StoredPlace & { conversationId: string };

/**
 * Applies a bulk load's side tables, as the incremental path would have applied each row when it came: the
 * superseded requests are deleted, then each request's best copy (most tokens, the earliest among equals)
 * replaces the stored one where it ranks higher, or is inserted where none is stored (the filter's false
 * "maybe"). `mark` gets a query of every place that changed (columns ts, root_session_id, conversation_id):
 * a deleted or replaced record's and its replacement's, marked in SQL, so however many there are none is
 * held in memory. Returns how many copies were written (inserted, or replacing the stored one).
 */
export function applyBulkSideTables(db: Db, mark: (placesSql: string) => void): number {
  const places = "ts, root_session_id, conversation_id";
  // A request is gone if a source read after the one it came from superseded it (sources' ids follow the order
  // they were written in): what an incremental run would have deleted, wherever the copy waits.
  const supersededIn = (table: string) => `SELECT t.rowid FROM ${table} t JOIN (
      SELECT runtime, request_key, max(source_id) AS last FROM temp.ledger_bulk_superseded GROUP BY runtime, request_key
    ) s ON t.runtime = s.runtime AND t.request_key = s.request_key WHERE t.source_id < s.last`;
  const superseded = supersededIn("usage_record");
  mark(`SELECT ${places} FROM usage_record WHERE rowid IN (${superseded})`);
  // Most copies cannot win: the stored one ranks as high (Claude Code quotes a request in several files alike).
  db.exec(`DELETE FROM usage_record WHERE rowid IN (${superseded});
    DELETE FROM temp.ledger_bulk_copy WHERE rowid IN (${supersededIn("temp.ledger_bulk_copy")});
    DELETE FROM temp.ledger_bulk_copy WHERE rowid IN (
      SELECT c.rowid FROM temp.ledger_bulk_copy c JOIN usage_record u ON u.runtime = c.runtime AND u.request_key = c.request_key
      WHERE ${rankSql("c")} <= ${rankSql("u")});
    CREATE TEMP TABLE ledger_bulk_best AS SELECT ${RECORD_COLUMNS} FROM (
      SELECT *, row_number() OVER (PARTITION BY runtime, request_key ORDER BY ${rankSql("ledger_bulk_copy")} DESC, rowid) AS pick
      FROM temp.ledger_bulk_copy) WHERE pick = 1;`);
  // Every best copy wins (those that could not were deleted above): where it goes, and where the stored copy it
  // replaces counted.
  mark(`SELECT ${places} FROM temp.ledger_bulk_best UNION ALL
    SELECT u.ts, u.root_session_id, u.conversation_id FROM temp.ledger_bulk_best b
    JOIN usage_record u ON u.runtime = b.runtime AND u.request_key = b.request_key`);
  const written = db.prepare("SELECT count(*) FROM temp.ledger_bulk_best").pluck().get() as number;
  db.exec(`INSERT INTO usage_record (${RECORD_COLUMNS}) SELECT ${RECORD_COLUMNS} FROM temp.ledger_bulk_best WHERE true ${KEEP_HIGHER_RANK};
    DROP TABLE temp.ledger_bulk_best; DROP TABLE temp.ledger_bulk_copy; DROP TABLE temp.ledger_bulk_superseded;`);
  return written;
}

/**
 * Where the stored copies of these requests count, for those already stored: a copy that replaces one
 * logged in another hour (or under another root session) takes it out of that rollup slice too.
 */
export function storedPlaces(db: Db, records: readonly Pick<UsageRecord, "runtime" | "key">[]): ChangedPlace[] {
  return statement(
    db,
    `SELECT u.ts, u.root_session_id AS rootSessionId, u.conversation_id AS conversationId FROM json_each(?) AS j
       JOIN usage_record AS u ON u.runtime = j.value ->> 0 AND u.request_key = j.value ->> 1`,
  ).all(JSON.stringify(records.map((r) => [r.runtime, r.key]))) as ChangedPlace[];
}

export function deleteRecord(db: Db, runtime: RuntimeId, key: string): (StoredPlace & { conversation: ConversationRef }) | undefined {
  const row = statement(
    db,
    "DELETE FROM usage_record WHERE runtime = ? AND request_key = ? RETURNING root_session_id AS rootSessionId, conversation_id AS conversationId, ts",
  ).get(runtime, key) as { rootSessionId: string; conversationId: string; ts: number } | undefined;
  return row ? { conversation: conversationRef(row), ts: row.ts, rootSessionId: row.rootSessionId } : undefined;
}

export function getMeta(db: Db, key: string): string | undefined {
  return (statement(db, "SELECT value FROM ledger_meta WHERE key = ?").pluck().get(key) as string | undefined) ?? undefined;
}

export function setMeta(db: Db, key: string, value: string): void {
  statement(db, "INSERT INTO ledger_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
    key,
    value,
  );
}
