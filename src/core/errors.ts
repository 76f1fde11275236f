/**
 * Named, typed errors that can cross process and HTTP boundaries (`toJSON()` gives `{ name, data }`).
 *
 * A failure the user must act on is a NamedError with structured data; an expected per-record
 * problem (a malformed log line) is not an error at all but a Warning collected by the caller.
 * (No schema library here: this module loads on every command, and the data shapes are ours.)
 */

/**
 * Marks quartet's errors whichever copy of this module made them: the CommonJS files (dist/statusline.cjs,
 * dist/ledger.cjs) bundle a copy, and what they require from the main build (the price file's reader, the team
 * ledger's view, OpenCode's readers) throws with the other.
 */
const NAMED = Symbol.for("quartet.NamedError");

export abstract class NamedError<Data = unknown> extends Error {
  abstract override readonly name: string;

  /** `e instanceof NamedError` holds for an error from either copy; a subclass checks as usual. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== NamedError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && NAMED in value;
  }

  /** Process exit code when this error ends a command: 1 failure, 2 usage error. */
  exitCode = 1;

  constructor(
    readonly data: Data,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? describe(data), { cause: options?.cause });
  }

  toJSON(): { name: string; data: Data } {
    return { name: this.name, data: this.data };
  }

  /** Creates a named error class whose instances carry `Data`. */
  static create<Name extends string, Data>(name: Name) {
    return class extends NamedError<Data> {
      override readonly name = name;
      static isInstance(e: unknown): e is NamedError<Data> {
        return e instanceof NamedError && e.name === name;
      }
    };
  }
}

Object.defineProperty(NamedError.prototype, NAMED, { value: true });

function describe(payload: unknown): string {
  if (payload && typeof payload === "object" && "message" in payload && typeof payload.message === "string") {
    return payload.message;
  }
  return JSON.stringify(payload);
}

/** The command line was wrong: bad flag value, unknown session, conflicting options. Exit code 2. */
export class UsageError extends NamedError.create<"UsageError", { message: string }>("UsageError") {
  override exitCode = 2;
  constructor(message: string) {
    super({ message });
  }
}

/** A file quartet owns or was told to read is invalid; names the file, line and field. */
export const InputError = NamedError.create<"InputError", { message: string; file: string; line?: number; field?: string }>("InputError");

/** A program quartet needs (git, tmux, a browser) is not on this machine. */
export const MissingToolError = NamedError.create<"MissingToolError", { message: string }>("MissingToolError");

/**
 * A problem with one record or one source that did not stop the work.
 * Reports print them after the results; `count` folds repeats of the same problem in one file, `line` is
 * the first place it occurred and `lines` the first few.
 */
export interface Warning {
  code: string;
  message: string;
  file?: string;
  line?: number;
  count?: number;
  lines?: number[];
}

export function formatWarning(w: Warning): string {
  const where = w.file ? `${w.file}${w.line ? `:${w.line}` : ""}: ` : "";
  const count = w.count ?? 1;
  if (count <= 1) return `${where}${w.message}`;
  const sample = w.lines && w.lines.length > 1 ? w.lines : undefined;
  if (!sample) return `${where}${w.message} (${count} times)`;
  const more = count - sample.length;
  return `${where}${w.message} (${count} lines: ${sample.join(", ")}${more > 0 ? ` and ${more} more` : ""})`;
}

/** An error's message, led by the file and line it names, if any. */
export function errorMessage(e: unknown): string {
  if (e instanceof NamedError) {
    const d = e.data as { file?: string; line?: number } | undefined;
    return d?.file ? `${d.file}${d.line ? `:${d.line}` : ""}: ${e.message}` : e.message;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}
