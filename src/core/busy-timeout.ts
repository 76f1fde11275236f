/**
 * How long a statement waits for another process's write lock before it fails with "database is locked"
 * (set on every connection by db.ts). Apart from db.ts, which loads SQLite's native module: the message for that
 * failure (cli/exit.ts) is loaded by every command, also those that never open a database.
 */
import { positiveIntegerEnv } from "./env-number.js";

// Tests shorten the wait (QUARTET_TEST_BUSY_TIMEOUT_MS) to try what happens past it without waiting a minute.
export const BUSY_TIMEOUT_MS = positiveIntegerEnv("QUARTET_TEST_BUSY_TIMEOUT_MS") ?? 60_000;
