/**
 * A continuous calendar axis for charts over time: every day, week or month from the first to the last,
 * whether or not it holds usage, so that a quiet stretch shows as empty slots at its own place instead of
 * being skipped. Keys are the ledger's own (`2026-11-24`, `2026-W48`, `2026-11`), so rows grouped by the
 * same unit land on their slot.
 */
import { weekKey } from "./time.js";

export type AxisUnit = "day" | "week" | "month";

const DAY_MS = 86_400_000;
/** A slot per day up to about three months, per week up to two years, per month beyond: slots stay readable. */
const MAX_DAYS = 92;
const MAX_WEEKS = 104;

/** Noon UTC of a calendar day `YYYY-MM-DD`: calendar arithmetic only, no time zone involved. */
function dayTs(day: string): number {
  const [y, m, d] = day.split("-").map(Number);
  return Date.UTC(y!, m! - 1, d!, 12);
}

function daysBetween(firstDay: string, lastDay: string): number {
  return Math.round((dayTs(lastDay) - dayTs(firstDay)) / DAY_MS) + 1;
}

/** The unit that keeps a chart from `firstDay` to `lastDay` (both included) readable. */
export function axisUnit(firstDay: string, lastDay: string): AxisUnit {
  const days = daysBetween(firstDay, lastDay);
  return days <= MAX_DAYS ? "day" : days <= MAX_WEEKS * 7 ? "week" : "month";
}

/** The key of the slot a calendar day falls in. */
export function slotOf(day: string, unit: AxisUnit): string {
  if (unit === "day") return day;
  if (unit === "month") return day.slice(0, 7);
  return weekKey(dayTs(day), "UTC");
}

/** Every slot key from the one holding `firstDay` to the one holding `lastDay`, in order, none skipped. */
export function calendarAxis(o: { firstDay: string; lastDay: string; unit: AxisUnit }): string[] {
  const keys: string[] = [];
  for (let ts = dayTs(o.firstDay), end = dayTs(o.lastDay); ts <= end; ts += DAY_MS) {
    const key = slotOf(new Date(ts).toISOString().slice(0, 10), o.unit);
    if (keys.at(-1) !== key) keys.push(key);
  }
  return keys;
}
