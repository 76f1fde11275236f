/**
 * Checks that a byte range holds exactly one JSON value (RFC 8259, as JSON.parse accepts it), without
 * building it. The ledger checks every log line it does not need to decode, so that each broken line is
 * named; this is about 2.5× faster than JSON.parse on transcript lines, which are mostly long strings.
 *
 * String contents are scanned four bytes at a time without a bounds check: a scan stops at the first
 * quote, backslash or control character, or at the end of the buffer. The byte after a log line is its
 * newline, a control character, so a scan never runs past the line.
 */

/** Bytes that end a run of plain string content: the quote, the backslash and control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[0x22] = 1;
STRING_STOP[0x5c] = 1;

const enum Expect {
  Value,
  /** A value or `]`, just after `[`. */
  ValueOrClose,
  /** A key or `}`, just after `{`. */
  KeyOrClose,
  /** A key, after a comma in an object. */
  Key,
  Colon,
  /** `,` or the end of the current container. */
  CommaOrClose,
}

const OBJECT = 1;
const ARRAY = 2;

export function isJsonValue(b: Uint8Array, start: number, end: number): boolean {
  const stack: number[] = [];
  let i = start;
  let expect = Expect.Value;
  for (;;) {
    let c = b[i];
    while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = b[++i];
    if (i >= end) return false;
    switch (expect) {
      case Expect.Value:
      case Expect.ValueOrClose:
        if (c === 0x7b) {
          stack.push(OBJECT);
          expect = Expect.KeyOrClose;
          i++;
          continue;
        }
        if (c === 0x5b) {
          stack.push(ARRAY);
          expect = Expect.ValueOrClose;
          i++;
          continue;
        }
        if (c === 0x5d && expect === Expect.ValueOrClose) {
          stack.pop();
          i++;
        } else {
          i = scalarEnd(b, i, end);
          if (i < 0) return false;
        }
        if (stack.length === 0) return onlySpace(b, i, end);
        expect = Expect.CommaOrClose;
        continue;
      case Expect.KeyOrClose:
      case Expect.Key:
        if (c === 0x7d && expect === Expect.KeyOrClose) {
          stack.pop();
          i++;
          if (stack.length === 0) return onlySpace(b, i, end);
          expect = Expect.CommaOrClose;
          continue;
        }
        if (c !== 0x22) return false;
        i = stringEnd(b, i + 1, end);
        if (i < 0) return false;
        expect = Expect.Colon;
        continue;
      case Expect.Colon:
        if (c !== 0x3a) return false;
        i++;
        expect = Expect.Value;
        continue;
      case Expect.CommaOrClose: {
        const top = stack[stack.length - 1];
        if (c === 0x2c) {
          i++;
          expect = top === OBJECT ? Expect.Key : Expect.Value;
          continue;
        }
        if ((c === 0x7d && top === OBJECT) || (c === 0x5d && top === ARRAY)) {
          stack.pop();
          i++;
          if (stack.length === 0) return onlySpace(b, i, end);
          continue;
        }
        return false;
      }
    }
  }
}

function onlySpace(b: Uint8Array, i: number, end: number): boolean {
  for (; i < end; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/** The end of a string, a number or a literal starting at `i`; -1 when it is not one. */
function scalarEnd(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c === 0x22) return stringEnd(b, i + 1, end);
  if (c === 0x74) return literal(b, i, end, TRUE);
  if (c === 0x66) return literal(b, i, end, FALSE);
  if (c === 0x6e) return literal(b, i, end, NULL);
  return numberEnd(b, i, end);
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function literal(b: Uint8Array, i: number, end: number, word: readonly number[]): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

function numberEnd(b: Uint8Array, i: number, end: number): number {
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30) i++;
  else if (b[i]! >= 0x31 && b[i]! <= 0x39) while (isDigit(b[++i]));
  else return -1;
  if (b[i] === 0x2e) {
    if (!isDigit(b[++i])) return -1;
    while (isDigit(b[++i]));
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[++i]));
  }
  return i <= end ? i : -1;
}

const isHex = (c: number | undefined) =>
  c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));

/** The index just past the closing quote of a string whose content starts at `i`; -1 when it is invalid. */
function stringEnd(b: Uint8Array, i: number, end: number): number {
  for (;;) {
    // Plain content, four bytes a step: the hot loop of the whole check.
    for (;;) {
      if (STRING_STOP[b[i]!] !== 0) break;
      if (STRING_STOP[b[i + 1]!] !== 0) {
        i += 1;
        break;
      }
      if (STRING_STOP[b[i + 2]!] !== 0) {
        i += 2;
        break;
      }
      if (STRING_STOP[b[i + 3]!] !== 0) {
        i += 3;
        break;
      }
      i += 4;
    }
    if (i >= end) return -1;
    const c = b[i];
    if (c === 0x22) return i + 1;
    if (c !== 0x5c) return -1; // a raw control character
    const e = b[i + 1];
    if (e === 0x75) {
      if (!(isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5])) || i + 6 > end) return -1;
      i += 6;
    } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
    } else {
      return -1;
    }
  }
}
