import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import type { JsonlParser } from "../contract/log-records.js";
import { readJsonl } from "./jsonl.js";
import { BLANK, BOM, LineScanner, VALID, WANTED, lineScanner } from "./line-scan.js";
import { WarningCollector } from "./warnings.js";

const scanner = lineScanner(1 << 20);

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** The flags of one line, scanned as a line among others and as a last line without its newline. */
function flagsOf(line: Buffer, patterns: [string[], string[], string[]] = [[], [], []]): number {
  scanner.setPatterns(...patterns);
  // Stale bytes after the data must not matter: the scanner stops at the end it is given.
  scanner.data.fill(0x61, 0, 3 * line.length + 64);
  line.copy(scanner.data, 0);
  scanner.data[line.length] = 10;
  const next = Buffer.from('{"next":1}\n{"cut":');
  next.copy(scanner.data, line.length + 1);
  expect(scanner.scan(line.length + 1 + next.length, 0)).toBe(2);
  expect(scanner.results[0]).toBe(line.length);
  const flags = scanner.results[1]!;
  expect(scanner.results[3]! & VALID).toBe(VALID);
  expect(scanner.tail(line.length, 0)).toBe(flags);
  return flags;
}

/** What the reader must conclude about a line (without newlines) according to JSON.parse. */
function expected(line: Buffer): number {
  const bom = line.length >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf;
  const body = bom ? line.subarray(3) : line;
  if (/^[ \t\r]*$/.test(body.toString("latin1"))) return (bom ? BOM : 0) | BLANK;
  return (bom ? BOM : 0) | (parses(body.toString("utf8")) ? VALID : 0);
}

const withoutNewlines = (b: Buffer) => Buffer.from(b.map((c) => (c === 10 ? 0x20 : c)));
const utf8 = (text: string) => withoutNewlines(Buffer.from(text, "utf8"));

/** A JSON line mutated the ways a log line gets broken: cut short, a byte changed, a byte inserted. */
const mutated = fc
  .tuple(
    fc.oneof(
      fc.json(),
      fc.anything().map((v) => JSON.stringify(v) ?? "null"),
    ),
    fc.nat(),
    fc.oneof(
      fc.constant("cut"),
      fc.integer({ min: 0, max: 255 }).map((b) => ["flip", b] as const),
      fc
        .constantFrom(
          0x00,
          0x01,
          0x09,
          0x0d,
          0x1f,
          0x20,
          0x22,
          0x2c,
          0x2d,
          0x2e,
          0x30,
          0x3a,
          0x5b,
          0x5c,
          0x5d,
          0x65,
          0x75,
          0x7b,
          0x7d,
          0x7f,
          0x80,
          0xc3,
          0xef,
        )
        .map((b) => ["insert", b] as const),
    ),
  )
  .map(([json, at, how]) => {
    const b = Buffer.from(json, "utf8");
    const i = b.length === 0 ? 0 : at % b.length;
    if (how === "cut") return b.subarray(0, i);
    const [op, byte] = how;
    if (op === "flip") return Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i + 1)]);
    return Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
  })
  .map(withoutNewlines);

