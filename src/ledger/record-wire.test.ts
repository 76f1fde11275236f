import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packRecords, unpackRecords } from "./record-wire.js";
import type { UsageRecord } from "./record.js";

const text = fc.oneof(fc.string(), fc.constantFrom("claude", "claude-opus-4-6", "a\u0000b", "é😀", ""));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const count = fc.nat({ max: 2 ** 40 });
const record: fc.Arbitrary<UsageRecord> = fc.record({
  runtime: fc.constantFrom("claude", "opencode", "codex") as fc.Arbitrary<UsageRecord["runtime"]>,
  key: text,
  sessionId: text,
  rootSessionId: text,
  parentSessionId: maybe(text),
  agentId: maybe(text),
  conversationId: text,
  isSubagent: fc.boolean(),
  project: maybe(text),
  model: text,
  provider: maybe(text),
  ts: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  version: maybe(text),
  speed: maybe(text),
  input: count,
  cacheWrite5m: count,
  cacheWrite1h: count,
  cacheRead: count,
  output: count,
  reasoning: count,
  reportedCostUsd: maybe(fc.double({ noNaN: true })),
  marks: fc.nat({ max: 7 }),
  sourceLine: maybe(fc.nat()),
  sourceRef: maybe(text),
});

describe("packed records", () => {
  it("come back field for field, nulls and repeated strings included", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), (records) => {
        const back = unpackRecords(structuredClone(packRecords(records)));
        expect(back).toEqual(records);
        // Same fields, same order: the writer's objects keep one shape.
        for (let i = 0; i < records.length; i++) expect(Object.keys(back[i]!)).toEqual(Object.keys(records[i]!));
      }),
    );
  });

  it("hold each repeated string once", () => {
    const r = (key: string): UsageRecord => ({
      runtime: "claude",
      key,
      sessionId: "s",
      rootSessionId: "s",
      parentSessionId: null,
      agentId: null,
      conversationId: "s",
      isSubagent: false,
      project: "/p",
      model: "m",
      provider: "anthropic",
      ts: 1,
      version: "2.1.197",
      speed: null,
      input: 1,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      cacheRead: 0,
      output: 1,
      reasoning: 0,
      reportedCostUsd: null,
      marks: 0,
      sourceLine: 3,
      sourceRef: null,
    });
    const packed = packRecords([r("a"), r("b"), r("c")]);
    expect(packed.strings.sort()).toEqual(["/p", "2.1.197", "a", "anthropic", "b", "c", "claude", "m", "s"]);
  });

  it("turn a null where a count belongs into NaN, which the ledger refuses, not into 0", () => {
    const broken = { ...fc.sample(record, { numRuns: 1, seed: 7 })[0]!, ts: null, input: null } as unknown as UsageRecord;
    const [back] = unpackRecords(structuredClone(packRecords([broken])));
    expect(back!.ts).toBeNaN();
    expect(back!.input).toBeNaN();
  });
});
