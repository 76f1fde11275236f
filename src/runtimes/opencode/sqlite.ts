/**
 * Opening OpenCode's SQLite database without touching the user's files.
 *
 * OpenCode keeps the database in WAL mode and leaves `-wal` and `-shm` beside it, often with data not yet
 * checkpointed into the main file, even after it exits. Opening that database with SQLite, even read-only,
 * writes to `-shm` (the WAL index it rebuilds or marks) and creates `-wal`/`-shm` when they are missing. So
 * quartet never opens the user's files with SQLite: it copies the database and its WAL to a private
 * temporary folder and reads the copy; SQLite then recovers the WAL into the copy.
 *
 * A running OpenCode may commit while the files are copied; the copy is taken again until the files'
 * sizes and times are the same before and after (a torn copy would otherwise mix two states).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";

export interface OpenedStore {
  db: Database.Database;
  close(): void;
}

const ATTEMPTS = 4;

function signature(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const s = fs.statSync(f);
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return "-";
      }
    })
    .join("|");
}

export function openCopy(file: string): OpenedStore {
  const wal = `${file}-wal`;
  const sources = [file, wal];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quartet-store-"));
  const copy = path.join(dir, "store.db");
  try {
    let stable = false;
    for (let attempt = 0; attempt < ATTEMPTS && !stable; attempt++) {
      const before = signature(sources);
      fs.copyFileSync(file, copy);
      fs.rmSync(`${copy}-wal`, { force: true });
      if (fs.existsSync(wal)) fs.copyFileSync(wal, `${copy}-wal`);
      stable = signature(sources) === before;
    }
    if (!stable) throw Object.assign(new Error("the database kept changing while it was copied"), { code: "SQLITE_BUSY" });
    const db = new Database(copy, { fileMustExist: true });
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    return {
      db,
      close: () => {
        db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
