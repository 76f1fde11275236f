import { describe, expect, it } from "vitest";
import { WarningCollector } from "./warnings.js";

describe("WarningCollector", () => {
  it("counts lines with the same problem as one warning, listing the first five lines", () => {
    const c = new WarningCollector("/logs/a.jsonl");
    for (let line = 1; line <= 3000; line++)
      c.add("invalid-record", "field message.usage.input_tokens: not a non-negative integer", line, { value: line + 0.5 });
    expect(c.list()).toEqual([
      {
        code: "invalid-record",
        file: "/logs/a.jsonl",
        message: "field message.usage.input_tokens: not a non-negative integer: 1.5 (and other values)",
        line: 1,
        lines: [1, 2, 3, 4, 5],
        count: 3000,
      },
    ]);
  });

  it("shows a value repeated on every line once, and never more than a short piece of a long one", () => {
    const c = new WarningCollector("/logs/a.jsonl");
    c.add("invalid-record", "field timestamp: not a date", 4, { value: "soon" });
    c.add("invalid-record", "field timestamp: not a date", 9, { value: "soon" });
    c.add("invalid-record", "field model: not a string", 12, { value: "x".repeat(10_000) });
    const [same, long] = c.list();
    expect(same!.message).toBe('field timestamp: not a date: "soon"');
    expect(same!.count).toBe(2);
    expect(long!.message.length).toBeLessThan(120);
    expect(long!.message).toMatch(/^field model: not a string: "x+…$/);
  });

  it("keeps problems of different files and codes apart", () => {
    const c = new WarningCollector("/logs/a.jsonl");
    c.add("malformed-json", "not valid JSON", 1);
    c.add("malformed-json", "not valid JSON", 2, { file: "/logs/b.jsonl" });
    c.add("invalid-utf8", "not valid JSON", 3);
    expect(c.list().map((w) => [w.file, w.code, w.count])).toEqual([
      ["/logs/a.jsonl", "malformed-json", 1],
      ["/logs/b.jsonl", "malformed-json", 1],
      ["/logs/a.jsonl", "invalid-utf8", 1],
    ]);
  });
});
