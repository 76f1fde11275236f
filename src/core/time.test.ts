import { describe, expect, it } from "vitest";
import { blockStarts, dayKey, localTimeZone, monthKey, parseDateBound, validateTimeZone, weekKey, weekStart } from "./time.js";

const ts = (iso: string) => Date.parse(iso);

describe("calendar keys", () => {
  it("puts a request in the local day of the chosen time zone", () => {
    const late = ts("2026-11-24T23:30:00Z");
    expect(dayKey(late, "UTC")).toBe("2026-11-24");
    expect(dayKey(late, "Europe/Berlin")).toBe("2026-11-25");
    expect(dayKey(late, "America/Los_Angeles")).toBe("2026-11-24");
    expect(dayKey(ts("2026-11-24T20:00:00Z"), "Asia/Kathmandu")).toBe("2026-11-25");
  });

  it("uses ISO weeks that start on Monday", () => {
    expect(weekKey(ts("2026-11-23T10:00:00Z"), "UTC")).toBe("2026-W48"); // Monday
    expect(weekKey(ts("2026-11-29T10:00:00Z"), "UTC")).toBe("2026-W48"); // Sunday
    expect(weekKey(ts("2027-01-01T10:00:00Z"), "UTC")).toBe("2026-W53"); // Friday of 2026's last week
  });

  it("starts a week at local Monday midnight, the week weekKey names", () => {
    expect(weekStart(ts("2026-11-29T23:59:00Z"), "UTC")).toBe(ts("2026-11-23T00:00:00Z"));
    expect(weekStart(ts("2026-11-23T00:00:00Z"), "UTC")).toBe(ts("2026-11-23T00:00:00Z"));
    // Sunday 23:30 UTC is already Monday in Berlin: the new week, from Berlin's midnight.
    expect(weekStart(ts("2026-11-29T23:30:00Z"), "Europe/Berlin")).toBe(ts("2026-11-29T23:00:00Z"));
    expect(weekKey(ts("2026-11-29T23:00:00Z"), "Europe/Berlin")).toBe("2026-W49");
  });

  it("gives months in the local calendar", () => {
    expect(monthKey(ts("2026-11-30T23:30:00Z"), "Europe/Berlin")).toBe("2026-12");
  });
});

describe("5-hour blocks", () => {
  it("starts a block at the hour floor of its first request and holds five hours", () => {
    const starts = blockStarts([
      ts("2026-11-24T09:17:00Z"),
      ts("2026-11-24T13:59:59Z"),
      ts("2026-11-24T14:00:00Z"),
      ts("2026-11-24T22:05:00Z"),
    ]);
    expect(starts.map((s) => new Date(s).toISOString())).toEqual([
      "2026-11-24T09:00:00.000Z",
      "2026-11-24T09:00:00.000Z",
      "2026-11-24T14:00:00.000Z",
      "2026-11-24T22:00:00.000Z",
    ]);
  });
});

describe("--since / --until", () => {
  it("reads a day in the chosen time zone, the whole day for --until", () => {
    expect(parseDateBound("2026-11-24", "UTC", false)).toBe(ts("2026-11-24T00:00:00Z"));
    expect(parseDateBound("20261124", "UTC", true)).toBe(ts("2026-11-25T00:00:00Z") - 1);
    expect(parseDateBound("2026-11-24", "Europe/Berlin", false)).toBe(ts("2026-11-23T23:00:00Z"));
    expect(parseDateBound("2026-07-01", "Europe/Berlin", false)).toBe(ts("2026-06-30T22:00:00Z"));
  });

  it("accepts a full ISO time", () => {
    expect(parseDateBound("2026-11-24T10:30:00Z", "UTC", false)).toBe(ts("2026-11-24T10:30:00Z"));
  });

  it("rejects what is not a date", () => {
    expect(() => parseDateBound("yesterday", "UTC", false)).toThrow(/invalid date/);
    expect(() => parseDateBound("2026-13-40", "UTC", false)).toThrow(/invalid date/);
  });

  it("rejects a day that is not on the calendar, with the formats it takes", () => {
    expect(() => parseDateBound("2026-02-30", "UTC", true)).toThrow(/invalid date "2026-02-30" \(use YYYY-MM-DD/);
    expect(() => parseDateBound("20250229", "UTC", false)).toThrow(/invalid date/);
    expect(() => parseDateBound("2026-04-31T10:00:00Z", "UTC", false)).toThrow(/invalid date/);
    expect(parseDateBound("2028-02-29", "UTC", false)).toBe(ts("2028-02-29T00:00:00Z"));
  });
});

describe("day keys across many hours", () => {
  it("match a fresh lookup for every hour of a year, in zones with DST (one at midnight), a 45-minute offset and a half-hour DST shift", () => {
    const zones = ["Europe/Berlin", "America/Santiago", "Asia/Kathmandu", "Australia/Lord_Howe"];
    for (const tz of zones) {
      const f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
      for (let ts = Date.UTC(2026, 0, 1); ts < Date.UTC(2027, 0, 1); ts += 15 * 60 * 1000) {
        expect(dayKey(ts, tz), `${tz} ${new Date(ts).toISOString()}`).toBe(f.format(ts));
      }
    }
  });
});

describe("UTC, computed without ICU", () => {
  it("gives the keys and bounds ICU gives for Etc/UTC, over leap years and year ends", () => {
    for (let ts = Date.UTC(2023, 11, 25); ts < Date.UTC(2025, 0, 8); ts += 61 * 60 * 1000) {
      const at = new Date(ts).toISOString();
      expect(dayKey(ts, "UTC"), at).toBe(dayKey(ts, "Etc/UTC"));
      expect(weekKey(ts, "UTC"), at).toBe(weekKey(ts, "Etc/UTC"));
      expect(monthKey(ts, "UTC"), at).toBe(monthKey(ts, "Etc/UTC"));
      expect(weekStart(ts, "UTC"), at).toBe(weekStart(ts, "Etc/UTC"));
    }
    for (const day of ["2024-02-29", "2024-12-31", "2025-01-01"]) {
      expect(parseDateBound(day, "UTC", false)).toBe(parseDateBound(day, "Etc/UTC", false));
      expect(parseDateBound(day, "UTC", true)).toBe(parseDateBound(day, "Etc/UTC", true));
    }
    expect(validateTimeZone("UTC")).toBe("UTC");
  });

  it("names the system's zone as ICU does", () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ["UTC", "Etc/UTC", "Europe/Berlin", "Asia/Kathmandu"]) {
        process.env.TZ = tz;
        expect(localTimeZone(), `TZ=${tz}`).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
      }
      // Set but empty: the C library's UTC, where ICU gives up ("Etc/Unknown", which no report accepts).
      process.env.TZ = "";
      expect(localTimeZone()).toBe("UTC");
      delete process.env.TZ;
      // Without /etc/localtime ICU cannot tell the zone ("Etc/Unknown"), and the system runs on UTC.
      const icu = Intl.DateTimeFormat().resolvedOptions().timeZone;
      expect(localTimeZone(), "TZ unset").toBe(icu === "Etc/Unknown" ? "UTC" : icu);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
