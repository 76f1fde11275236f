/**
 * Locks between quartet processes that the operating system releases when the holder dies.
 *
 * A lock is a small SQLite file held with `BEGIN IMMEDIATE`: SQLite takes a POSIX record lock on it, and
 * the kernel drops that lock the instant the holding process exits, however it exits (SIGKILL, a crash,
 * Ctrl-C). So a lock is never left behind by a dead process, no pid file has to be guessed about, and a
 * second connection in the same process is refused like any other (SQLite tracks its own locks per file).
 * SQLite is already quartet's store, so this adds no dependency.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { errorMessage, NamedError } from "./errors.js";
import { sleepSync } from "./sleep-sync.js";

export interface HeldLock {
  readonly file: string;
  /** Releases the lock; calling it again does nothing. */
  release(): void;
}

/** The lock file cannot be used at all (not readable, not a lock quartet wrote). */
export const LockFileError = NamedError.create<"LockFileError", { message: string; file: string }>("LockFileError");

function unusable(file: string, e: unknown) {
  const code = (e as { code?: string }).code;
  const reason = code ? `${code}${CAUSES[code] ? `: ${CAUSES[code]}` : ""}` : errorMessage(e);
  // Removing the file helps only when it is not a lock SQLite can use; on a full disk it would just let two
  // processes ingest at once the moment there is room again.
  const advice = code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" ? "; remove it if no quartet process is running" : "";
  return new LockFileError({ message: `cannot use it as a lock file (${reason})${advice}`, file });
}

const CAUSES: Record<string, string> = {
  SQLITE_FULL: "the disk is full",
  ENOSPC: "the disk is full",
  SQLITE_READONLY: "read-only",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "permission denied",
};

export const LockTimeoutError = NamedError.create<"LockTimeoutError", { message: string; file: string; waitedMs: number }>(
  "LockTimeoutError",
);

const POLL_MS = 25;

/** Takes the lock if it is free; null when another connection holds it. */
export function tryLock(file: string): HeldLock | null {
  let db: Database.Database;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Created private before SQLite opens it: SQLite would create it with the umask's mode.
    fs.closeSync(fs.openSync(file, "a", 0o600));
    db = new Database(file, { timeout: 0 });
  } catch (e) {
    throw unusable(file, e);
  }
  try {
    db.exec("BEGIN IMMEDIATE");
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === "SQLITE_BUSY") return null;
    // Not a lock file SQLite can use (someone wrote something else there): said plainly, never a stack trace.
    throw unusable(file, e);
  }
  let held = true;
  return {
    file,
    release() {
      if (!held) return;
      held = false;
      db.close();
    },
  };
}

export interface WaitOptions {
  /** Called about every second while waiting, with the time waited so far. */
  onWait?(waitedMs: number): void;
  /** Give up after this long (default: wait as long as it takes). */
  timeoutMs?: number;
}

/** Waits for the lock without blocking the event loop. */
export async function acquireLock(file: string, options: WaitOptions = {}): Promise<HeldLock> {
  const started = Date.now();
  let lastReport = started;
  for (;;) {
    const lock = tryLock(file);
    if (lock) return lock;
    const waited = Date.now() - started;
    if (options.timeoutMs !== undefined && waited >= options.timeoutMs) throw timeout(file, waited);
    if (Date.now() - lastReport >= 1000) {
      lastReport = Date.now();
      options.onWait?.(waited);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Waits for the lock, blocking the thread: for synchronous callers that hold it only briefly. */
export function acquireLockSync(file: string, options: { timeoutMs: number }): HeldLock {
  const started = Date.now();
  for (;;) {
    const lock = tryLock(file);
    if (lock) return lock;
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) throw timeout(file, waited);
    sleepSync(POLL_MS);
  }
}

function timeout(file: string, waitedMs: number) {
  const message = `another quartet process has held ${file} for ${Math.round(waitedMs / 1000)} s; try again when it is done`;
  return new LockTimeoutError({ message, file, waitedMs });
}
