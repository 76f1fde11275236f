import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SeenFilter } from "./seen-filter.js";

describe("SeenFilter", () => {
  it("never calls new, or unseen, a pair it was given", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 300 }), fc.integer({ min: 0, max: 4096 }), (pairs, bytes) => {
        const filter = new SeenFilter(bytes);
        for (const [a, b] of pairs) filter.add(a, b);
        for (const [a, b] of pairs) {
          expect(filter.has(a, b)).toBe(true);
          expect(filter.add(a, b)).toBe(false);
        }
      }),
    );
  });

  it("tells new pairs from seen ones nearly always at its working size, and keeps the pair's halves apart", () => {
    const filter = new SeenFilter(8 * 1024 * 1024);
    const n = 200_000;
    let maybe = 0;
    for (let i = 0; i < n; i++)
      if (!filter.add("claude", `msg_01${i.toString(36).padStart(8, "x")}:req_${(i * 7919).toString(16)}`)) maybe++;
    expect(maybe).toBeLessThan(3);
    expect(filter.has("claude", "msg_01xxxxxxx1:req_1eef")).toBe(true);
    expect(filter.has("claudemsg_01xxxxxxx1:req_1eef", "")).toBe(false);
    expect(filter.has("codex", "msg_01xxxxxxx1:req_1eef")).toBe(false);
  });
});
