/**
 * Reading the times runtimes write in their logs. Kept apart from time.ts, with no imports: every log parser
 * (loaded alone in reader threads) uses it.
 */

/**
 * Epoch ms of a time a runtime logged: an ISO 8601 date and time with its zone (`Z` or an offset), as every
 * runtime writes them; NaN for anything else. Date.parse alone reads "x 5" as May 2001, rolls February 30 over
 * to March 2, and reads a time without a zone in the machine's own.
 */
export function parseLoggedTime(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i.exec(value);
  if (!m) return NaN;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const onCalendar = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day && month >= 1 && month <= 12;
  return onCalendar ? Date.parse(value) : NaN;
}
