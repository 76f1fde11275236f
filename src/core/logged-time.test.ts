import { describe, expect, it } from "vitest";
import { parseLoggedTime } from "./logged-time.js";

describe("parseLoggedTime", () => {
  it("reads the ISO 8601 times runtimes write, with their zone", () => {
    expect(parseLoggedTime("2026-03-01T22:38:47.557Z")).toBe(Date.UTC(2026, 2, 1, 22, 38, 47, 557));
    expect(parseLoggedTime("2026-03-01T22:38:47.557123456Z")).toBe(Date.UTC(2026, 2, 1, 22, 38, 47, 557));
    expect(parseLoggedTime("2026-03-01T23:38:47+01:00")).toBe(Date.UTC(2026, 2, 1, 22, 38, 47));
    expect(parseLoggedTime("2026-03-01 22:38Z")).toBe(Date.UTC(2026, 2, 1, 22, 38));
    expect(parseLoggedTime("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29));
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
    ]) {
      expect(parseLoggedTime(bad), bad).toBeNaN();
    }
  });
});
