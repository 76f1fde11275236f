/**
 * The JSON-lines reader's scanner, compiled to WebAssembly (AssemblyScript; built by scripts/build.mjs,
 * loaded by line-scan.ts). One call goes through a whole chunk of a log and records, for each complete
 * line, where it ends and what it is: blank, starting with a byte-order mark, one valid JSON value (as
 * JSON.parse would judge it) and wanted by the parser (its needles and prefixes). Strings, most of a log's
 * bytes, and the searches go sixteen bytes a step.
 *
 * Memory is laid out by line-scan.ts: the pattern table at `patternBase()`, the per-line results, the data,
 * then the nesting stack (a bit per level: a line nests no deeper than it is long). The byte after the data
 * is set to a newline, so every scan stops there.
 */

// Per-line flags; keep in step with line-scan.ts.
const VALID: u32 = 1;
const BLANK: u32 = 2;
const BOM: u32 = 4;
const WANTED: u32 = 8;

// Pattern kinds: a line is wanted when it holds any NEEDLE and every ALSO_NEEDS, or starts with a PREFIX.
const NEEDLE: u8 = 0;
const ALSO_NEEDS: u8 = 1;
const PREFIX: u8 = 2;
/** Each pattern: kind, length, the two probe offsets, then its bytes. */
const PATTERN_SLOT: usize = 256;

let patternCount: i32 = 0;
let stackBase: usize = 0;
/** Where the line last looked at ends (its newline). */
let lineEnd: usize = 0;

export function patternBase(): usize {
  return (__heap_base + 15) & ~15;
}

export function setPatterns(count: i32): void {
  patternCount = count;
}

/** Lines scanned by the last scan() call, each as [end offset, flags] at `out`. */
export function scan(data: usize, len: usize, from: usize, out: usize, maxLines: i32, stack: usize): i32 {
  stackBase = stack;
  store<u8>(data + len, 10);
  let s = data + from;
  let n = 0;
  while (n < maxLines) {
    const flags = lineAt(s);
    if (lineEnd >= data + len) break;
    store<u32>(out + (usize(n) << 3), <u32>(lineEnd - data));
    store<u32>(out + (usize(n) << 3) + 4, flags);
    n++;
    s = lineEnd + 1;
  }
  return n;
}

/** The flags of the data from `from` to `len` as one line (a last line without its newline). */
export function tail(data: usize, len: usize, from: usize, stack: usize): u32 {
  stackBase = stack;
  store<u8>(data + len, 10);
  return lineAt(data + from);
}

function lineAt(start: usize): u32 {
  let s = start;
  let flags: u32 = 0;
  if (load<u8>(s) == 0xef && load<u8>(s + 1) == 0xbb && load<u8>(s + 2) == 0xbf) {
    flags |= BOM;
    s += 3;
  }
  let i = skipSpace(s);
  if (load<u8>(i) == 10) {
    lineEnd = i;
    return flags | BLANK;
  }
  const stop = jsonEnd(i);
  if (stop >= 0) {
    i = skipSpace(usize(stop));
    if (load<u8>(i) == 10) flags |= VALID;
  } else {
    i = usize(-stop);
  }
  lineEnd = load<u8>(i) == 10 ? i : findNewline(i);
  if (wanted(s, lineEnd)) flags |= WANTED;
  return flags;
}

function findNewline(i: usize): usize {
  const nl = i8x16.splat(10);
  for (;;) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(i), nl));
    if (m != 0) return i + ctz(m);
    i += 16;
  }
  return unreachable();
}

// ---- Validation: a JSON state machine over one line, with the line's newline as its end. ----

const enum Expect {
  Value,
  ValueOrClose,
  KeyOrClose,
  Key,
  Colon,
  CommaOrClose,
}

