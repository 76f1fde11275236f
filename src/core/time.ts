/**
 * Calendar arithmetic for reports: day, week and month keys in the user's time zone, and the
 * 5-hour usage blocks Claude subscriptions are metered in.
 *
 * Keys are computed from UTC quarter-hour slots, which is exact because every time zone's offset is a
 * multiple of 15 minutes; the ledger groups by slot in SQL and the slot is mapped to a key here once.
 */
import fs from "node:fs";
import { UsageError } from "./errors.js";

export const SLOT_MS = 15 * 60 * 1000;
export const BLOCK_MS = 5 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export function validateTimeZone(tz: string): string {
  if (tz === "UTC") return tz;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    throw new UsageError(`unknown time zone "${tz}" (use an IANA name such as Europe/Berlin or UTC)`);
  }
}

/**
 * The zone the system runs in. A machine on UTC is recognized without ICU, whose first use costs a report
 * about 15 ms: TZ names UTC or is empty, or is unset and /etc/localtime (which ICU then reads too) links to
 * UTC's file.
 */
export function localTimeZone(): string {
  if (utcHost(process.env.TZ)) return "UTC";
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // ICU calls a zone it cannot tell (TZ set but empty, no /etc/localtime) Etc/Unknown, which no formatter
  // accepts; the C library, and so the runtimes' own clocks, then run on UTC.
  return !zone || zone === "Etc/Unknown" ? "UTC" : zone;
}

const UTC_NAMES = /^(Etc\/)?(UTC|UCT|Universal|Zulu)$/;

function utcHost(tzVariable: string | undefined): boolean {
  // Set but empty means UTC to the C library.
  if (tzVariable !== undefined) return tzVariable === "" || UTC_NAMES.test(tzVariable);
  let link: string;
  try {
    link = fs.readlinkSync("/etc/localtime");
  } catch {
    return false;
  }
  const zone = /\/zoneinfo\/(.+)$/.exec(link)?.[1];
  return zone !== undefined && UTC_NAMES.test(zone);
}

const pad = (n: number) => String(n).padStart(2, "0");

interface LocalParts {
  year: number;
  month: number;
  day: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();
/** Per zone, the last local day looked up and the UTC span it covers: reports ask for hour after hour of one day. */
const lastDay = new Map<string, { start: number; end: number; parts: LocalParts }>();

function localParts(ts: number, tz: string): LocalParts {
  if (tz === "UTC") {
    const d = new Date(ts);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  }
  const last = lastDay.get(tz);
  if (last && ts >= last.start && ts < last.end) return last.parts;
  let f = partFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
    partFormatters.set(tz, f);
  }
  const partsAt = (at: number): LocalParts => {
    const formatted = f.formatToParts(at);
    const get = (type: string) => Number(formatted.find((p) => p.type === type)?.value);
    return { year: get("year"), month: get("month"), day: get("day") };
  };
  const parts = partsAt(ts);
  const day = `${parts.year}-${pad(parts.month)}-${pad(parts.day)}`;
  const start = startOfLocalDay(day, tz);
  const end = startOfLocalDay(nextDay(day), tz);
  // Kept only when both ends check out (a zone whose midnight is skipped by DST is looked up every time).
  const same = (p: LocalParts) => p.year === parts.year && p.month === parts.month && p.day === parts.day;
  if (start <= ts && ts < end && same(partsAt(start)) && same(partsAt(end - 1)) && !same(partsAt(end))) {
    lastDay.set(tz, { start, end, parts });
  }
  return parts;
}

export function dayKey(ts: number, tz: string): string {
  const p = localParts(ts, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

export function monthKey(ts: number, tz: string): string {
  const p = localParts(ts, tz);
  return `${p.year}-${pad(p.month)}`;
}

/** ISO week key, e.g. 2026-W48 (weeks start on Monday; week 1 holds the year's first Thursday). */
export function weekKey(ts: number, tz: string): string {
  const p = localParts(ts, tz);
  const date = new Date(Date.UTC(p.year, p.month - 1, p.day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${pad(week)}`;
}

/** Epoch ms of the start (local Monday midnight in `tz`) of the ISO week holding `ts`, as weekKey counts weeks. */
export function weekStart(ts: number, tz: string): number {
  const p = localParts(ts, tz);
  const date = new Date(Date.UTC(p.year, p.month - 1, p.day));
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() || 7) - 1));
  return startOfLocalDay(date.toISOString().slice(0, 10), tz);
}

/**
 * Assigns 5-hour blocks to sorted timestamps: a block starts at the UTC hour floor of its first
 * request and holds every request before start + 5h (the rule ccusage and Claude's meter share).
 * Returns, for each input, the block's start time.
 */
export function blockStarts(sortedTs: readonly number[]): number[] {
  const out: number[] = [];
  let start = -Infinity;
  for (const ts of sortedTs) {
    if (ts >= start + BLOCK_MS) start = Math.floor(ts / HOUR_MS) * HOUR_MS;
    out.push(start);
  }
  return out;
}

/**
 * Parses --since / --until: YYYY-MM-DD or YYYYMMDD (a whole local day in `tz`), or an ISO date-time.
 * `end` selects the end of a day-only value, so `--until 2026-11-24` includes that day.
 */
export function parseDateBound(value: string, tz: string, end: boolean): number {
  const invalid = () => new UsageError(`invalid date "${value}" (use YYYY-MM-DD, YYYYMMDD or an ISO date-time)`);
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  const dayOnly = compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
  // JavaScript rolls 2026-02-30 over to March 2; a day that is not on the calendar is a mistake.
  const day = dayOnly ?? /^(\d{4}-\d{2}-\d{2})T/.exec(value)?.[1];
  if (day !== undefined && !isCalendarDay(day)) throw invalid();
  if (dayOnly) {
    const start = startOfLocalDay(dayOnly, tz);
    if (Number.isNaN(start)) throw invalid();
    return end ? startOfLocalDay(nextDay(dayOnly), tz) - 1 : start;
  }
  const ts = Date.parse(value);
  if (Number.isNaN(ts)) throw invalid();
  return ts;
}

function isCalendarDay(day: string): boolean {
  const ts = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(ts) && new Date(ts).toISOString().slice(0, 10) === day;
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Epoch ms of local midnight of `day` in `tz`. */
function startOfLocalDay(day: string, tz: string): number {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(utcMidnight)) return NaN;
  // Find the offset at that instant, then correct once more across a DST change.
  let guess = utcMidnight - offsetMs(utcMidnight, tz);
  guess = utcMidnight - offsetMs(guess, tz);
  return guess;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetMs(ts: number, tz: string): number {
  if (tz === "UTC") return 0;
  let f = offsetFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    offsetFormatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(ts).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return asUtc - Math.floor(ts / 1000) * 1000;
}
