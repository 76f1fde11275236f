/**
 * The hourly rollup: per hour, runtime, root session, project and model, the sums every usage report
 * needs. Reports read it instead of the request table when their time zone and bounds fall on whole
 * hours (nearly always), which keeps a report over a million requests to a scan of a few thousand rows.
 *
 * It is derived data: rebuilt for the root sessions and hours an ingest touched (see RollupSlice), or whole
 * after a pricing change.
 */
import type { Db } from "../core/db.js";
import type { SumRow } from "./query.js";
import type { StoredRecord } from "./store.js";

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

/** The rollup's columns in table order: the group (hour, runtime, root session, project, model), then the sums. */
type RollupRow = unknown[];

/**
 * One root session's rollup rows in one hour: what a change to a record makes stale. An incremental run
 * rebuilds only these, reading the session's own records, not every record of the hour.
 */
export type RollupSlice = string;

export function rollupSlice(r: { ts: number; rootSessionId: string }): RollupSlice {
  return sliceOfHour(Math.floor(r.ts / HOUR_MS), r.rootSessionId);
}

export function sliceOfHour(hour: number, root: string): RollupSlice {
  return `${hour}\u0000${root}`;
}

export function splitRollupSlice(slice: RollupSlice): [hour: number, root: string] {
  const i = slice.indexOf("\u0000");
  return [Number(slice.slice(0, i)), slice.slice(i + 1)];
}

/** Rebuilds the rollup for the given hours, or entirely. */
export function rebuildRollup(db: Db, hours: "all" | Iterable<number>): void {
  if (hours === "all") {
    db.exec(`DELETE FROM usage_rollup; INSERT INTO usage_rollup ${AGGREGATE} GROUP BY 1, 2, 3, 4, 5;`);
    return;
  }
  rebuildRanges(db, hours);
}

/** Rebuilds the rollup rows of the given slices, each from its root session's records in its hours. */
export function rebuildRollupSlices(db: Db, slices: Iterable<RollupSlice>): void {
  const byRoot = new Map<string, number[]>();
  for (const slice of slices) {
    const [hour, root] = splitRollupSlice(slice);
    const hours = byRoot.get(root);
    if (hours) hours.push(hour);
    else byRoot.set(root, [hour]);
  }
  for (const [root, hours] of byRoot) rebuildRanges(db, hours, root);
}

/** Replaces the rollup rows of the hours (of one root session's, if given) with a fresh aggregate of the records. */
function rebuildRanges(db: Db, hours: Iterable<number>, root?: string): void {
  const onRoot = root === undefined ? "" : " AND root_session_id = ?";
  const del = db.prepare(`DELETE FROM usage_rollup WHERE hour >= ? AND hour < ?${onRoot}`);
  const ins = db.prepare(`INSERT INTO usage_rollup ${AGGREGATE} WHERE ts >= ? AND ts < ?${onRoot} GROUP BY 1, 2, 3, 4, 5`);
  const only = root === undefined ? [] : [root];
  for (const [from, to] of ranges(hours)) {
    del.run(from, to, ...only);
    ins.run(from * HOUR_MS, to * HOUR_MS, ...only);
  }
}

/**
 * A bulk load's rollup, built from the records as they are written instead of by a GROUP BY over the whole
 * table afterwards. `replaceRollup` writes it; the hours whose records changed after they were written
 * (copies superseded, conversations analyzed again) are aggregated in SQL instead.
 *
 * It must equal what `rebuildRollup(db, "all")` would write, to the last bit of every float: the sums
 * follow SQLite's SUM (exact integers until the first REAL, then Kahan-Babuska-Neumaier, in row order) and
 * the rows go in in GROUP BY order. Records it cannot mirror exactly (a non-integer or unsafe count, a
 * string SQLite would store differently) make it `exact = false`, and the caller rebuilds in SQL.
 */
export class RollupBuilder {
  private readonly groups = new Map<string, Group>();
  private last: Group | undefined;
  exact = true;

  add(r: StoredRecord): void {
    const ts = r.ts;
    if (!exactRecord(r)) this.exact = false;
    const hour = Math.floor(ts / HOUR_MS);
    let g = this.last;
    if (!g || g.hour !== hour || g.root !== r.rootSessionId || g.model !== r.model || g.project !== r.project || g.runtime !== r.runtime) {
      const key = `${hour}\u0000${r.runtime}\u0000${r.rootSessionId}\u0000${r.project === null ? "-" : `+${r.project}`}\u0000${r.model}`;
      g = this.groups.get(key);
      if (!g) {
        g = newGroup(hour, r);
        if (![r.runtime, r.rootSessionId, r.project ?? "", r.model].every(wellFormed)) this.exact = false;
        this.groups.set(key, g);
      }
      this.last = g;
    }
    g.requests++;
    g.input += r.input;
    g.w5 += r.cacheWrite5m;
    g.w1 += r.cacheWrite1h;
    g.cr += r.cacheRead;
    g.output += r.output;
    g.reasoning += r.reasoning;
    if (r.costUsd === null) {
      g.cost.addInteger(0);
      g.unpriced++;
    } else g.cost.addReal(r.costUsd);
    if (r.reportedCostUsd !== null) g.reported.addReal(r.reportedCostUsd);
    const tax = r.analysis.taxUsd;
    if (tax === null) {
      g.tax.addInteger(0);
      g.untaxed++;
    } else g.tax.addReal(tax);
    if (r.analysis.isBreak) g.breaks++;
    if (ts < g.first) g.first = ts;
    if (ts > g.last) g.last = ts;
  }

