/**
 * Reading one log source into memory: its normalized records, its per-record warnings and the source
 * row to remember (offsets, parser state). Nothing here touches quartet's database, so a JSON-lines
 * source can be read in a worker thread and its result committed by the main thread.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { NamedError, type Warning } from "../core/errors.js";
import { openRegularFile } from "../core/files.js";
import { linePatternProblem, readsProblem, type JsonlParser, type Observation } from "../contract/log-records.js";
import type { RuntimeId } from "../runtimes/types.js";
import { readJsonl } from "./jsonl.js";
import { normalize, rank, type Counters, type UsageRecord } from "./record.js";
import type { SourceRow } from "./store.js";
import { WarningCollector } from "./warnings.js";

const HEAD_BYTES = 4096;
const TAIL_BYTES = 4096;

/** Per-source state kept between runs. */
export interface SourceState {
  parser?: unknown;
  counters?: Counters;
  store?: unknown;
}

/** What reading one source produced; plain data, so it can cross a worker boundary. */
export interface SourceRead {
  /** The source was read again from its start: what it contributed before is forgotten first. */
  resetSourceId: number | null;
  records: UsageRecord[];
  /** Keys of records this source replaces (OpenCode step parts replacing their message). */
  superseded: string[];
  /** Per-record problems, kept with the source and shown in every report. */
  warnings: Warning[];
  row: Omit<SourceRow, "id">;
}

/** A JSON-lines file to read from an offset to the size it had when planned. */
export interface JsonlTask {
  runtime: RuntimeId;
  path: string;
  /** The module exporting the format's `parser`, as the runtime named it (SourceSpec). */
  parser: string;
  fromStart: boolean;
  knownId: number | null;
  offset: number;
  line: number;
  state: SourceState | undefined;
  dev: string;
  ino: string;
  size: number;
  mtimeMs: number;
}

/** The records of one source, keeping the most complete copy of each request. */
export class Collected {
  private readonly byKey = new Map<string, UsageRecord>();
  readonly superseded: string[] = [];

  constructor(
    readonly runtime: RuntimeId,
    private readonly counters: Counters,
  ) {}

  add(obs: Observation): void {
    if (obs.supersedes) this.superseded.push(...obs.supersedes);
    const rec = normalize(this.runtime, obs, this.counters);
    if (!rec) return;
    const prev = this.byKey.get(rec.key);
    if (!prev || rank(rec) > rank(prev)) this.byKey.set(rec.key, rec);
  }

  records(): UsageRecord[] {
    return [...this.byKey.values()];
  }
}

/**
 * Whether the part of a file read last time is still there: the same bytes at its start and just before the
 * offset read to. The head alone took a file rewritten in place with the same first lines, and longer, for
 * one that grew, and read it on from the old offset, mid-line in the new text.
 */
