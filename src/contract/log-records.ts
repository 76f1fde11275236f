/**
 * What a runtime's log reader hands the ledger: one API request as the runtime logged it (Observation), the
 * marks carried between requests, and the shapes of a JSON-lines parser and of a store reader's context.
 * Runtime-neutral, below both the runtimes that produce these and the ledger that normalizes them.
 */
import type { Warning } from "../core/errors.js";

/** Token counts of one request as the runtime logged them (per request, not cumulative). */
export interface LoggedTokens {
  /** Prompt tokens not read from cache. When `inputIncludesCache` is set, cache reads and writes are inside it. */
  input: number;
  output: number;
  /** Reasoning tokens, informational: every supported runtime already counts them inside `output`. */
  reasoning: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

/** Marks carried from non-request lines onto the next request of a conversation. */
export const Mark = {
  /** A compaction or summary boundary came before this request. */
  compaction: 1,
  /** This is the first request of a new process on an existing conversation (resume / continue). */
  resumed: 2,
  /**
   * Read from a copy of the request made elsewhere (a subagent's request as quoted in its parent's
   * transcript). Counted only when the original is missing: the original wins a tie.
   */
  copy: 4,
} as const;

/** One API request as read from a runtime's log, before the ledger normalizes and stores it. */
export interface Observation {
  /** Identity for de-duplication within the runtime: all copies of one API request share it. */
  key: string;
  /** The session the request belongs to (a subagent's requests may carry their parent's session id). */
  sessionId: string;
  /** The session that spawned this one, where the runtime records it (OpenCode, Codex). */
  parentSessionId?: string | null;
  /** The top of the spawn tree, when it is not the parent (nested subagents). */
  rootSessionId?: string | null;
  /** A subagent thread inside the session (Claude Code's agentId). */
  agentId?: string | null;
  isSubagent: boolean;
  /** Working directory of the session. */
  project: string | null;
  model: string;
  provider: string | null;
  /** Epoch ms. */
  ts: number;
  version: string | null;
  speed?: string | null;
  /** Cost the runtime itself computed, where it logs one. */
  reportedCostUsd?: number | null;
  /** Bit set of Mark values. */
  marks?: number;
  /** Per-request counts… */
  tokens?: LoggedTokens;
  /**
   * …or a running total the ledger turns into a delta (Codex `total_token_usage`). With `baselineOnly` the
   * total only moves the baseline: it was already counted elsewhere (a copied parent history, or a file
   * whose per-response records are counted instead).
   */
  cumulative?: { counter: string; total: LoggedTokens; last?: LoggedTokens | null; baselineOnly?: boolean };
  /** OpenAI-style counts: `input` includes the cache reads and writes. */
  inputIncludesCache?: boolean;
  /** Keys of records this one replaces (OpenCode: a message's own tokens, once its per-step parts exist). */
  supersedes?: string[];
  /** Where it came from: a line (JSONL) or a row reference (databases). */
  line?: number;
  ref?: string;
}

export interface LineContext<State> {
  state: State;
  file: string;
  line: number;
  emit(o: Observation): void;
  /** A line that is not a usage record for a known reason (counted, reported once per file and reason). */
  skip(code: string, message: string): void;
  /**
   * A line that should have been a record but is malformed. `value`, when given, is the offending value: shown
   * after the message, while lines with the same message and other values still count as one problem.
   */
  warn(code: string, message: string, value?: unknown): void;
}

/**
 * Reads one JSON-lines log format. The ledger does the byte handling and the bookkeeping.
 *
 * Its patterns (`needles`, `alsoNeeds` and `linePrefixes`) are searched by the ledger's line scanner, which
 * holds at most MAX_LINE_PATTERNS of them in all, each 1 to MAX_LINE_PATTERN_BYTES bytes of UTF-8 without a
 * newline (a line has none). A parser outside these limits is refused when it is loaded (linePatternProblem).
 */
export interface JsonlParser<State = unknown> {
  /** A line is parsed when it contains one of these strings anywhere: a cheap byte-level prefilter. */
  needles: readonly string[];
  /** …and, if given, all of these too (a line with a needle but without these is only checked to be JSON). */
  alsoNeeds?: readonly string[];
  /**
   * …or when it starts with one of these: for short metadata lines whose first key identifies them.
   * Compared byte by byte, so checking every line costs far less than another search through the file.
   */
  linePrefixes?: readonly string[];
  /**
   * True when a candidate line repeats the previous candidate line's record exactly, so it need not be
   * decoded (Claude Code writes one line per content block, each repeating the request's usage).
   */
  sameRecord?(line: Buffer, previous: Buffer): boolean;
  /**
   * The keys `line` reads, if it declares them: a wanted line is then decoded into an object holding only
   * these keys (a leaf `true` holds the whole value, as JSON.parse gives it), which costs far less than building
   * the whole line. A key absent from the line is absent from the object; where an inner key's value is not an
   * object, the value is there as it is. `line` must read nothing else of the value. At most MAX_READ_KEYS keys
   * in the whole tree, each 1 to MAX_READ_KEY_BYTES bytes of UTF-8, never `__proto__` (readsProblem).
   */
  reads?: JsonKeys;
  initialState(file: string): State;
  line(value: unknown, ctx: LineContext<State>): void;
}

/** A tree of object keys: `true` for a whole value, a tree for the keys read inside an object. */
export interface JsonKeys {
  readonly [key: string]: true | JsonKeys;
}

/** How many needles, alsoNeeds and linePrefixes a JSON-lines parser may have in all. */
export const MAX_LINE_PATTERNS = 16;
/** The longest a needle, alsoNeeds entry or line prefix may be, in UTF-8 bytes. */
export const MAX_LINE_PATTERN_BYTES = 252;

/** How many keys a parser's `reads` tree may hold in all (the scanner's key table). */
export const MAX_READ_KEYS = 64;
/** The longest key a parser's `reads` may name, in UTF-8 bytes. */
export const MAX_READ_KEY_BYTES = 56;

/** Why a parser's `reads` is outside the limits stated on JsonlParser, or undefined when it is within. */
export function readsProblem(reads: JsonKeys): string | undefined {
  let count = 0;
  const walk = (tree: JsonKeys, path: string): string | undefined => {
    for (const [key, sub] of Object.entries(tree)) {
      const name = path === "" ? key : `${path}.${key}`;
      if (++count > MAX_READ_KEYS) return `reads more than ${MAX_READ_KEYS} keys`;
      // Assigned as a property of the decoded object, it would set that object's prototype instead.
      if (key === "__proto__") return `reads ${JSON.stringify(name)}, which cannot be a key of a decoded object`;
      const bytes = Buffer.byteLength(key);
      if (bytes === 0 || bytes > MAX_READ_KEY_BYTES)
        return `reads ${JSON.stringify(name)}, whose last key is ${bytes} bytes long (1 to ${MAX_READ_KEY_BYTES})`;
      if (sub !== true) {
        if (typeof sub !== "object" || sub === null) return `reads ${JSON.stringify(name)} as neither true nor a tree of keys`;
        const problem = walk(sub, name);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  return walk(reads, "");
}

/** Why a parser's patterns are outside the limits stated on JsonlParser, or undefined when they are within. */
export function linePatternProblem(p: Pick<JsonlParser, "needles" | "alsoNeeds" | "linePrefixes">): string | undefined {
  const kinds = [
    ["needle", p.needles],
    ["alsoNeeds entry", p.alsoNeeds ?? []],
    ["line prefix", p.linePrefixes ?? []],
  ] as const;
  const count = kinds.reduce((n, [, list]) => n + list.length, 0);
  if (count > MAX_LINE_PATTERNS) return `${count} needles, alsoNeeds and line prefixes in all, more than the ${MAX_LINE_PATTERNS} allowed`;
  for (const [kind, list] of kinds)
    for (const text of list) {
      const bytes = Buffer.byteLength(text);
      if (bytes === 0) return `${kind} "" is empty`;
      if (bytes > MAX_LINE_PATTERN_BYTES)
        return `${kind} ${JSON.stringify(text)} is ${bytes} bytes long, more than ${MAX_LINE_PATTERN_BYTES}`;
      if (text.includes("\n")) return `${kind} ${JSON.stringify(text)} holds a newline, which no line does`;
    }
  return undefined;
}

export interface StoreReadContext<State> {
  /** What the previous read left; undefined on the first read. */
  state: State | undefined;
  emit(o: Observation): void;
  warn(w: Omit<Warning, "file"> & { file?: string }): void;
}
