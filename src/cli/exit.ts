/**
 * How every quartet command ends: quietly when its reader went away, and with one message and an exit code
 * when it failed. Shared by the full command line (main.ts) and the status line's own entry (statusline-entry.ts).
 */
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

/** Prints a command's failure on stderr and returns its exit code: quartet's own errors carry theirs. */
export function reportFailure(e: unknown): number {
  if (e instanceof NamedError) {
    process.stderr.write(`${colors.red("error:")} ${terminalSafe(errorMessage(e), { multiline: true })}\n`);
    return e.exitCode;
  }
  // Not one of quartet's own errors: its message, and where it came from only when asked for.
  const err = e as Error;
  const detail = process.env.QUARTET_DEBUG
    ? (err?.stack ?? String(e))
    : `${err?.message ?? String(e)}\n(QUARTET_DEBUG=1 shows where it happened)`;
  process.stderr.write(`${colors.red("error:")} ${terminalSafe(detail, { multiline: true })}\n`);
  return 1;
}
