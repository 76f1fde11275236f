/**
 * quartet's own SQLite database and its migrations.
 *
 * Every layer owns its tables and registers its migrations under its own name (ledger, sessions, …);
 * `schema_version` remembers how far each name has been migrated. The SQL stays portable
 * (INTEGER/TEXT/REAL, ON CONFLICT upserts) so the same ledger can later live in PostgreSQL.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { BUSY_TIMEOUT_MS } from "./busy-timeout.js";
import { privateDir } from "./files.js";
import { sleepSync } from "./sleep-sync.js";

export type Db = Database.Database;

const PAGE_SIZE = 16_384;
/**
 * SQLite checkpoints the write-ahead log once it holds this much. Its own setting counts pages (1,000, made
 * for 4 KiB pages): with 16 KiB ones the log would grow to 16 MB, and the status line, which exits without
 * checkpointing, leaves it for the next process to recover from on open (about 7 ms at 16 MB, 3 ms at 0.5 MB).
 */
const WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024;
export type Statement = Database.Statement;

const statements = new WeakMap<Db, Map<string, Statement>>();

/** A prepared statement, prepared once per connection: preparing costs more than running small statements. */
export function statement(db: Db, sql: string): Statement {
  let byDb = statements.get(db);
  if (!byDb) statements.set(db, (byDb = new Map()));
  let stmt = byDb.get(sql);
  if (!stmt) byDb.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

export interface Migration {
  /** Short description, kept in schema_version for humans. */
  name: string;
  up: string | ((db: Db) => void);
}

export function openDatabase(file: string): Db {
  if (file !== ":memory:") {
    privateDir(path.dirname(file));
    // Created private before SQLite opens it (SQLite would use the umask); its -wal and -shm files copy this mode.
    fs.closeSync(fs.openSync(file, "a", 0o600));
  }
  const db = new Database(file);
  // Another process may hold the write lock for a while (a first ingest loads everything in one transaction).
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Takes effect only in a new, empty database (before WAL mode writes its header), and is ignored otherwise.
  // A first ingest writes every page of tens of megabytes about four times (inserts, index builds, the WAL,
  // the checkpoint): with 16 KiB pages instead of SQLite's 4 KiB it built its indexes and checkpointed in
  // about two thirds of the CPU time.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  // An in-memory database has no journal file to put in WAL mode (SQLite keeps it in "memory" mode).
  if (file !== ":memory:") {
    useWal(db);
    // Per connection, and by the page size the database has (a ledger made before 16 KiB pages keeps 4 KiB).
    db.pragma(`wal_autocheckpoint = ${Math.round(WAL_CHECKPOINT_BYTES / (db.pragma("page_size", { simple: true }) as number))}`);
  }
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // Reports scan the ledger; memory-mapped reads make those scans cheap. The page cache is SQLite's own
  // default (2 MB) for the database and for its TEMP tables (a bulk load's side tables), not better-sqlite3's
  // 16 MB: a large one made a first ingest no faster, but 16 MB bigger, and 16 MB more for the TEMP tables.
  db.pragma("mmap_size = 268435456");
  db.pragma("cache_size = -2000");
  db.pragma("temp.cache_size = -2000");
  return db;
}

/** SQLite gave up waiting for another connection's lock (SQLITE_BUSY, or one of its extended codes). */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/** Runs fn with statements waiting at most `ms` for another connection's write lock. */
export function withBusyTimeout<T>(db: Db, ms: number, fn: () => T): T {
  const before = db.pragma("busy_timeout", { simple: true }) as number;
  db.pragma(`busy_timeout = ${ms}`);
  try {
    return fn();
  } finally {
    db.pragma(`busy_timeout = ${before}`);
  }
}

/**
 * Puts a new database in WAL mode. The switch needs the database to itself for a moment, and SQLite does
 * not wait for that (busy_timeout does not apply): with several quartet processes opening a new ledger at
 * once, one in a few hundred got "database is locked". So the switch is retried until it holds.
 */
function useWal(db: Db): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let delayMs = 2; ; delayMs = Math.min(delayMs * 2, 100)) {
    try {
      if (db.pragma("journal_mode", { simple: true }) === "wal") return;
      if (db.pragma("journal_mode = WAL", { simple: true }) === "wal") return;
    } catch (e) {
      if ((e as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error(`${db.name}: could not switch the database to WAL mode`);
    sleepSync(delayMs);
  }
}

/**
 * Applies the migrations of one namespace that have not run yet. The version is read and the migrations
 * applied in one IMMEDIATE transaction: two quartet processes starting together on a new database (four
 * `quartet run` at once) would otherwise both see version 0 and both try to create the tables. A database
 * already up to date is only read, so opening it never waits for another process's long write.
 */
export function migrate(db: Db, namespace: string, migrations: readonly Migration[]): void {
  const version = () => {
    const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'").get() !== undefined;
    if (!exists) return 0;
    const row = db.prepare("SELECT version FROM schema_version WHERE namespace = ?").get(namespace) as { version: number } | undefined;
    return row?.version ?? 0;
  };
  const check = (current: number) => {
    if (current > migrations.length) {
      throw new Error(
        `the ${namespace} tables in this database are newer (version ${current}) than this quartet knows (${migrations.length}); upgrade quartet`,
      );
    }
  };
  const seen = version();
  check(seen);
  if (seen === migrations.length) return;
  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
      namespace TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      name TEXT NOT NULL
    )`);
    const current = version();
    check(current);
    for (let i = current; i < migrations.length; i++) {
      const m = migrations[i]!;
      if (typeof m.up === "string") db.exec(m.up);
      else m.up(db);
      db.prepare(
        `INSERT INTO schema_version (namespace, version, name) VALUES (?, ?, ?)
         ON CONFLICT (namespace) DO UPDATE SET version = excluded.version, name = excluded.name`,
      ).run(namespace, i + 1, m.name);
    }
  });
  apply.immediate();
}
