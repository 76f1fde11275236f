/**
 * Incremental reading of append-only JSON-lines logs.
 *
 * Reads a file from a byte offset to the size it had when the run started, in large chunks, and hands
 * complete lines to the runtime's parser. Lines are decoded for the parser only when they contain one of
 * its needles, found with native buffer search; every other line is only checked to be JSON, so each
 * broken line is named by a warning. A UTF-8 byte-order mark before a line is dropped. A last line
 * without its newline is left for the next run, unless it is already a complete JSON value: the runtime
 * may still be writing it.
 */
import fs from "node:fs";
import { isUtf8 } from "node:buffer";
import type { JsonlParser, LineContext, Observation } from "../contract/log-records.js";
import { isJsonValue } from "./json-check.js";
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
  const alsoNeeds = (r.parser.alsoNeeds ?? []).map((n) => Buffer.from(n));
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

  /** A line the parser wants: decoded and handed over. */
  const handle = (view: Buffer, s: number, e: number) => {
    ctx.line = line;
    const bytes = view.subarray(s, e);
    if (sameRecord) {
      if (previous && sameRecord(bytes, previous)) return validate(view, s, e);
      // A copy: the read buffer is reused for the next chunk.
      previous = Buffer.from(bytes);
    }
    if (!isUtf8(bytes)) r.warnings.add("invalid-utf8", "not valid UTF-8 (decoded with replacement characters)", line);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch {
      r.warnings.add("malformed-json", NOT_JSON, line);
      return;
    }
    r.parser.line(value, ctx);
  };

  /** A line the parser does not want is still checked (not decoded), so that every broken line is named. */
  const validate = (view: Buffer, s: number, e: number) => {
    if (!isJsonValue(view, s, e)) r.warnings.add("malformed-json", NOT_JSON, line);
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
      // A byte-order mark (an editor's, or a file concatenated onto another) is not part of the JSON.
      if (hasBom(view, s, nl)) s += 3;
      if (skipping) {
        skipping = false;
        r.warnings.add("line-too-long", `line longer than ${MAX_LINE_BYTES / 1024 / 1024} MB skipped`, line);
      } else if (nl > s && !blank(view, s, nl)) {
        let wanted = false;
        for (let i = 0; i < next.length; i++) {
          let at = next[i]!;
          if (at !== -1 && at < s) at = next[i] = view.indexOf(needles[i]!, s);
          if (at !== -1 && at < nl) wanted = true;
        }
        if (wanted && alsoNeeds.length > 0) wanted = containsAll(view, s, nl, alsoNeeds);
        if (!wanted) wanted = startsWithAny(view, s, nl, prefixes);
        if (wanted) handle(view, s, nl);
        else validate(view, s, nl);
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
    const start = hasBom(view, 0, len) ? 3 : 0;
    const text = view.toString("utf8", start).trim();
    if (text === "") {
      consumed += len;
    } else if (isCompleteJson(text)) {
      // Not counted as a finished line: the newline that ends it may still come, and it will count then.
      line++;
      const wanted = needles.some((nd) => view.includes(nd)) && containsAll(view, start, len, alsoNeeds);
      if (wanted || startsWithAny(view, start, len, prefixes)) handle(view, start, len);
      else validate(view, start, len);
      line--;
      consumed += len;
    }
  }
  return { offset: consumed, line };
}

const NOT_JSON = "not valid JSON (line skipped)";
function hasBom(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf;
}

/** Only spaces, tabs and carriage returns: an empty line, which JSON-lines readers pass over. */
function blank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function containsAll(buf: Buffer, start: number, end: number, needles: readonly Buffer[]): boolean {
  if (needles.length === 0) return true;
  const line = buf.subarray(start, end);
  return needles.every((n) => line.includes(n));
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