/** Just past the JSON value starting at `i`, or minus the position where it went wrong. */
function jsonEnd(start: usize): isize {
  let i = start;
  let depth: usize = 0;
  let expect = Expect.Value;
  for (;;) {
    let c = load<u8>(i);
    while (c == 0x20 || c == 0x09 || c == 0x0d) c = load<u8>(++i);
    if (c == 10) return -isize(i);
    switch (expect) {
      case Expect.Value:
      case Expect.ValueOrClose: {
        if (c == 0x7b || c == 0x5b) {
          push(depth++, c == 0x7b);
          expect = c == 0x7b ? Expect.KeyOrClose : Expect.ValueOrClose;
          i++;
          continue;
        }
        if (c == 0x5d && expect == Expect.ValueOrClose) {
          depth--;
          i++;
        } else {
          const e = c == 0x22 ? stringEnd(i + 1) : scalarEnd(i);
          if (e < 0) return e;
          i = usize(e);
        }
        if (depth == 0) return isize(i);
        // The usual next byte, without a round through the loop.
        if (load<u8>(i) == 0x2c) {
          i++;
          expect = top(depth) ? Expect.Key : Expect.Value;
          continue;
        }
        expect = Expect.CommaOrClose;
        continue;
      }
      case Expect.KeyOrClose:
      case Expect.Key: {
        if (c == 0x7d && expect == Expect.KeyOrClose) {
          depth--;
          i++;
          if (depth == 0) return isize(i);
          expect = Expect.CommaOrClose;
          continue;
        }
        if (c != 0x22) return -isize(i);
        const e = stringEnd(i + 1);
        if (e < 0) return e;
        i = usize(e);
        if (load<u8>(i) == 0x3a) {
          i++;
          expect = Expect.Value;
          continue;
        }
        expect = Expect.Colon;
        continue;
      }
      case Expect.Colon: {
        if (c != 0x3a) return -isize(i);
        i++;
        expect = Expect.Value;
        continue;
      }
      default: {
        const inObject = top(depth);
        if (c == 0x2c) {
          i++;
          expect = inObject ? Expect.Key : Expect.Value;
          continue;
        }
        if ((c == 0x7d && inObject) || (c == 0x5d && !inObject)) {
          depth--;
          i++;
          if (depth == 0) return isize(i);
          continue;
        }
        return -isize(i);
      }
    }
  }
}

function push(depth: usize, object: bool): void {
  const at = stackBase + (depth >> 3);
  const bit = u8(1 << u8(depth & 7));
  store<u8>(at, object ? load<u8>(at) | bit : load<u8>(at) & ~bit);
}

function top(depth: usize): bool {
  const d = depth - 1;
  return ((load<u8>(stackBase + (d >> 3)) >> (<u8>(d & 7))) & 1) != 0;
}

function scalarEnd(i: usize): isize {
  const c = load<u8>(i);
  // true, false, null: compared as one word; the newline ends the line before any can run past it.
  if (c == 0x74) return load<u32>(i) == 0x65757274 ? <isize>(i + 4) : -isize(i);
  if (c == 0x6e) return load<u32>(i) == 0x6c6c756e ? <isize>(i + 4) : -isize(i);
  if (c == 0x66) return load<u32>(i + 1) == 0x65736c61 ? <isize>(i + 5) : -isize(i);
  return numberEnd(i);
}

function isDigit(c: u8): bool {
  return u8(c - 0x30) < 10;
}

function numberEnd(start: usize): isize {
  let i = start;
  if (load<u8>(i) == 0x2d) i++;
  let c = load<u8>(i);
  if (c == 0x30) c = load<u8>(++i);
  else if (c >= 0x31 && c <= 0x39) {
    do c = load<u8>(++i);
    while (isDigit(c));
  } else return -isize(i);
  if (c == 0x2e) {
    c = load<u8>(++i);
    if (!isDigit(c)) return -isize(i);
    do c = load<u8>(++i);
    while (isDigit(c));
  }
  if (c == 0x65 || c == 0x45) {
    c = load<u8>(++i);
    if (c == 0x2b || c == 0x2d) c = load<u8>(++i);
    if (!isDigit(c)) return -isize(i);
    do c = load<u8>(++i);
    while (isDigit(c));
  }
  return isize(i);
}