  /** The rows of every hour but the given ones, unsorted. */
  rows(except: ReadonlySet<number>): RollupRow[] {
    const out: RollupRow[] = [];
    for (const g of this.groups.values()) {
      if (except.has(g.hour)) continue;
      out.push([
        g.hour,
        g.runtime,
        g.root,
        g.project,
        g.model,
        g.requests,
        g.input,
        g.w5,
        g.w1,
        g.cr,
        g.output,
        g.reasoning,
        g.cost.value(),
        g.unpriced,
        g.reported.value(),
        g.tax.value(),
        g.untaxed,
        g.breaks,
        g.first,
        g.last,
      ]);
    }
    return out;
  }
}

/** One group's running sums; the three SUMs of REAL columns are kept as SQLite keeps them. */
interface Group extends Omit<SumRow, "cost" | "reported" | "tax" | "first_ts" | "last_ts"> {
  hour: number;
  runtime: string;
  root: string;
  project: string | null;
  model: string;
  cost: SqlSum;
  reported: SqlSum;
  tax: SqlSum;
  first: number;
  last: number;
}

function newGroup(hour: number, r: StoredRecord): Group {
  return {
    hour,
    runtime: r.runtime,
    root: r.rootSessionId,
    project: r.project,
    model: r.model,
    requests: 0,
    input: 0,
    w5: 0,
    w1: 0,
    cr: 0,
    output: 0,
    reasoning: 0,
    cost: new SqlSum(),
    unpriced: 0,
    reported: new SqlSum(),
    tax: new SqlSum(),
    untaxed: 0,
    breaks: 0,
    first: Infinity,
    last: -Infinity,
  };
}

const safeCount = (n: number) => Number.isSafeInteger(n) && n >= 0;
const finiteOrNull = (n: number | null) => n === null || Number.isFinite(n);

/**
 * Whether SQLite stores this record's summed columns as the builder reads them: integer counts (a REAL
 * would switch SUM to floating point), finite prices (NaN is stored as NULL), a time from 1970 on
 * (SQLite's integer division truncates toward zero).
 */
function exactRecord(r: StoredRecord): boolean {
  return (
    safeCount(r.ts) &&
    safeCount(r.input) &&
    safeCount(r.cacheWrite5m) &&
    safeCount(r.cacheWrite1h) &&
    safeCount(r.cacheRead) &&
    safeCount(r.output) &&
    safeCount(r.reasoning) &&
    finiteOrNull(r.costUsd) &&
    finiteOrNull(r.reportedCostUsd) &&
    finiteOrNull(r.analysis.taxUsd)
  );
}

/** A lone surrogate becomes U+FFFD in SQLite's UTF-8: two different strings could then group together. */
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);

/** SQLite's SUM() (func.c: sumStep, sumFinalize), for values far below 2^53. */
export class SqlSum {
  private count = 0;
  private approx = false;
  private integer = 0;
  private sum = 0;
  private err = 0;

  addInteger(n: number): void {
    this.count++;
    if (this.approx) this.step(n);
    else this.integer += n;
  }

  addReal(x: number): void {
    this.count++;
    if (!this.approx) {
      this.approx = true;
      this.sum = this.integer;
      this.err = 0;
    }
    this.step(x);
  }

  /** NULL over no values; an integer until a REAL was added. */
  value(): number | null {
    if (this.count === 0) return null;
    if (!this.approx) return this.integer;
    return Number.isFinite(this.err) ? this.sum + this.err : this.sum;
  }

  private step(x: number): void {
    const s = this.sum;
    const t = s + x;
    if (Math.abs(s) > Math.abs(x)) this.err += s - t + x;
    else this.err += x - t + s;
    this.sum = t;
  }
}

/**
 * Writes a bulk load's rollup: the builder's rows, with the hours in `redo` aggregated from the records
 * instead (their records changed after they were written). In GROUP BY order, as the SQL rebuild inserts them.
 */
export function replaceRollup(db: Db, built: RollupBuilder, redo: Iterable<number>): void {
  const hours = new Set(redo);
  const rows = built.rows(hours);
  const aggregate = db.prepare(`${AGGREGATE} WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3, 4, 5`).raw();
  // Pushed one by one: spread as arguments, a range of over ~125,000 rows would overflow the stack.
  for (const [from, to] of ranges(hours)) for (const row of aggregate.all(from * HOUR_MS, to * HOUR_MS) as RollupRow[]) rows.push(row);
  rows.sort(groupOrder);
  db.exec("DELETE FROM usage_rollup");
  const width = db.prepare("SELECT * FROM usage_rollup LIMIT 0").columns().length;
  const perStatement = 50;
  const tuple = `(${Array(width).fill("?").join(", ")})`;
  const many = db.prepare(`INSERT INTO usage_rollup VALUES ${Array(perStatement).fill(tuple).join(", ")}`);
  const one = db.prepare(`INSERT INTO usage_rollup VALUES ${tuple}`);
  let i = 0;
  for (; i + perStatement <= rows.length; i += perStatement) many.run(...rows.slice(i, i + perStatement).flat());
  for (; i < rows.length; i++) one.run(...rows[i]!);
}

/** GROUP BY's order over (hour, runtime, root session, project, model): NULL first, text by its UTF-8 bytes. */
function groupOrder(a: RollupRow, b: RollupRow): number {
  if (a[0] !== b[0]) return (a[0] as number) - (b[0] as number);
  for (let i = 1; i < 5; i++) {
    const c = compareText(a[i] as string | null, b[i] as string | null);
    if (c !== 0) return c;
  }
  return 0;
}

/** SQLite's BINARY collation compares UTF-8 bytes: code point order, where UTF-16 puts U+E000..U+FFFF after surrogates. */
export function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

const codePointRank = (unit: number) => (unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit);

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
