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

export type Db = Database.Database;

export interface Migration {
  /** Short description, kept in schema_version for humans. */
  name: string;
  up: string | ((db: Db) => void);
}

export function openDatabase(file: string): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  // Reports scan the ledger; memory-mapped reads and a larger page cache make those scans cheap.
  db.pragma("mmap_size = 268435456");
  db.pragma("cache_size = -65536");
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    namespace TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    name TEXT NOT NULL
  )`);
  return db;
}

/**
 * Applies the migrations of one namespace that have not run yet. The version is read and the migrations
 * applied in one IMMEDIATE transaction: two quartet processes starting together on a new database (four
 * `quartet run` at once) would otherwise both see version 0 and both try to create the tables.
 */
export function migrate(db: Db, namespace: string, migrations: readonly Migration[]): void {
  const apply = db.transaction(() => {
    const row = db.prepare("SELECT version FROM schema_version WHERE namespace = ?").get(namespace) as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > migrations.length) {
      throw new Error(
        `the ${namespace} tables in this database are newer (version ${current}) than this quartet knows (${migrations.length}); upgrade quartet`,
      );
    }
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
