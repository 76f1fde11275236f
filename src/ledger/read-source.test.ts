import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir, writeLines } from "../../test/helpers.js";
import { ingestOnce, logsOnlyRuntime } from "../../test/ledger.js";
import { linePatternProblem, MAX_LINE_PATTERNS, MAX_READ_KEYS, readsProblem, type JsonKeys } from "../contract/log-records.js";
import { parser as claudeParser } from "../runtimes/claude/log-parser.js";
import { parser as codexParser } from "../runtimes/codex/log-parser.js";
import type { RuntimeId } from "../runtimes/types.js";
import { loadParsers } from "./read-source.js";

/** A parser module with these patterns, as a runtime of one's own would ship it. */
function parserModule(patterns: { needles: string[]; alsoNeeds?: string[]; linePrefixes?: string[]; reads?: JsonKeys }): string {
  const file = path.join(tempDir("quartet-parser-"), "log-parser.mjs");
  fs.writeFileSync(file, `export const parser = { ...${JSON.stringify(patterns)}, initialState: () => ({}), line(value, ctx) {} };\n`);
  return pathToFileURL(file).href;
}

describe("a JSON-lines parser's patterns", () => {
  it("are within the contract's limits for the built-in runtimes", () => {
    expect(linePatternProblem(claudeParser)).toBeUndefined();
    expect(linePatternProblem(codexParser)).toBeUndefined();
  });

  it("are named when outside them: too many, empty, too long, or holding a newline", () => {
    const many = Array.from({ length: MAX_LINE_PATTERNS }, (_, i) => `"k${i}"`);
    expect(linePatternProblem({ needles: many })).toBeUndefined();
    expect(linePatternProblem({ needles: many.slice(1), linePrefixes: ['{"a"', '{"b"'] })).toBe(
      "17 needles, alsoNeeds and line prefixes in all, more than the 16 allowed",
    );
    expect(linePatternProblem({ needles: ['"usage"', ""] })).toBe('needle "" is empty');
    expect(linePatternProblem({ needles: ["ä".repeat(126)] })).toBeUndefined();
    expect(linePatternProblem({ needles: ['"usage"'], alsoNeeds: ["ä".repeat(127)] })).toBe(
      `alsoNeeds entry "${"ä".repeat(127)}" is 254 bytes long, more than 252`,
    );
    expect(linePatternProblem({ needles: ['"usage"'], linePrefixes: ['{"a":\n'] })).toBe(
      'line prefix "{\\"a\\":\\n" holds a newline, which no line does',
    );
  });

  it("are checked once, when the parser is loaded: an error naming the runtime and the pattern", async () => {
    const url = parserModule({ needles: ['"usage"', ""] });
    await expect(loadParsers([{ runtime: "toy" as RuntimeId, parser: url }])).rejects.toMatchObject({
      name: "ParserContractError",
      message: `toy's log parser (${new URL(url).pathname}): needle "" is empty`,
    });
  });

  it("stop an ingest with that error before anything is written, not with a warning for every file", async () => {
    const url = parserModule({ needles: ["x".repeat(300)] });
    const logs = tempDir("quartet-toy-logs-");
    const files = ["a.jsonl", "b.jsonl"].map((f) => path.join(logs, f));
    for (const f of files) writeLines(f, [{ usage: 1 }]);
    const { db, run } = ingestOnce([logsOnlyRuntime(files, url)]);
    await expect(run).rejects.toMatchObject({
      name: "ParserContractError",
      message: expect.stringMatching(/^toy's log parser .* is 300 bytes long/),
    });
    expect(db.prepare("SELECT count(*) FROM ledger_source").pluck().get()).toBe(0);
  });
});

describe("a JSON-lines parser's declared reads", () => {
  it("are within the contract's limits for Claude Code's parser", () => {
    expect(readsProblem(claudeParser.reads!)).toBeUndefined();
  });

  it("are named when outside them: too many keys, a key too long or empty, __proto__, a leaf that is not true", () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, true as const]));
    expect(readsProblem({ message: keys(MAX_READ_KEYS - 1) })).toBeUndefined();
    expect(readsProblem({ message: keys(MAX_READ_KEYS) })).toBe(`reads more than ${MAX_READ_KEYS} keys`);
    expect(readsProblem({ message: { ["u".repeat(56)]: true } })).toBeUndefined();
    expect(readsProblem({ message: { ["u".repeat(57)]: true } })).toBe(
      `reads "message.${"u".repeat(57)}", whose last key is 57 bytes long (1 to 56)`,
    );
    expect(readsProblem({ "": true })).toBe('reads "", whose last key is 0 bytes long (1 to 56)');
    expect(readsProblem(JSON.parse('{"data":{"__proto__":true}}') as JsonKeys)).toBe(
      'reads "data.__proto__", which cannot be a key of a decoded object',
    );
    expect(readsProblem({ usage: 1 } as unknown as JsonKeys)).toBe('reads "usage" as neither true nor a tree of keys');
  });

  it("are checked once, when the parser is loaded", async () => {
    const url = parserModule({ needles: ['"usage"'], reads: { message: { ["x".repeat(60)]: true } } });
    await expect(loadParsers([{ runtime: "toy" as RuntimeId, parser: url }])).rejects.toMatchObject({
      name: "ParserContractError",
      message: expect.stringMatching(/^toy's log parser .*: reads "message\.x+", whose last key is 60 bytes long/),
    });
  });
});
