import { describe, expect, it } from "vitest";
import { parseLoggedTime } from "./logged-time.js";

describe("parseLoggedTime", () => {
  it("reads the ISO 8601 times runtimes write, with their zone", () => {
    expect(parseLoggedTime("2026-03-01T22:38:47.557Z")).toBe(Date.UTC(2026, 2, 1, 22, 38, 47, 557));
    expect(parseLoggedTime("2026-03-01T22:38:47.557123456Z")).toBe(Date.UTC(2026, 2, 1, 22, 38, 47, 557));
    expect(parseLoggedTime("2026-03-01T23:38:47+01:00")).toBe(Date.UTC(2026, 2, 1, 22, 38, 47));
    expect(parseLoggedTime("2026-03-01 22:38Z")).toBe(Date.UTC(2026, 2, 1, 22, 38));
    expect(parseLoggedTime("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29));
    expect(parseLoggedTime("2000-02-29T23:59:59.999Z")).toBe(Date.UTC(2000, 1, 29, 23, 59, 59, 999));
    // ISO 8601's end of the day, as Date.parse reads it.
    expect(parseLoggedTime("2026-03-01T24:00:00.000Z")).toBe(Date.UTC(2026, 2, 2));
    // Date.UTC alone would read year 80 as 1980.
    expect(parseLoggedTime("0080-11-17T02:13:10.710Z")).toBe(Date.parse("0080-11-17T02:13:10.710Z"));
  });

  it("refuses what Date.parse would turn into some other day: garbage, days off the calendar, no zone", () => {
    for (const bad of [
      "bad-2026",
      "x 5",
      "1",
      "2026-02-30T10:00:00Z",
      "2026-13-01T10:00:00Z",
      "2026-03-01",
      "2026-03-01T22:38:47",
      "2026-03-01T25:00:00Z",
      " 2026-03-01T22:38:47Z",
      // The form toISOString writes, read by hand: the same judgement.
      "2026-02-30T10:00:00.000Z",
      "2026-04-31T10:00:00.000Z",
      "2100-02-29T10:00:00.000Z",
      "2026-03-01T23:60:00.000Z",
      "2026-03-01T23:59:60.000Z",
      "2026-0a-01T23:59:59.000Z",
    ]) {
      expect(parseLoggedTime(bad), bad).toBeNaN();
    }
  });
});
