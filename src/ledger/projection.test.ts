import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { observe } from "../../test/observe.js";
import type { JsonKeys, JsonlParser } from "../contract/log-records.js";
import { VALID, separateLineScanner } from "./line-scan.js";
import { project, readNodes } from "./projection.js";

const reads: JsonKeys = {
  type: true,
  n: true,
  message: { id: true, usage: { n: true, c: { x: true } } },
  data: { type: true, message: { type: true, message: { usage: true } } },
};
const nodes = readNodes(reads);
const keys = nodes.map((n) => n.key.toString());
const parents = nodes.map((n) => n.parent);
const scanner = separateLineScanner(1 << 20);
scanner.setPatterns(["x"], [], []);
scanner.setReads(nodes);

/** What a parser reading `tree` may see of a value JSON.parse gave. */
function reference(value: unknown, tree: JsonKeys | true): unknown {
  if (tree === true || typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(tree))
    if (Object.hasOwn(value, key)) out[key] = reference((value as Record<string, unknown>)[key], sub);
  return out;
}

/** The line at the start of the scanner's buffer, projected. */
function projected(line: string): object | undefined {
  const bytes = Buffer.from(line);
  bytes.copy(scanner.data, 0);
  scanner.data[bytes.length] = 10;
  expect(scanner.tail(bytes.length, 0) & VALID).toBe(VALID);
  return project(scanner, 0, keys, parents);
}

/** JSON as text, so that it can hold duplicate keys, keys written with escapes, spaces anywhere. */
type Text = { object: [key: string, escaped: boolean, value: Text][] } | { array: Text[] } | { raw: string };

const space = fc.constantFrom("", "", "", " ", "\t", " \r ");
const key = fc.oneof(fc.constantFrom("type", "n", "message", "id", "usage", "c", "x", "data", "ty", "types", "__proto__"), fc.string());
const scalar = fc.oneof(
  fc.jsonValue({ maxDepth: 0 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: "binary" }).map((s) => JSON.stringify(s)),
  fc.constantFrom(
    "-0",
    "0",
    "7",
    "-12",
    "1e5",
    "1.5E-3",
    "123456789012345",
    "-999999999999999",
    "1234567890123456789",
    "true",
    "false",
    "null",
  ),
);
const { text } = fc.letrec<{ text: Text; object: Text }>((tie) => ({
  text: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar.map((raw) => ({ raw })),
    tie("object"),
    fc.array(tie("text"), { maxLength: 4 }).map((array) => ({ array })),
  ),
  object: fc
    .array(
      fc.tuple(
        key,
        fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
        tie("text"),
      ),
      { maxLength: 6 },
    )
    .map((object) => ({ object })),
}));
const objectText = fc
  .array(fc.tuple(key, fc.constant(false), text), { maxLength: 8 })
  .chain((object) => fc.tuple(fc.constant({ object } as Text), fc.array(space, { minLength: 64, maxLength: 64 })));

function write(t: Text, spaces: string[], at = { k: 0 }): string {
  const s = () => spaces[at.k++ % spaces.length]!;
  if ("raw" in t) return t.raw;
  if ("array" in t) return `[${s()}${t.array.map((v) => write(v, spaces, at) + s()).join(`,${s()}`)}]`;
  const entries = t.object.map(
    ([k, escaped, v]) => `${escaped ? escapedKey(k) : JSON.stringify(k)}${s()}:${s()}${write(v, spaces, at)}${s()}`,
  );
  return `{${s()}${entries.join(`,${s()}`)}}`;
}
const escapedKey = (k: string) => `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`;

