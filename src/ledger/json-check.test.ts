import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isJsonValue } from "./json-check.js";

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Checks `text` the way the reader does: inside a larger buffer, followed by the line's newline. */
function check(text: string): boolean {
  const bytes = Buffer.from(`xx${text}\nyy"`, "utf8");
  return isJsonValue(bytes, 2, bytes.length - 4);
}

describe("isJsonValue", () => {
  it.each([
    '{"a":1}',
    ' { "a" : [1, -2.5e+3, true, false, null, "x\\n\\u00e9\\"", {}, []] } ',
    '"just a string"',
    "42",
    "[]",
    '{"nested":{"deep":[[[{"k":"v"}]]]}}',
    '{"unicode":"héllo ✓"}',
  ])("accepts %s", (text) => {
    expect(check(text)).toBe(true);
  });

  it.each([
    "",
    "hello world",
    '{"a":1',
    '{"a":1}}',
    '{"a":1}{"b":2}',
    '{"a" 1}',
    '{"a":1,}',
    "[1,]",
    '{"a":01}',
    '{"a":"x\\q"}',
    '{"a":"x\\u12"}',
    '{"a":"tab\there"}',
    '{"a":tru}',
    '{"a":-}',
    "{'a':1}",
    '{"a":1} x',
    '{"parentUuid":"x","message":{"content":"cut off{"parentUuid":"y"}}',
  ])("rejects %j", (text) => {
    expect(check(text)).toBe(false);
  });

  it("agrees with JSON.parse on any JSON value and on any mangled copy of one", () => {
    const mangled = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom("", '"', "{", "}", "[", "]", ",", ":", "\\", "1", " ", "\t", "e", "-", "."), fc.boolean())
      .map(([json, at, insert, cut]) => {
        const i = json.length === 0 ? 0 : at % json.length;
        const text = json.slice(0, i) + insert + json.slice(cut ? i + 1 : i);
        return cut && at % 3 === 0 ? text.slice(0, i) : text;
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), mangled), (text) => {
        expect(check(text)).toBe(parses(text));
      }),
      { numRuns: 20_000 },
    );
  });
});
