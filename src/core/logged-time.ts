/**
 * Reading the times runtimes write in their logs. Kept apart from time.ts, with no imports: every log parser
 * (loaded alone in reader threads) uses it.
 */

const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Epoch ms of a time a runtime logged: an ISO 8601 date and time with its zone (`Z` or an offset), as every
 * runtime writes them; NaN for anything else. Date.parse alone reads "x 5" as May 2001, rolls February 30 over
 * to March 2, and reads a time without a zone in the machine's own.
 */
export function parseLoggedTime(value: string): number {
  // Once per request line of every log: the form JavaScript's toISOString writes is read by hand, at a
  // quarter of the cost of the general path.
  const fast = utcMillisecondTime(value);
  if (!Number.isNaN(fast)) return fast;
  const m = ISO_WITH_ZONE.exec(value);
  if (!m) return NaN;
  return onCalendar(Number(m[1]), Number(m[2]), Number(m[3])) ? Date.parse(value) : NaN;
}

function onCalendar(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ` with every field in range, or NaN (then the general path decides). */
function utcMillisecondTime(v: string): number {
  if (v.length !== 24 || v.charCodeAt(23) !== 90 /* Z */ || v.charCodeAt(10) !== 84 /* T */) return NaN;
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58 || v.charCodeAt(19) !== 46)
    return NaN;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  const hour = digits(v, 11, 2);
  const minute = digits(v, 14, 2);
  const second = digits(v, 17, 2);
  const ms = digits(v, 20, 3);
  // NaN in any field fails every comparison. Date.UTC reads years below 100 as 19xx: those take the general path.
  if (!(year >= 100 && hour < 24 && minute < 60 && second < 60 && ms >= 0 && onCalendar(year, month, day))) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The decimal number in v[at, at + n), or NaN when a character there is not a digit. */
function digits(v: string, at: number, n: number): number {
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    x = x * 10 + d;
  }
  return x;
}