export function readPartUnchanged(file: string, known: ReadEnds & { readOffset: number }): boolean {
  if (known.headLen === 0 && known.tailLen === 0) return true;
  try {
    const fd = openRegularFile(file);
    try {
      return (
        (known.headLen === 0 || hashRange(fd, 0, known.headLen) === known.headHash) &&
        (known.tailLen === 0 || hashRange(fd, known.readOffset - known.tailLen, known.tailLen) === known.tailHash)
      );
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** What is kept of the two ends of the part of a source read so far (see readPartUnchanged). */
interface ReadEnds {
  headLen: number;
  headHash: string | null;
  tailLen: number;
  tailHash: string | null;
}

/** The ends of the first `offset` bytes of the file open as `fd`; the tail starts where the head ends, at the latest. */
function readEnds(fd: number, offset: number): ReadEnds {
  const headLen = Math.min(HEAD_BYTES, offset);
  const tailLen = Math.min(TAIL_BYTES, offset - headLen);
  return {
    headLen,
    headHash: headLen > 0 ? hashRange(fd, 0, headLen) : null,
    tailLen,
    tailHash: tailLen > 0 ? hashRange(fd, offset - tailLen, tailLen) : null,
  };
}

/** One per thread, reused: a new zeroed buffer for each of thousands of files cost about 12 ms per 2,500 files. */
let hashBuffer: Buffer | undefined;

/** The hash of `length` bytes of a file from `position`, read through a descriptor already open on it. */
function hashRange(fd: number, position: number, length: number): string {
  if (!hashBuffer || hashBuffer.length < length) hashBuffer = Buffer.allocUnsafe(Math.max(length, HEAD_BYTES, TAIL_BYTES));
  const buf = hashBuffer;
  const n = fs.readSync(fd, buf, 0, length, position);
  return crypto.createHash("sha1").update(buf.subarray(0, n)).digest("hex");
}

/** Loaded parsers by module URL: a module is imported once per thread, not once per file. */
const parsers = new Map<string, JsonlParser<unknown>>();

/** A runtime's log parser breaks the contract (log-records.ts): refused once, when it is loaded, not on every file. */
export const ParserContractError = NamedError.create<"ParserContractError", { message: string; runtime: string; module: string }>(
  "ParserContractError",
);

/** Adds a parser the caller bundles, under its module URL: loadParsers() then has nothing to import for it. */
export function addLoadedParser({ runtime, url, parser }: { runtime: string; url: string; parser: JsonlParser<unknown> }): void {
  const problem = linePatternProblem(parser) ?? (parser.reads ? readsProblem(parser.reads) : undefined);
  if (problem) throw new ParserContractError({ message: `${runtime}'s log parser (${modulePath(url)}): ${problem}`, runtime, module: url });
  parsers.set(url, parser);
}

/** Loads the JSON-lines parsers of these tasks (once per thread). */
export async function loadParsers(tasks: Iterable<Pick<JsonlTask, "parser" | "runtime">>): Promise<void> {
  for (const { parser: url, runtime } of tasks) {
    if (parsers.has(url)) continue;
    const module = (await import(specifier(url))) as { parser?: JsonlParser<unknown> };
    if (!module.parser) throw new Error(`${modulePath(url)} has no parser export`);
    addLoadedParser({ runtime, url, parser: module.parser });
  }
}

/**
 * Built as CommonJS (dist/statusline.cjs and dist/ledger.cjs, scripts/build.mjs), import() is compiled to require(), which
 * takes a path, not a file: URL. That build's import.meta.url is its own file's, which ends in ".cjs".
 */
const specifier = (url: string) => (import.meta.url.endsWith(".cjs") && url.startsWith("file:") ? fileURLToPath(url) : url);

const modulePath = (url: string) => (url.startsWith("file:") ? new URL(url).pathname : url);

/** Reads one JSON-lines source; its parser must have been loaded with loadParsers(). */
export function readJsonlTask(task: JsonlTask, onBytes?: (n: number) => void): SourceRead {
  const parser = parsers.get(task.parser);
  if (!parser) throw new Error(`${task.runtime} has no JSON-lines parser loaded (${task.parser})`);
  const fd = openRegularFile(task.path);
  try {
    const prior = task.fromStart ? undefined : task.state;
    const counters: Counters = prior?.counters ?? {};
    const parserState = prior?.parser ?? parser.initialState(task.path);
    const collected = new Collected(task.runtime, counters);
    const warnings = new WarningCollector(task.path);
    const read = readJsonl({
      file: task.path,
      fd,
      offset: task.fromStart ? 0 : task.offset,
      line: task.fromStart ? 0 : task.line,
      end: task.size,
      parser,
      state: parserState,
      emit: (obs) => collected.add(obs),
      warnings,
      onBytes,
    });
    return {
      resetSourceId: task.fromStart ? task.knownId : null,
      records: collected.records(),
      superseded: collected.superseded,
      warnings: warnings.list(),
      row: {
        runtime: task.runtime,
        kind: "jsonl",
        path: task.path,
        dev: task.dev,
        ino: task.ino,
        size: task.size,
        mtimeMs: task.mtimeMs,
        readOffset: read.offset,
        readLine: read.line,
        // Through the descriptor just read: opening the path again cost a second open and close per file, and
        // could hash another file put there meanwhile.
        ...readEnds(fd, read.offset),
        fingerprint: null,
        state: { parser: parserState, counters } satisfies SourceState,
      },
    };
  } finally {
    fs.closeSync(fd);
  }
}
