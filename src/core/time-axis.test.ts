import { describe, expect, it } from "vitest";
import { axisUnit, calendarAxis, slotOf } from "./time-axis.js";
import { weekKey } from "./time.js";

describe("a continuous calendar axis", () => {
  it("has a slot for every day between the first and the last, with or without usage", () => {
    expect(calendarAxis({ firstDay: "2026-11-18", lastDay: "2026-11-24", unit: "day" })).toEqual([
      "2026-11-18",
      "2026-11-19",
      "2026-11-20",
      "2026-11-21",
      "2026-11-22",
      "2026-11-23",
      "2026-11-24",
    ]);
  });

  it("crosses month ends, leap days and a daylight-saving change without skipping or repeating a day", () => {
    const days = calendarAxis({ firstDay: "2028-02-27", lastDay: "2028-03-02", unit: "day" });
    expect(days).toEqual(["2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01", "2028-03-02"]);
    // Europe's clocks change on 2026-03-29 and 2026-10-25: the axis is calendar days, not 24-hour steps.
    const autumn = calendarAxis({ firstDay: "2026-10-24", lastDay: "2026-10-26", unit: "day" });
    expect(autumn).toEqual(["2026-10-24", "2026-10-25", "2026-10-26"]);
  });

  it("has a slot for every ISO week, keyed as the ledger keys weeks, across a year end", () => {
    const weeks = calendarAxis({ firstDay: "2026-12-20", lastDay: "2027-01-12", unit: "week" });
    expect(weeks).toEqual(["2026-W51", "2026-W52", "2026-W53", "2027-W01", "2027-W02"]);
    expect(slotOf("2027-01-01", "week")).toBe(weekKey(Date.parse("2027-01-01T12:00:00Z"), "UTC"));
  });

  it("has a slot for every month, quiet months included", () => {
    expect(calendarAxis({ firstDay: "2026-11-30", lastDay: "2027-03-01", unit: "month" })).toEqual([
      "2026-11",
      "2026-12",
      "2027-01",
      "2027-02",
      "2027-03",
    ]);
  });

  it("counts in days up to about three months, then weeks up to two years, then months", () => {
    expect(axisUnit("2026-11-24", "2026-11-24")).toBe("day");
    expect(axisUnit("2026-09-01", "2026-12-01")).toBe("day"); // 92 days
    expect(axisUnit("2026-09-01", "2026-12-02")).toBe("week");
    expect(axisUnit("2025-01-01", "2026-12-29")).toBe("week"); // 728 days, 104 weeks
    expect(axisUnit("2024-01-01", "2026-12-31")).toBe("month");
  });
});