function isHex(c: u8): bool {
  return u8(c - 0x30) < 10 || u8((c | 0x20) - 0x61) < 6;
}

/** Just past the closing quote of a string whose content starts at `i`, or minus where it went wrong. */
function stringEnd(start: usize): isize {
  let i = start;
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  for (;;) {
    // Plain content sixteen bytes a step, up to a quote, a backslash or a control character (the newline
    // at the latest).
    for (;;) {
      const v = v128.load(i);
      const stop = v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_u(v, space));
      const m = i8x16.bitmask(stop);
      if (m != 0) {
        i += ctz(m);
        break;
      }
      i += 16;
    }
    const c = load<u8>(i);
    if (c == 0x22) return isize(i + 1);
    if (c != 0x5c) return -isize(i); // a raw control character
    escaped = true;
    const e = load<u8>(i + 1);
    if (e == 0x75) {
      if (!(isHex(load<u8>(i + 2)) && isHex(load<u8>(i + 3)) && isHex(load<u8>(i + 4)) && isHex(load<u8>(i + 5)))) return -isize(i);
      i += 6;
    } else if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) {
      i += 2;
    } else {
      return -isize(i);
    }
  }
  return unreachable();
}

/** Set by stringEnd when a string it went through had an escape (reset by whoever asks). */
let escaped = false;

// ---- Projection: where the values of the keys a parser reads are, in one valid line ----

/**
 * Each node of the key tree (breadth first, the line's object's keys first): parent node (-1: the line's
 * object), leaf or not, key length, first child, number of children, key bytes.
 */
const NODE_SLOT: usize = 64;
const NODE_KEY: usize = 8;
/** An event's node field: the value is a string without escapes. */
const PLAIN: u32 = 0x80000000;

let nodeBase: usize = 0;
let rootCount: i32 = 0;
let eventOut: usize = 0;
let eventCount: i32 = 0;
let eventMax: i32 = 0;

export function setReads(base: usize, roots: i32): void {
  nodeBase = base;
  rootCount = roots;
}

/**
 * The values of the declared keys in the valid line [start, newline), in document order, as events of three
 * u32 at `out`: node (PLAIN set for a string without escapes), start and end of the value; end 0 for an object
 * opened at an inner node, whose children's events follow. Returns how many, or -1 when the line is not an
 * object, a key of a followed object has an escape (it might be a declared key), or there are over `max`.
 */
export function project(start: usize, out: usize, max: i32): i32 {
  eventOut = out;
  eventCount = 0;
  eventMax = max;
  const i = skipSpace(start);
  if (load<u8>(i) != 0x7b) return -1;
  return walkObject(i, -1) < 0 ? -1 : eventCount;
}

function skipSpace(i: usize): usize {
  let c = load<u8>(i);
  while (c == 0x20 || c == 0x09 || c == 0x0d) c = load<u8>(++i);
  return i;
}

/** Goes through the object at `i` whose node is `node`; just past it, or -1. */
function walkObject(start: usize, node: i32): isize {
  let i = skipSpace(start + 1);
  if (load<u8>(i) == 0x7d) return isize(i + 1);
  for (;;) {
    // At a key's opening quote.
    escaped = false;
    const keyEnd = usize(stringEnd(i + 1));
    if (escaped) return -1;
    const child = childOf(node, i + 1, keyEnd - 1 - (i + 1));
    i = skipSpace(skipSpace(keyEnd) + 1);
    if (child >= 0) {
      const p = nodeBase + usize(child) * NODE_SLOT;
      if (load<u8>(p + 4) == 0 && load<u8>(i) == 0x7b) {
        if (!event(u32(child), i, 0)) return -1;
        const e = walkObject(i, child);
        if (e < 0) return -1;
        i = usize(e);
      } else {
        escaped = false;
        const e = valueEnd(i);
        const plain = load<u8>(i) == 0x22 && !escaped;
        if (!event(u32(child) | (plain ? PLAIN : 0), i, e)) return -1;
        i = e;
      }
    } else {
      i = valueEnd(i);
    }
    i = skipSpace(i);
    if (load<u8>(i) == 0x7d) return isize(i + 1);
    i = skipSpace(i + 1); // past the comma
  }
  return unreachable();
}

