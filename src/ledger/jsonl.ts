/**
 * Incremental reading of append-only JSON-lines logs.
 *
 * Reads a file from a byte offset to the size it had when the run started, in large chunks, and hands
 * complete lines to the runtime's parser. Lines are parsed only when they contain one of the parser's
 * needles, found with native buffer search, so the bulk of a transcript (tool output, file snapshots)
 * is never decoded. A last line without its newline is left for the next run, unless it is already a
 * complete JSON value: the runtime may still be writing it.
 */
import fs from "node:fs";
import { isUtf8 } from "node:buffer";
import type { JsonlParser, LineContext, Observation } from "../runtimes/types.js";
import type { WarningCollector } from "./warnings.js";

const CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_LINE_BYTES = 256 * 1024 * 1024;
/** Reused across files: allocating a chunk per file costs more than reading a small file. */
let sharedBuffer = Buffer.allocUnsafe(CHUNK_BYTES);

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
}

/** Returns the new offset and line number: both point just past the last complete line. */
export function readJsonl<State>(r: JsonlRead<State>): { offset: number; line: number } {
  const needles = r.parser.needles.map((n) => Buffer.from(n));
  const prefixes = (r.parser.linePrefixes ?? []).map((n) => Buffer.from(n));
  const sameRecord = r.parser.sameRecord?.bind(r.parser);
  let previous: Buffer | undefined;
  let buf = sharedBuffer;
  let len = 0;
  let consumed = r.offset;
  let filePos = r.offset;
  let line = r.line;
  let skipping = false;

  const ctx: LineContext<State> = {
    state: r.state,
    file: r.file,
    line: 0,
    emit: r.emit,
    skip: (code, message) => r.warnings.add(code, message, ctx.line),
    warn: (code, message) => r.warnings.add(code, message, ctx.line),
  };

  const handle = (view: Buffer, s: number, e: number) => {
    ctx.line = line;
    const bytes = view.subarray(s, e);
    if (sameRecord) {
      if (previous && sameRecord(bytes, previous)) return;
      // A copy: the read buffer is reused for the next chunk.
      previous = Buffer.from(bytes);
    }
    if (!isUtf8(bytes)) r.warnings.add("invalid-utf8", "not valid UTF-8 (decoded with replacement characters)", line);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch (err) {
      r.warnings.add("malformed-json", `not valid JSON: ${(err as Error).message}`, line);
      return;
    }
    r.parser.line(value, ctx);
  };

  while (filePos < r.end) {
    if (len === buf.length) {
      // No newline in a full buffer: one very long line.
      if (buf.length >= MAX_LINE_BYTES) {
        skipping = true;
        len = 0;
      } else {
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, MAX_LINE_BYTES));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
        sharedBuffer = bigger;
      }
    }
    const n = fs.readSync(r.fd, buf, len, Math.min(buf.length - len, r.end - filePos), filePos);
    if (n === 0) break;
    filePos += n;
    len += n;
    r.onBytes?.(n);

    const view = buf.subarray(0, len);
    const next = needles.map((nd) => view.indexOf(nd));
    let s = 0;
    for (;;) {
      const nl = view.indexOf(10, s);
      if (nl === -1) break;
      line++;
      if (skipping) {
        skipping = false;
        r.warnings.add("line-too-long", `line longer than ${MAX_LINE_BYTES / 1024 / 1024} MB skipped`, line);
      } else if (nl > s) {
        let wanted = false;
        for (let i = 0; i < next.length; i++) {
          let at = next[i]!;
          if (at !== -1 && at < s) at = next[i] = view.indexOf(needles[i]!, s);
          if (at !== -1 && at < nl) wanted = true;
        }
        if (!wanted) wanted = startsWithAny(view, s, nl, prefixes);
        if (wanted) handle(view, s, nl);
      }
      s = nl + 1;
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
    const view = buf.subarray(0, len);
    const text = view.toString("utf8").trim();
    if (text === "") {
      consumed += len;
    } else if (isCompleteJson(text)) {
      // Not counted as a finished line: the newline that ends it may still come, and it will count then.
      line++;
      if (needles.some((nd) => view.includes(nd)) || startsWithAny(view, 0, len, prefixes)) handle(view, 0, len);
      line--;
      consumed += len;
    }
  }
  return { offset: consumed, line };
}

function startsWithAny(buf: Buffer, start: number, end: number, prefixes: readonly Buffer[]): boolean {
  outer: for (const p of prefixes) {
    if (end - start < p.length) continue;
    for (let i = 0; i < p.length; i++) if (buf[start + i] !== p[i]) continue outer;
    return true;
  }
  return false;
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
