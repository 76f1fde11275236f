/**
 * The hourly rollup: per hour, runtime, root session, project and model, the sums every usage report
 * needs. Reports read it instead of the request table when their time zone and bounds fall on whole
 * hours (nearly always), which keeps a report over a million requests to a scan of a few thousand rows.
 *
 * It is derived data: rebuilt for the root sessions and hours an ingest touched (see RollupSlice), or whole
 * after a pricing change.
 */
import { statement, type Db } from "../core/db.js";
import type { SumRow } from "./query.js";
import { SeenFilter } from "./seen-filter.js";
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
  // Prepared once per connection: an incremental run rebuilds the slices of dozens of root sessions.
  const del = statement(db, `DELETE FROM usage_rollup WHERE hour >= ? AND hour < ?${onRoot}`);
  const ins = statement(db, `INSERT INTO usage_rollup ${AGGREGATE} WHERE ts >= ? AND ts < ?${onRoot} GROUP BY 1, 2, 3, 4, 5`);
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
 *
 * Its memory does not grow with the logs: it holds the groups used last (a source's records mostly fall in
 * a few), and moves the others, running sums and all, to a TEMP table of its connection, from which a
 * group comes back when a later record needs it.
 *
 * It holds up to 16,384 groups (a few MB). At 2,048, a 565 MB corpus (5,700 groups) moved most of them out one
 * by one while the load ran, each into a table whose pages the bulk load's other TEMP table had pushed out of
 * SQLite's cache: about 150 ms, against about 40 ms to move them all at the end (flush).
 */
export class RollupBuilder {
  /** Groups held in memory, least recently used first. */
  private readonly groups = new Map<string, Group>();
  private last: Group | undefined;
  /** Keys of the groups moved to the table: a key it has certainly not seen needs no lookup there. */
  private readonly moved = new SeenFilter(256 * 1024);
  private readonly store;
  private readonly load;
  exact = true;

