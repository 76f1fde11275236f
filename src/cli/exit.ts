/**
 * How every quartet command ends: quietly when its reader went away, and with one message and an exit code
 * when it failed. Shared by the full command line (main.ts) and the status line's own entry (statusline-entry.ts).
 */
import { BUSY_TIMEOUT_MS } from "../core/busy-timeout.js";
import { errorMessage, NamedError } from "../core/errors.js";
import { colors, terminalSafe } from "../core/output.js";

/**
 * A reader that stops early (`quartet cache | head -1`) closes the pipe: the output is no longer wanted, so
 * quartet ends quietly with status 0, as `cat` or `git log` do, instead of crashing on EPIPE.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(0);
      throw e;
    });
}

/** SQLite's "database is locked", after its busy timeout (core/db.ts), said in terms of what is going on. */
const BUSY = `the database is busy: another quartet process has been writing to it for over ${BUSY_TIMEOUT_MS / 1000} s (a first load of very large logs can take that long); run the command again once it is done`;

/** Prints a command's failure on stderr and returns its exit code: quartet's own errors carry theirs. */
export function reportFailure(e: unknown): number {
  if (e instanceof NamedError) {
    process.stderr.write(`${colors.red("error:")} ${terminalSafe(errorMessage(e), { multiline: true })}\n`);
    return e.exitCode;
  }
  // Not one of quartet's own errors: its message, and where it came from only when asked for.
  const err = e as Error & { code?: string };
  const message = err?.code === "SQLITE_BUSY" ? BUSY : (err?.message ?? String(e));
  const detail = process.env.QUARTET_DEBUG ? (err?.stack ?? String(e)) : `${message}\n(QUARTET_DEBUG=1 shows where it happened)`;
  process.stderr.write(`${colors.red("error:")} ${terminalSafe(detail, { multiline: true })}\n`);
  return 1;
}
