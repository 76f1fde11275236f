import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, writeLines } from "../../test/helpers.js";
import type { JsonlParser } from "../contract/log-records.js";
import { formatWarning } from "../core/errors.js";
import { readJsonl } from "./jsonl.js";
import { WarningCollector } from "./warnings.js";

interface Seen {
  values: { line: number; value: unknown }[];
}

/** A parser that records what it was given; only lines with "usage" (or starting with {"type":"mark") are parsed. */
const recorder: JsonlParser<Seen> = {
  needles: ['"usage"'],
  linePrefixes: ['{"type":"mark"'],
  initialState: () => ({ values: [] }),
  line(value, ctx) {
    ctx.state.values.push({ line: ctx.line, value });
  },
};

function read(
  file: string,
  from = { offset: 0, line: 0 },
  parser: JsonlParser<Seen> = recorder,
  o: { end?: number; limits?: { chunkBytes: number; maxLineBytes: number } } = {},
) {
  const fd = fs.openSync(file, "r");
  const state: Seen = { values: [] };
  const warnings = new WarningCollector(file);
  try {
    const end = o.end ?? fs.fstatSync(fd).size;
    const at = readJsonl({ file, fd, ...from, end, parser, state, emit: () => {}, warnings, limits: o.limits });
    return { ...at, state, warnings: warnings.list() };
  } finally {
    fs.closeSync(fd);
  }
}