  constructor(
    private readonly db: Db,
    private readonly held = 16_384,
  ) {
    db.exec(`DROP TABLE IF EXISTS temp.${BUILT}; CREATE TEMP TABLE ${BUILT} (${BUILT_COLUMNS});`);
    const columns = BUILT_COLUMNS.split(",").map((c) => c.trim().split(" ")[0]!);
    this.store = db.prepare(`INSERT OR REPLACE INTO temp.${BUILT} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
    this.load = db.prepare(
      `SELECT sums, hour, runtime, root_session_id AS root, project, model, requests, input, w5, w1, cr, output, reasoning, unpriced,
         untaxed, breaks, first_ts AS first, last_ts AS last FROM temp.${BUILT} WHERE key = ?`,
    );
  }

  add(r: StoredRecord): void {
    const ts = r.ts;
    if (!exactRecord(r)) this.exact = false;
    const hour = Math.floor(ts / HOUR_MS);
    let g = this.last;
    if (!g || g.hour !== hour || g.root !== r.rootSessionId || g.model !== r.model || g.project !== r.project || g.runtime !== r.runtime) {
      g = this.group(hour, r);
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

  /** Drops its table, when the rollup is rebuilt in SQL instead (replaceRollup drops it too). */
  dispose(): void {
    this.groups.clear();
    this.last = undefined;
    this.db.exec(`DROP TABLE IF EXISTS temp.${BUILT}`);
  }

  /**
   * Moves every group to the table, where replaceRollup reads them: the builder's last act, so without the sums'
   * running state, which only a group coming back needs (turning it into JSON was most of a move's cost).
   */
  flush(): void {
    for (const [key, g] of this.groups) this.moveOut(key, g, false);
    this.groups.clear();
    this.last = undefined;
  }

  /** The record's group: held, brought back from the table, or new. Most recently used from now on. */
  private group(hour: number, r: StoredRecord): Group {
    const key = `${hour}\u0000${r.runtime}\u0000${r.rootSessionId}\u0000${r.project === null ? "-" : `+${r.project}`}\u0000${r.model}`;
    let g = this.groups.get(key);
    if (g) {
      this.groups.delete(key);
    } else {
      g = (this.moved.has(key) && this.bringBack(key)) || newGroup(hour, r);
      if (![r.runtime, r.rootSessionId, r.project ?? "", r.model].every(wellFormed)) this.exact = false;
    }
    this.groups.set(key, g);
    if (this.groups.size > this.held) {
      const [oldest, group] = this.groups.entries().next().value!;
      this.groups.delete(oldest);
      this.moveOut(oldest, group);
    }
    return g;
  }

  private moveOut(key: string, g: Group, mayComeBack = true): void {
    let state: string | null = null;
    if (mayComeBack) {
      const sums = [g.cost, g.reported, g.tax].map((s) => s.state());
      // JSON keeps every finite double exactly; a sum that overflowed could not be taken up again.
      if (!sums.flat().every(Number.isFinite)) this.exact = false;
      this.moved.add(key);
      state = JSON.stringify(sums);
    }
    this.store.run(
      key,
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
      state,
    );
  }

  private bringBack(key: string): Group | undefined {
    const row = this.load.get(key) as (Omit<Group, "cost" | "reported" | "tax"> & { sums: string }) | undefined;
    if (!row) return undefined;
    const { sums, ...counts } = row;
    const [cost, reported, tax] = (JSON.parse(sums) as SqlSumState[]).map(SqlSum.from) as [SqlSum, SqlSum, SqlSum];
    return { ...counts, cost, reported, tax };
  }
}

/** The builder's table: the rollup's columns, each group's key, and its sums' running state. */
const BUILT = "ledger_bulk_rollup";
const BUILT_COLUMNS = `key TEXT UNIQUE, hour INTEGER, runtime TEXT, root_session_id TEXT, project TEXT, model TEXT, requests INTEGER,
  input INTEGER, w5 INTEGER, w1 INTEGER, cr INTEGER, output INTEGER, reasoning INTEGER, cost REAL, unpriced INTEGER, reported REAL,
  tax REAL, untaxed INTEGER, breaks INTEGER, first_ts INTEGER, last_ts INTEGER, sums TEXT`;

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

type SqlSumState = [count: number, approx: 0 | 1, integer: number, sum: number, err: number];

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

  /** Everything it has summed so far, to go on from later (`from`). */
  state(): SqlSumState {
    return [this.count, this.approx ? 1 : 0, this.integer, this.sum, this.err];
  }

  static from(state: SqlSumState): SqlSum {
    const s = new SqlSum();
    [s.count, , s.integer, s.sum, s.err] = state;
    s.approx = state[1] === 1;
    return s;
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
 * Writes a bulk load's rollup: the builder's groups, with the hours in `redo` aggregated from the records
 * instead (their records changed after they were written). In GROUP BY order, as the SQL rebuild inserts them.
 */
export function replaceRollup(db: Db, built: RollupBuilder, redo: Iterable<number>): void {
  built.flush();
  const hours = [...new Set(redo)];
  db.prepare(`DELETE FROM temp.${BUILT} WHERE hour IN (SELECT value FROM json_each(?))`).run(JSON.stringify(hours));
  const columns =
    "hour, runtime, root_session_id, project, model, requests, input, w5, w1, cr, output, reasoning, cost, unpriced, reported, tax, untaxed, breaks, first_ts, last_ts";
  const aggregate = db.prepare(`INSERT INTO temp.${BUILT} (${columns}) ${AGGREGATE} WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3, 4, 5`);
  for (const [from, to] of ranges(hours)) aggregate.run(from * HOUR_MS, to * HOUR_MS);
  // SQLite's BINARY collation, NULL first: the order GROUP BY gives the rows.
  db.exec(`DELETE FROM usage_rollup;
    INSERT INTO usage_rollup SELECT ${columns} FROM temp.${BUILT} ORDER BY hour, runtime, root_session_id, project, model;
    DROP TABLE temp.${BUILT};`);
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