describe("line scanner", () => {
  it.each([
    '{"a":1}',
    ' { "a" : [1, -2.5e+3, true, false, null, "x\\n\\u00e9\\"", {}, []] } \r',
    '"just a string"',
    "42",
    "-0.5E-7",
    "[]",
    '{"nested":{"deep":[[[{"k":"v"}]]]}}',
    '{"unicode":"héllo ✓ 😀","lone":"\\ud800"}',
    "[" + "[".repeat(10_000) + "]".repeat(10_000) + "]",
  ])("accepts %s", (text) => {
    expect(flagsOf(utf8(text))).toBe(VALID);
  });

  it.each([
    "hello world",
    '{"a":1',
    '{"a":1}}',
    '{"a":1}{"b":2}',
    '{"a" 1}',
    '{"a":1,}',
    "[1,]",
    '{"a":01}',
    '{"a":1.}',
    '{"a":1e}',
    '{"a":"x\\q"}',
    '{"a":"x\\u12"}',
    '{"a":"x\\u12g4"}',
    '{"a":"tab\there"}',
    '{"a":tru}',
    '{"a":nul}',
    '{"a":fals}',
    '{"a":-}',
    "{'a':1}",
    '{"a":1} x',
    '{"a":1}\v',
    "[" + "[".repeat(10_000) + "]".repeat(9_999),
    '{"parentUuid":"x","message":{"content":"cut off{"parentUuid":"y"}}',
  ])("rejects %j", (text) => {
    expect(flagsOf(utf8(text))).toBe(0);
  });

  it("tells blank lines and byte-order marks apart from the JSON", () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(flagsOf(Buffer.from(""))).toBe(BLANK);
    expect(flagsOf(Buffer.from(" \t\r"))).toBe(BLANK);
    expect(flagsOf(bom)).toBe(BOM | BLANK);
    expect(flagsOf(Buffer.concat([bom, Buffer.from('{"a":1}')]))).toBe(BOM | VALID);
    expect(flagsOf(Buffer.concat([bom, bom, Buffer.from('{"a":1}')]))).toBe(BOM);
    expect(flagsOf(Buffer.from(" \ufeff{}"))).toBe(0);
  });

  it("judges any line as JSON.parse does: arbitrary text, JSON, broken JSON and arbitrary bytes", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "grapheme-ascii" }).map(utf8),
          fc.string({ unit: "binary" }).map(utf8),
          fc.json().map(utf8),
          fc.anything().map((v) => utf8(JSON.stringify(v) ?? "")),
          mutated,
          fc.uint8Array({ maxLength: 40 }).map((a) => withoutNewlines(Buffer.from(a))),
        ),
        (line) => {
          expect(flagsOf(line)).toBe(expected(line));
        },
      ),
      { numRuns: 30_000 },
    );
  });

  it("finds needles and prefixes anywhere in a line, at its ends included, and nothing beyond it", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "b", '"', "{", "}", ":", "\\", " "), maxLength: 60 });
    const pattern = fc.string({ unit: fc.constantFrom("a", "b", '"', "{"), minLength: 1, maxLength: 6 });
    const patterns = fc.tuple(
      fc.array(pattern, { maxLength: 3 }),
      fc.array(pattern, { maxLength: 2 }),
      fc.array(pattern, { maxLength: 2 }),
    );
    fc.assert(
      fc.property(text, patterns, fc.boolean(), (line, [needles, alsoNeeds, prefixes], bom) => {
        const wanted =
          (needles.some((n) => line.includes(n)) && alsoNeeds.every((n) => line.includes(n))) || prefixes.some((p) => line.startsWith(p));
        const bytes = Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(line)]);
        const flags = flagsOf(bytes, [needles, alsoNeeds, prefixes]);
        if (!(flags & BLANK)) expect((flags & WANTED) !== 0).toBe(wanted);
      }),
      { numRuns: 20_000 },
    );
  });

  it("finds needles in valid lines: in keys, in values and across escaped quotes in strings", () => {
    const word = fc.constantFrom("usage", "assistant", 'say "usage', 'usage"', "usage\\", "xusage", "usag", "u", "", "\n", "é");
    const value = fc.oneof(word, fc.integer(), fc.constant(null));
    const line = fc.oneof(
      fc.dictionary(word, fc.oneof(value, fc.array(value, { maxLength: 3 })), { maxKeys: 4 }),
      fc.array(value, { maxLength: 4 }),
      word,
    );
    const needle = fc.constantFrom('"usage"', '"assistant"', '"u"', '""', '"usage', 'usage"', "usage", '"é"');
    fc.assert(
      fc.property(
        line,
        fc.array(needle, { maxLength: 3 }),
        fc.array(needle, { maxLength: 2 }),
        fc.boolean(),
        (value, needles, alsoNeeds, bom) => {
          const text = JSON.stringify(value);
          const wanted = needles.some((n) => text.includes(n)) && alsoNeeds.every((n) => text.includes(n));
          const bytes = Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text)]);
          const flags = flagsOf(bytes, [needles, alsoNeeds, []]);
          expect(flags & VALID).toBe(VALID);
          expect((flags & WANTED) !== 0).toBe(wanted);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it("reports at most a bounded number of lines per call, and goes on from where it stopped", () => {
    scanner.setPatterns([], [], []);
    const lines = LineScanner.maxLines + 10;
    scanner.data.fill(10, 0, lines);
    expect(scanner.scan(lines, 0)).toBe(LineScanner.maxLines);
    expect(scanner.results[2 * LineScanner.maxLines - 2]).toBe(LineScanner.maxLines - 1);
    expect(scanner.scan(lines, LineScanner.maxLines)).toBe(10);
  });
});

describe("readJsonl with the scanner", () => {
  it("reads many chunks of mixed lines as a line-by-line reading with JSON.parse would", () => {
    // Lines of every kind and length, so that lines, needles and byte-order marks fall on chunk boundaries.
    const rng = fc.sample(
      fc.oneof(
        fc.json().map((j) => `{"usage":${j},"pad":"${"p".repeat(j.length * 37)}"}`),
        fc.json(),
        mutated.map((b) => b.toString("latin1")),
        fc.constantFrom("", "  ", '\ufeff{"usage":1}', "\ufeff", '{"type":"mark","x":"usage"}', "not json usage"),
      ),
      { numRuns: 40_000, seed: 7 },
    );
    const lines = rng.map((l) => l.replace(/\n/g, " "));
    const file = path.join(tempDir(), "mixed.jsonl");
    fs.writeFileSync(
      file,
      lines.map((l) => Buffer.from(l, l.startsWith("\ufeff") || /[^\x00-\xff]/.test(l) ? "utf8" : "latin1")).join("\n") + "\n",
    );
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(9 * 1024 * 1024);

    const parser: JsonlParser<unknown[]> = {
      needles: ['"usage"'],
      linePrefixes: ['{"type":"mark"'],
      initialState: () => [],
      line: (value, ctx) => void ctx.state.push([ctx.line, value]),
    };
    const state: unknown[] = [];
    const warnings = new WarningCollector(file);
    const fd = fs.openSync(file, "r");
    const at = readJsonl({ file, fd, offset: 0, line: 0, end: bytes.length, parser, state, emit: () => {}, warnings });
    fs.closeSync(fd);

    const want: unknown[] = [];
    const broken: number[] = [];
    let n = 0;
    let s = 0;
    for (let nl = bytes.indexOf(10); nl !== -1; s = nl + 1, nl = bytes.indexOf(10, s)) {
      n++;
      let line = bytes.subarray(s, nl);
      if (line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
      if (/^[ \t\r]*$/.test(line.toString("latin1"))) continue;
      const text = line.toString("utf8");
      const ok = parses(text);
      if ((line.includes('"usage"') || line.subarray(0, 14).equals(Buffer.from('{"type":"mark"'))) && ok) want.push([n, JSON.parse(text)]);
      else if (!ok) broken.push(n);
    }
    expect(at).toEqual({ offset: bytes.length, line: n });
    expect(state).toEqual(want);
    const malformed = warnings.list().find((w) => w.code === "malformed-json");
    expect(malformed?.count ?? 0).toBe(broken.length);
    expect(malformed?.lines ?? []).toEqual(broken.slice(0, malformed?.lines?.length ?? 0));
  });
});