describe("readJsonl", () => {
  it("parses only lines with a needle or a known prefix, and reports their line numbers", () => {
    const file = path.join(tempDir(), "log.jsonl");
    writeLines(file, [{ a: 1 }, { usage: 1 }, { type: "mark" }, { b: "mentions usage only in a value" }, { usage: 2 }]);
    const r = read(file);
    expect(r.state.values).toEqual([
      { line: 2, value: { usage: 1 } },
      { line: 3, value: { type: "mark" } },
      { line: 5, value: { usage: 2 } },
    ]);
    expect(r).toMatchObject({ line: 5, offset: fs.statSync(file).size });
  });

  it("leaves a half-written last line for the next run, then reads it with the right line number", () => {
    const file = path.join(tempDir(), "log.jsonl");
    writeLines(file, [{ usage: 1 }]);
    fs.appendFileSync(file, '{"usage": 2, "more":');
    const first = read(file);
    expect(first.state.values.map((v) => v.value)).toEqual([{ usage: 1 }]);
    expect(first.warnings).toEqual([]);
    fs.appendFileSync(file, ' "done"}\n{"usage": 3}\n');
    const second = read(file, first);
    expect(second.state.values).toEqual([
      { line: 2, value: { usage: 2, more: "done" } },
      { line: 3, value: { usage: 3 } },
    ]);
  });

  it("reads a complete last line without its newline, and keeps counting lines when the newline arrives", () => {
    const file = path.join(tempDir(), "log.jsonl");
    fs.writeFileSync(file, '{"usage": 1}\n{"usage": 2}');
    const first = read(file);
    expect(first.state.values.map((v) => v.line)).toEqual([1, 2]);
    fs.appendFileSync(file, '\n{"usage": 3}\n');
    expect(read(file, first).state.values).toEqual([{ line: 3, value: { usage: 3 } }]);
  });

  it("warns about malformed and non-UTF-8 lines by line number and goes on", () => {
    const file = path.join(tempDir(), "log.jsonl");
    fs.writeFileSync(
      file,
      Buffer.concat([Buffer.from('{"usage": 1}\n{"usage": oops}\n{"usage": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n{"usage": 4}\n')]),
    );
    const r = read(file);
    expect(r.state.values.map((v) => v.line)).toEqual([1, 3, 4]);
    expect(r.warnings).toEqual([
      expect.objectContaining({ code: "malformed-json", file, line: 2 }),
      expect.objectContaining({ code: "invalid-utf8", file, line: 3 }),
    ]);
  });

  it("drops a UTF-8 byte-order mark before a line instead of calling the line broken", () => {
    const file = path.join(tempDir(), "log.jsonl");
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    fs.writeFileSync(file, Buffer.concat([bom, Buffer.from('{"usage": 1}\n{"a": 2}\n'), bom, Buffer.from('{"usage": 3}\n')]));
    const r = read(file);
    expect(r.state.values).toEqual([
      { line: 1, value: { usage: 1 } },
      { line: 3, value: { usage: 3 } },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it("names every line that is not JSON, with or without usage, and counts them when there are many", () => {
    const file = path.join(tempDir(), "log.jsonl");
    const lines = ['{"usage": 1}', "this is not json", '{"type":"user","message":{"content":"cut off', "", "   ", '{"a": 1}{"b": 2}'];
    for (let i = 0; i < 40; i++) lines.push(i % 2 ? '{"b": [1, 2,]}' : '{"usage": 2');
    lines.push('{"usage": 3}');
    fs.writeFileSync(file, lines.join("\n") + "\n");
    const r = read(file);
    expect(r.state.values.map((v) => v.line)).toEqual([1, 47]);
    expect(r.warnings).toEqual([
      { code: "malformed-json", message: "not valid JSON (line skipped)", file, line: 2, lines: [2, 3, 6, 7, 8], count: 43 },
    ]);
    expect(formatWarning(r.warnings[0]!)).toBe(`${file}:2: not valid JSON (line skipped) (43 lines: 2, 3, 6, 7, 8 and 38 more)`);
  });

  it("skips a line the parser recognizes as a repeat of the previous one", () => {
    const file = path.join(tempDir(), "log.jsonl");
    writeLines(file, [
      { usage: 1, id: "a" },
      { usage: 1, id: "a" },
      { usage: 2, id: "a" },
    ]);
    const r = read(file, undefined, { ...recorder, sameRecord: (line, prev) => line.equals(prev) });
    expect(r.state.values.map((v) => v.line)).toEqual([1, 3]);
  });

  it("recognizes repeats of the previous line across chunk boundaries", () => {
    const file = path.join(tempDir(), "repeats.jsonl");
    const filler = "x".repeat(7000);
    // Groups of three equal lines, some of them split by the end of a 4 MB chunk.
    writeLines(
      file,
      Array.from({ length: 3000 }, (_, i) => ({ usage: Math.floor(i / 3), filler })),
    );
    const r = read(file, undefined, { ...recorder, sameRecord: (line, prev) => line.equals(prev) });
    expect(r.state.values.map((v) => v.line)).toEqual(Array.from({ length: 1000 }, (_, i) => 3 * i + 1));
  });

  it("handles lines across chunk boundaries and lines longer than a chunk", () => {
    const file = path.join(tempDir(), "big.jsonl");
    const filler = "x".repeat(3000);
    const lines: unknown[] = [];
    for (let i = 0; i < 3000; i++) lines.push({ usage: i, filler });
    lines.push({ usage: "huge", filler: "y".repeat(6 * 1024 * 1024) });
    lines.push({ usage: "after" });
    writeLines(file, lines);
    const r = read(file);
    expect(r.state.values).toHaveLength(3002);
    expect(r.state.values[3000]!.value).toMatchObject({ usage: "huge" });
    expect(r.state.values[3001]).toEqual({ line: 3002, value: { usage: "after" } });
  });

  describe("with a 64-byte buffer that grows to at most 256 bytes", () => {
    const limits = { chunkBytes: 64, maxLineBytes: 256 };
    const lines = [
      '{"usage": 1}',
      `{"usage": "grown", "filler": "${"g".repeat(180)}"}`,
      `{"usage": "too long", "filler": "${"x".repeat(1000)}"}`,
      '{"usage": 4}',
      "not json",
      `{"usage": "too long again", "filler": "${"y".repeat(300)}"}`,
      '{"usage": 7}',
    ];
    /** Warnings as [code, line] pairs, in line order. */
    const named = (warnings: ReturnType<typeof read>["warnings"]) =>
      warnings.flatMap((w) => (w.lines ?? [w.line!]).map((line) => [w.code, line])).sort((a, b) => Number(a[1]) - Number(b[1]));

    it("skips a line longer than the limit by name and reads on", () => {
      const file = path.join(tempDir(), "long.jsonl");
      fs.writeFileSync(file, lines.join("\n") + "\n");
      const r = read(file, undefined, recorder, { limits });
      expect(r.state.values.map((v) => v.line)).toEqual([1, 2, 4, 7]);
      expect(named(r.warnings)).toEqual([
        ["line-too-long", 3],
        ["malformed-json", 5],
        ["line-too-long", 6],
      ]);
      expect(r.warnings[0]!.message).toBe("line longer than 256 bytes skipped");
    });

    it("reads the same in two runs, whichever byte the first run ends at (a long line still being written included)", () => {
      const file = path.join(tempDir(), "long.jsonl");
      fs.writeFileSync(file, lines.join("\n") + "\n");
      const size = fs.statSync(file).size;
      const once = read(file, undefined, recorder, { limits });
      for (let cut = 0; cut <= size; cut++) {
        const first = read(file, undefined, recorder, { limits, end: cut });
        const second = read(file, first, recorder, { limits });
        const got = {
          values: [...first.state.values, ...second.state.values],
          warnings: named([...first.warnings, ...second.warnings]),
          end: second.offset,
        };
        expect({ cut, ...got }).toEqual({ cut, values: once.state.values, warnings: named(once.warnings), end: size });
      }
    });
  });
});