describe("project", () => {
  it("gives what a parser reading the declared keys sees of JSON.parse's result, or nothing when it cannot", () => {
    let served = 0;
    fc.assert(
      fc.property(objectText, fc.boolean(), ([t, spaces], nested) => {
        // Half the time the declared objects are there, with duplicate and escaped keys of their own.
        const value: Text = nested
          ? {
              object: [
                ...(t as { object: [string, boolean, Text][] }).object,
                ["message", false, t],
                [
                  "data",
                  false,
                  {
                    object: [
                      ["message", false, { object: [["message", false, t], ...(t as { object: [string, boolean, Text][] }).object] }],
                    ],
                  },
                ],
              ],
            }
          : t;
        const line = `${spaces[0]}${write(value, spaces)}${spaces[1]}`;
        const got = projected(line);
        if (got === undefined) {
          // Only a followed object's key written with escapes makes it decode the line whole.
          expect(line).toContain("\\");
          return;
        }
        served++;
        expect(got).toStrictEqual(reference(JSON.parse(line), reads));
      }),
      { numRuns: 2000 },
    );
    expect(served).toBeGreaterThan(1000);
  });

  it("takes the last of duplicate keys, even when an inner object is given again or replaced", () => {
    expect(projected('{"message":{"id":"a","x":1},"message":{"usage":{"n":2}},"type":1,"type":"t"}')).toStrictEqual({
      message: { usage: { n: 2 } },
      type: "t",
    });
    expect(projected('{"message":{"id":"a"},"message":[1,{"id":2}]}')).toStrictEqual({ message: [1, { id: 2 }] });
    expect(projected('{"message":"m","message":{"id":"\\"é\\u0041"}}')).toStrictEqual({ message: { id: '"éA' } });
  });

  it("decodes the line whole when a followed object's key has escapes, but not for keys it does not follow", () => {
    expect(projected('{"\\u0074ype":"t"}')).toBeUndefined();
    expect(projected('{"message":{"i\\u0064":"x"}}')).toBeUndefined();
    expect(projected('{"content":{"\\u0074ype":"t"},"type":"u"}')).toStrictEqual({ type: "u" });
  });

  it("reads exactly the numbers JSON.parse reads", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double().map((v) => JSON.stringify(v)),
          fc.integer().map(String),
          fc.bigInt().map(String),
          fc.constantFrom("-0", "0.0", "1E+2", "9007199254740993", "999999999999999", "-1000000000000000"),
        ),
        (n) => {
          if (n === "null") return;
          expect(projected(`{"n":${n}}`)).toStrictEqual({ n: JSON.parse(n) });
        },
      ),
    );
    expect(Object.is((projected('{"n":-0}') as { n: number }).n, -0)).toBe(true);
  });

  it("refuses a tree that declares __proto__, which would set the object's prototype", () => {
    expect(() => readNodes(JSON.parse('{"__proto__":true}') as JsonKeys)).toThrow(/__proto__/);
  });
});

describe("readJsonl with declared reads", () => {
  it("hands the parser the projection of each line, and lines that are not valid UTF-8 whole", () => {
    const dir = tempDir();
    const file = path.join(dir, "a.jsonl");
    const lines = [
      '{"type":"a","x":1,"message":{"id":"m","content":[{"text":"é"}],"usage":{"n":3,"c":{"x":4,"y":5},"z":6}}}',
      '\ufeff{"type":"b","x":1}',
      '{"\\u0074ype":"c","x":1}',
      '  ["x"]  ',
    ];
    const bytes = Buffer.concat([Buffer.from(lines.join("\n") + "\n"), Buffer.from('{"type":"\xff","x":1}\n', "latin1")]);
    fs.writeFileSync(file, bytes);
    const seen: unknown[] = [];
    const parser: JsonlParser<null> = { needles: ['"x"'], reads, initialState: () => null, line: (v) => seen.push(v) };
    const { warnings } = observe(file, parser as JsonlParser<unknown>);
    expect(warnings.map((w) => w.code)).toStrictEqual(["invalid-utf8"]);
    expect(seen).toStrictEqual([
      { type: "a", message: { id: "m", usage: { n: 3, c: { x: 4 } } } },
      { type: "b" },
      { type: "c", x: 1 },
      ["x"],
      { type: "\ufffd", x: 1 },
    ]);
  });
});
