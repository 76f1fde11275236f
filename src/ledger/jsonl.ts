/**
 * Incremental reading of append-only JSON-lines logs.
 *
 * Reads a file from a byte offset to the size it had when the run started, in large chunks, and hands
 * complete lines to the runtime's parser. The WebAssembly line scanner (line-scan.ts) goes through each
 * chunk at once, finding its lines, which of them the parser wants (its needles and prefixes) and which
 * are not JSON; only wanted lines are decoded, and each broken line is named by a warning. A UTF-8 byte-order mark before a line is dropped. A last line
 * without its newline is left for the next run, unless it is already a complete JSON value: the runtime
 * may still be writing it.
 */
import fs from "node:fs";
import { isUtf8 } from "node:buffer";
import type { JsonlParser, LineContext, Observation } from "../contract/log-records.js";
import { BLANK, BOM, LineScanner, type ReadNode, VALID, WANTED, lineScanner, separateLineScanner } from "./line-scan.js";
import { project, readNodes } from "./projection.js";
import type { WarningCollector } from "./warnings.js";

const CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_LINE_BYTES = 256 * 1024 * 1024;

export interface JsonlRead<State> {
  file: string;
  fd: number;
  /** Byte offset and line number already consumed. */
  offset: number;
  line: number;
  /** Read up to this byte offset (the size seen when the run started). */
  end: number;
  parser: JsonlParser<State>;
  state: State;
  emit(o: Observation): void;
  warnings: WarningCollector;
  onBytes?(n: number): void;
  /** Tests only: a read buffer of `chunkBytes` growing to at most `maxLineBytes`, in a scanner of its own. */
  limits?: { chunkBytes: number; maxLineBytes: number };
}

/** Returns the new offset and line number: both point just past the last complete line. */
export function readJsonl<State>(r: JsonlRead<State>): { offset: number; line: number } {
  const scanner = r.limits ? separateLineScanner(r.limits.chunkBytes) : lineScanner(CHUNK_BYTES);
  const maxLineBytes = r.limits?.maxLineBytes ?? MAX_LINE_BYTES;
  const reads = r.parser.reads && readsOf(r.parser);
  scanner.useParser(r.parser as JsonlParser<unknown>, reads?.nodes);
  const sameRecord = r.parser.sameRecord?.bind(r.parser);
  let previous: Buffer | undefined;
  /** `previous` still points into the read buffer, which the next chunk overwrites. */
  let previousInBuffer = false;
  let len = 0;
  let consumed = r.offset;
  let filePos = r.offset;
  let line = r.line;
  let skipping = false;
  /** Where the line being skipped starts. */
  let skipFrom = 0;

  const ctx: LineContext<State> = {
    state: r.state,
    file: r.file,
    line: 0,
    emit: r.emit,
    skip: (code, message) => r.warnings.add(code, message, ctx.line),
    warn: (code, message, ...value) => r.warnings.add(code, message, ctx.line, value.length > 0 ? { value: value[0] } : {}),
  };

  /** A line the parser wants: decoded and handed over. */
  const handle = (s: number, e: number, valid: boolean) => {
    ctx.line = line;
    const bytes = scanner.data.subarray(s, e);
    if (sameRecord) {
      if (previous && sameRecord(bytes, previous)) {
        if (!valid) r.warnings.add("malformed-json", NOT_JSON, line);
        return;
      }
      // Copied only when the read buffer is about to be reused, not once per line.
      previous = bytes;
      previousInBuffer = true;
    }
    const utf8 = isUtf8(bytes);
    if (!utf8) r.warnings.add("invalid-utf8", "not valid UTF-8 (decoded with replacement characters)", line);
    // The scanner judges lines as JSON.parse does, so a line it rejects is not decoded. Only a valid UTF-8 line
    // is projected: its values are decoded one by one, which equals decoding the line only when no replacement
    // character is involved.
    const value = !valid
      ? NOT_PARSED
      : ((reads && utf8 ? project(scanner, s, reads.keys, reads.parents) : undefined) ?? parsed(bytes.toString("utf8")));
    if (value === NOT_PARSED) r.warnings.add("malformed-json", NOT_JSON, line);
    else r.parser.line(value, ctx);
  };

  /** A scanned line: handed to the parser if it wants it, else only named when it is not JSON. */
  const take = (s: number, e: number, flags: number) => {
    if (flags & BLANK) return;
    if (flags & BOM) s += 3;
    if (flags & WANTED) handle(s, e, (flags & VALID) !== 0);
    else if (!(flags & VALID)) r.warnings.add("malformed-json", NOT_JSON, line);
  };

  while (filePos < r.end) {
    if (len === scanner.capacity) {
      // No newline in a full buffer: one very long line.
      if (scanner.capacity >= maxLineBytes) {
        skipping = true;
        skipFrom = consumed;
        consumed += len;
        len = 0;
      } else {
        scanner.grow(Math.min(scanner.capacity * 2, maxLineBytes));
      }
    }
    const buf = scanner.data;
    const n = fs.readSync(r.fd, buf, len, Math.min(buf.length - len, r.end - filePos), filePos);
    if (n === 0) break;
    filePos += n;
    len += n;
    r.onBytes?.(n);

    let s = 0;
    for (;;) {
      const count = scanner.scan(len, s);
      const results = scanner.results;
      for (let k = 0; k < count; k++) {
        const nl = results[2 * k]!;
        line++;
        if (skipping) {
          skipping = false;
          r.warnings.add("line-too-long", `line longer than ${sizeText(maxLineBytes)} skipped`, line);
        } else {
          take(s, nl, results[2 * k + 1]!);
        }
        s = nl + 1;
      }
      if (count < LineScanner.maxLines) break;
    }
    if (previousInBuffer) {
      previous = Buffer.from(previous!);
      previousInBuffer = false;
    }
    consumed += s;
    if (skipping) {
      consumed += len - s;
      len = 0;
    } else {
      buf.copy(buf, 0, s, len);
      len -= s;
    }
  }

  // The tail without a newline: complete only if it is already a whole JSON value.
  if (len > 0 && !skipping && filePos >= r.end) {
    const view = scanner.data.subarray(0, len);
    const start = hasBom(view, 0, len) ? 3 : 0;
    const text = view.toString("utf8", start).trim();
    if (text === "") {
      consumed += len;
    } else if (parsed(text) !== NOT_PARSED) {
      // Not counted as a finished line: the newline that ends it may still come, and it will count then.
      line++;
      take(0, len, scanner.tail(len, 0));
      line--;
      consumed += len;
    }
  }
  // A long line not finished by the end of the read (still being written): the next run reads it again
  // from its start, to name it once its newline has come. Starting inside it would call its rest broken JSON.
  if (skipping) return { offset: skipFrom, line };
  return { offset: consumed, line };
}

const NOT_JSON = "not valid JSON (line skipped)";
const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MB` : `${bytes} bytes`);
function hasBom(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf;
}

/** A parser's declared reads in the scanner's form, made once per parser. */
const readTrees = new WeakMap<JsonlParser<unknown>, { nodes: ReadNode[]; keys: string[]; parents: number[] }>();
function readsOf(parser: JsonlParser<unknown>) {
  let tree = readTrees.get(parser);
  if (!tree) {
    const nodes = readNodes(parser.reads!);
    tree = { nodes, keys: nodes.map((n) => n.key.toString()), parents: nodes.map((n) => n.parent) };
    readTrees.set(parser, tree);
  }
  return tree;
}

const NOT_PARSED = Symbol("not JSON");
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_PARSED;
  }
}