function event(node: u32, s: usize, e: usize): bool {
  if (eventCount >= eventMax) return false;
  const at = eventOut + usize(eventCount) * 12;
  store<u32>(at, node);
  store<u32>(at + 4, u32(s));
  store<u32>(at + 8, u32(e));
  eventCount++;
  return true;
}

/** The node under `parent` whose key is the `n` bytes at `key`, or -1. */
function childOf(parent: i32, key: usize, n: usize): i32 {
  let first: i32 = 0;
  let count = rootCount;
  if (parent >= 0) {
    const p = nodeBase + usize(parent) * NODE_SLOT;
    first = i32(load<u8>(p + 6));
    count = i32(load<u8>(p + 7));
  }
  for (let k = first; k < first + count; k++) {
    const p = nodeBase + usize(k) * NODE_SLOT;
    if (usize(load<u8>(p + 5)) == n && same(key, p + NODE_KEY, n)) return k;
  }
  return -1;
}

/** Just past the (valid) value at `i`. */
function valueEnd(i: usize): usize {
  let c = load<u8>(i);
  if (c == 0x22) return usize(stringEnd(i + 1));
  if (c == 0x7b || c == 0x5b) {
    let depth = 0;
    for (;;) {
      c = load<u8>(i);
      if (c == 0x22) {
        i = usize(stringEnd(i + 1));
        continue;
      }
      if (c == 0x7b || c == 0x5b) depth++;
      else if (c == 0x7d || c == 0x5d) {
        if (--depth == 0) return i + 1;
      }
      i++;
    }
  }
  // A number or a literal: up to what follows it.
  while (!(c == 0x2c || c == 0x7d || c == 0x5d || c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a)) c = load<u8>(++i);
  return i;
}

// ---- Which lines the parser wants ----

function wanted(s: usize, e: usize): bool {
  let any = false;
  const base = patternBase();
  for (let k = 0; k < patternCount; k++) {
    const p = base + usize(k) * PATTERN_SLOT;
    if (load<u8>(p) == NEEDLE && contains(s, e, p)) {
      any = true;
      break;
    }
  }
  if (any) {
    for (let k = 0; k < patternCount; k++) {
      const p = base + usize(k) * PATTERN_SLOT;
      if (load<u8>(p) == ALSO_NEEDS && !contains(s, e, p)) {
        any = false;
        break;
      }
    }
  }
  if (any) return true;
  for (let k = 0; k < patternCount; k++) {
    const p = base + usize(k) * PATTERN_SLOT;
    if (load<u8>(p) == PREFIX) {
      const n = usize(load<u8>(p + 1));
      if (e - s >= n && same(s, p + 4, n)) return true;
    }
  }
  return false;
}

/**
 * Whether [s, e) holds the pattern at `p`: sixteen candidate positions a step, kept when two of its bytes
 * (chosen by line-scan.ts to be rare ones) are where they would be, then compared in full.
 */
function contains(s: usize, e: usize, p: usize): bool {
  const n = usize(load<u8>(p + 1));
  if (e - s < n) return false;
  const a = usize(load<u8>(p + 2));
  const b = usize(load<u8>(p + 3));
  const first = i8x16.splat(load<u8>(p + 4 + a));
  const second = i8x16.splat(load<u8>(p + 4 + b));
  const last = e - n; // the last position where the pattern fits
  for (let i = s; i <= last; i += 16) {
    let m = i8x16.bitmask(v128.and(i8x16.eq(v128.load(i + a), first), i8x16.eq(v128.load(i + b), second)));
    while (m != 0) {
      const at = i + ctz(m);
      if (at > last) break;
      if (same(at, p + 4, n)) return true;
      m &= m - 1;
    }
  }
  return false;
}

function same(a: usize, b: usize, n: usize): bool {
  for (let k: usize = 0; k < n; k++) if (load<u8>(a + k) != load<u8>(b + k)) return false;
  return true;
}
