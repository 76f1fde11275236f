/**
 * The hourly rollup: per hour, runtime, root session, project and model, the sums every usage report
 * needs. Reports read it instead of the request table when their time zone and bounds fall on whole
 * hours (nearly always), which keeps a report over a million requests to a scan of a few thousand rows.
 *
 * It is derived data: rebuilt for the hours an ingest touched, or whole after a pricing change.
 */
import type { Db } from "../core/db.js";

export const HOUR_MS = 60 * 60 * 1000;

export const ROLLUP_TABLE = `
  CREATE TABLE usage_rollup (
    hour INTEGER NOT NULL,
    runtime TEXT NOT NULL,
    root_session_id TEXT NOT NULL,
    project TEXT,
    model TEXT NOT NULL,
    requests INTEGER NOT NULL,
    input INTEGER NOT NULL,
    w5 INTEGER NOT NULL,
    w1 INTEGER NOT NULL,
    cr INTEGER NOT NULL,
    output INTEGER NOT NULL,
    reasoning INTEGER NOT NULL,
    cost REAL NOT NULL,
    unpriced INTEGER NOT NULL,
    reported REAL,
    tax REAL NOT NULL,
    untaxed INTEGER NOT NULL,
    breaks INTEGER NOT NULL,
    first_ts INTEGER NOT NULL,
    last_ts INTEGER NOT NULL
  );
  CREATE INDEX usage_rollup_hour ON usage_rollup (hour);
`;

const AGGREGATE = `
  SELECT ts / ${HOUR_MS} AS hour, runtime, root_session_id, project, model, COUNT(*), SUM(input_tokens), SUM(cache_write_5m_tokens),
    SUM(cache_write_1h_tokens), SUM(cache_read_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(COALESCE(cost_usd, 0)),
    SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END), SUM(reported_cost_usd), SUM(COALESCE(cache_tax_usd, 0)),
    SUM(CASE WHEN cache_tax_usd IS NULL THEN 1 ELSE 0 END), SUM(cache_break), MIN(ts), MAX(ts)
  FROM usage_record`;

/** Rebuilds the rollup for the given hours, or entirely. */
export function rebuildRollup(db: Db, hours: "all" | Iterable<number>): void {
  if (hours === "all") {
    db.exec(`DELETE FROM usage_rollup; INSERT INTO usage_rollup ${AGGREGATE} GROUP BY 1, 2, 3, 4, 5;`);
    return;
  }
  const del = db.prepare("DELETE FROM usage_rollup WHERE hour >= ? AND hour < ?");
  const ins = db.prepare(`INSERT INTO usage_rollup ${AGGREGATE} WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3, 4, 5`);
  for (const [from, to] of ranges(hours)) {
    del.run(from, to);
    ins.run(from * HOUR_MS, to * HOUR_MS);
  }
}

/** Sorted hours as half-open ranges of consecutive hours. */
function ranges(hours: Iterable<number>): [number, number][] {
  const sorted = [...new Set(hours)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const h of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === h) last[1] = h + 1;
    else out.push([h, h + 1]);
  }
  return out;
}

/** Whether a time zone's offset is a whole number of hours, now and half a year ago (DST). */
export function wholeHourZone(tz: string): boolean {
  // The first offset lookup loads the time-zone data (about 10 ms), which the status line cannot spare.
  if (tz === "UTC") return true;
  const now = Date.now();
  return [now, now - 182 * 24 * HOUR_MS].every((ts) => offsetMinutes(ts, tz) % 60 === 0);
}

function offsetMinutes(ts: number, tz: string): number {
  const f = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" });
  const name = f.formatToParts(ts).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}
