/**
 * Team reports in PostgreSQL: the team ledger as a report source (src/ledger/source.ts), so `usage`,
 * `cache` and `report --html` with --from print what they print for this machine's ledger.
 *
 * Every sum runs on the server; what comes back is one row per group. As in the local ledger (query.ts),
 * time keys are grouped by UTC quarter-hour slot in SQL and named in JS by the same code, so a day in
 * Asia/Kolkata is the same day in both reports. The quarter-hour rollup (report-schema.ts) answers whenever
 * the bounds fall on quarter-hours and no session is asked for; otherwise the records are read through
 * their time index.
 *
 * Numbers come back as float8 (node-postgres returns bigint and numeric as strings); every sum here is a
 * whole number far below 2^53 or a dollar amount, both exact enough in a double.
 */
import { dayKey, monthKey, SLOT_MS, weekKey } from "../core/time.js";
import type { BreakCause } from "../ledger/cache-analytics.js";
import {
  breakdownOfGroups,
  cacheSessionRow,
  figures,
  GROUP_BY,
  isTimeDimension,
  mergeGroups,
  rowsOfGroups,
  type CacheSessionRow,
  type Filters,
  type GroupedRow,
  type SessionSums,
  type Source,
  type SumRow,
} from "../ledger/query.js";
import { TEAM_GROUP_BY, type Dimension, type ReportSource } from "../ledger/source.js";
import { HOUR_MS, wholeHourZone } from "../ledger/rollup.js";
import type { RuntimeId } from "../runtimes/types.js";

/** What the queries need of a connection: a pg Client, Pool or PoolClient. */
export interface Queryable {
  query<R extends object>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

const RECORD_SUMS = `COUNT(*)::float8 AS requests, SUM(input_tokens)::float8 AS input, SUM(cache_write_5m_tokens)::float8 AS w5,
  SUM(cache_write_1h_tokens)::float8 AS w1, SUM(cache_read_tokens)::float8 AS cr, SUM(output_tokens)::float8 AS output,
  SUM(reasoning_tokens)::float8 AS reasoning, SUM(COALESCE(cost_usd, 0)) AS cost,
  (COUNT(*) FILTER (WHERE cost_usd IS NULL))::float8 AS unpriced, SUM(reported_cost_usd) AS reported,
  SUM(COALESCE(cache_tax_usd, 0)) AS tax, (COUNT(*) FILTER (WHERE cache_tax_usd IS NULL))::float8 AS untaxed,
  SUM(cache_break)::float8 AS breaks, MIN(ts)::float8 AS first_ts, MAX(ts)::float8 AS last_ts`;

const ROLLUP_SUMS = `SUM(requests)::float8 AS requests, SUM(input)::float8 AS input, SUM(w5)::float8 AS w5, SUM(w1)::float8 AS w1,
  SUM(cr)::float8 AS cr, SUM(output)::float8 AS output, SUM(reasoning)::float8 AS reasoning, SUM(cost) AS cost,
  SUM(unpriced)::float8 AS unpriced, CASE WHEN SUM(reported_n) > 0 THEN SUM(reported) END AS reported, SUM(tax) AS tax,
  SUM(untaxed)::float8 AS untaxed, SUM(breaks)::float8 AS breaks, MIN(first_ts)::float8 AS first_ts, MAX(last_ts)::float8 AS last_ts`;

/** The column of each non-time dimension (the same names in the records and the rollup). */
const COLUMN: Record<Exclude<Dimension, "day" | "week" | "month" | "block">, string> = {
  session: "root_session_id",
  project: "project",
  model: "model",
  runtime: "runtime",
  user: "user_name",
  machine: "machine_id::text",
};

/** The rollup when it answers exactly (no session filter, bounds on quarter-hours), else the records. */
function source(f: Filters): Source {
  const aligned = (f.since === undefined || f.since % SLOT_MS === 0) && (f.until === undefined || (f.until + 1) % SLOT_MS === 0);
  if (f.session || !aligned)
    return { from: "quartet_record", sums: RECORD_SUMS, slot: `ts / ${SLOT_MS}`, slotMs: SLOT_MS, where: where(f, "ts") };
  return { from: "quartet_rollup", sums: ROLLUP_SUMS, slot: "slot", slotMs: SLOT_MS, where: where(f, "slot") };
}

/**
 * The filters as a WHERE clause with numbered parameters. The project filter matches text inside the
 * project as the server holds it (the name or hash each machine pushed, not the local path).
 */
function where(f: Filters, time: "ts" | "slot", extra: readonly string[] = []): { sql: string; params: unknown[] } {
  const parts = [...extra];
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.since !== undefined) parts.push(time === "ts" ? `ts >= ${param(f.since)}` : `slot >= ${param(f.since / SLOT_MS)}`);
  if (f.until !== undefined) parts.push(time === "ts" ? `ts <= ${param(f.until)}` : `slot <= ${param(Math.floor(f.until / SLOT_MS))}`);
  if (f.runtimes && f.runtimes.length > 0) parts.push(`runtime = ANY(${param(f.runtimes)}::text[])`);
  if (f.project) parts.push(`strpos(project, ${param(f.project)}) > 0`);
  if (f.session) {
    const p = param(f.session);
    parts.push(`(root_session_id = ${p} OR session_id = ${p})`);
  }
  return { sql: parts.length > 0 ? `WHERE ${parts.join(" AND ")}` : "", params };
}

const TEAM_DIMENSIONS: readonly Dimension[] = [...GROUP_BY, ...TEAM_GROUP_BY];

/**
 * The first slot of each day, week or month (in `tz`) from the range's first slot to its last: the key is
 * worked out for every slot with the same functions that name the local report's slots, so the periods are
 * the local report's exactly.
 */
function periodStarts(by: "day" | "week" | "month", tz: string, [first, last]: [number, number], slotMs: number): number[] {
  const key = by === "day" ? dayKey : by === "week" ? weekKey : monthKey;
  const out: number[] = [];
  let previous: string | undefined;
  for (let slot = first; slot <= last; slot++) {
    const k = key(slot * slotMs, tz);
    if (k !== previous) out.push(slot);
    previous = k;
  }
  return out;
}

/** The team ledger on a PostgreSQL connection as a report source. */
export function teamSource(db: Queryable): ReportSource {
  const groups = async (dims: readonly Dimension[], f: Filters, tz: string) => {
    const src = source(f);
    // In a zone on whole hours, hours are enough to tell days apart: a quarter of the slots to look at.
    const [slot, slotMs] = wholeHourZone(tz) ? [`(${src.slot}) / ${HOUR_MS / SLOT_MS}`, HOUR_MS] : [src.slot, SLOT_MS];
    const params = [...src.where.params];
    const starts = new Map<number, number[]>();
    const select: string[] = [];
    for (const [i, d] of dims.entries()) {
      if (!isTimeDimension(d)) select.push(`${COLUMN[d as keyof typeof COLUMN]} AS k${i}`);
      else if (d === "block") select.push(`${slot} AS k${i}`);
      else {
        // Days, weeks and months are grouped on the server, between the first slots of each (named in JS).
        const range = await slotRange(f, slotMs);
        if (!range) return [];
        starts.set(i, periodStarts(d, tz, range, slotMs));
        params.push(starts.get(i));
        select.push(`width_bucket(${slot}, $${params.length}::bigint[]) AS k${i}`);
      }
    }
    const groupBy = dims.map((_, i) => `k${i}`);
    const session = dims.includes("session");
    if (session) groupBy.push("runtime");
    // Text compared as bytes (COLLATE "C"), as SQLite compares it, so both stores pick the same project.
    const extra = session
      ? `, runtime, MAX(project COLLATE "C") AS project, string_agg(DISTINCT model, ',') AS models`
      : dims.includes("model") && !dims.includes("runtime")
        ? `, string_agg(DISTINCT runtime, ',') AS runtime`
        : "";
    const { rows } = await db.query<GroupedRow>(
      `SELECT ${select.join(", ")} ${extra}, ${src.sums} FROM ${src.from} ${src.where.sql} GROUP BY ${groupBy.join(", ")}`,
      params,
    );
    // A period's bucket stands for its first slot, which mergeGroups names as it names any slot.
    for (const r of rows) for (const [i, list] of starts) r[`k${i}`] = list[Number(r[`k${i}`]) - 1]!;
    return mergeGroups({ rows, dims, tz, slotMs });
  };
  /** The first and last slot (of `slotMs`) holding records, within the bounds; null when there are none. */
  const slotRange = async (f: Filters, slotMs: number): Promise<[number, number] | null> => {
    // The rollup's key index leads with the slot: its two ends are read, not the table.
    const { rows } = await db.query<{ lo: number | null; hi: number | null }>(
      "SELECT MIN(slot)::float8 AS lo, MAX(slot)::float8 AS hi FROM quartet_rollup",
    );
    const { lo, hi } = rows[0] ?? { lo: null, hi: null };
    if (lo === null || hi === null) return null;
    const per = slotMs / SLOT_MS;
    const first = Math.max(Math.floor(lo / per), f.since === undefined ? -Infinity : Math.floor(f.since / slotMs));
    const last = Math.min(Math.floor(hi / per), f.until === undefined ? Infinity : Math.floor(f.until / slotMs));
    return first <= last ? [first, last] : null;
  };
  return {
    dimensions: TEAM_DIMENSIONS,
    usageRows: async (by, f, tz) => rowsOfGroups(by, await groups([by], f, tz)),
    usageBreakdown: async (by, then, f, tz) => breakdownOfGroups(then, await groups([by, then], f, tz)),
    totals: async (f) => {
      const src = source(f);
      const { rows } = await db.query<SumRow>(`SELECT ${src.sums} FROM ${src.from} ${src.where.sql}`, src.where.params);
      return figures(rows[0]);
    },
    cacheSessions: (f, limit) => cacheSessions(db, f, limit),
    taxByCause: async (f) => {
      const w = where(f, "ts", ["break_cause IS NOT NULL"]);
      const { rows } = await db.query<{ cause: BreakCause; breaks: number; shortfalls: number; taxUsd: number }>(
        `SELECT break_cause AS cause, SUM(cache_break)::float8 AS breaks, COUNT(*)::float8 AS shortfalls,
           SUM(COALESCE(cache_tax_usd, 0)) AS "taxUsd"
         FROM quartet_record ${w.sql} GROUP BY break_cause ORDER BY "taxUsd" DESC, break_cause COLLATE "C"`,
        w.params,
      );
      return rows;
    },
    unpricedModels: async (f) => {
      const src = source(f);
      const count = src.from === "quartet_rollup" ? "SUM(unpriced)" : "COUNT(*) FILTER (WHERE cost_usd IS NULL)";
      const { rows } = await db.query<{ model: string; runtime: string; requests: number }>(
        `SELECT model, runtime, ${count}::float8 AS requests FROM ${src.from} ${src.where.sql}
         GROUP BY model, runtime HAVING ${count} > 0 ORDER BY requests DESC, model COLLATE "C", runtime COLLATE "C"`,
        src.where.params,
      );
      return rows;
    },
    hasRecords: async (runtimes) => {
      const w = where({ runtimes }, "ts");
      return (await db.query(`SELECT 1 FROM quartet_record ${w.sql} LIMIT 1`, w.params)).rows.length > 0;
    },
    dataRange: async (runtimes: readonly RuntimeId[]) => {
      const w = where({ runtimes }, "slot");
      const { rows } = await db.query<{ runtime: string; firstTs: number; lastTs: number; requests: number }>(
        `SELECT runtime, MIN(first_ts)::float8 AS "firstTs", MAX(last_ts)::float8 AS "lastTs", SUM(requests)::float8 AS requests
         FROM quartet_rollup ${w.sql} GROUP BY runtime ORDER BY runtime COLLATE "C"`,
        w.params,
      );
      return rows;
    },
  };
}

/** Sessions ranked by cache tax, each with the cause that cost it most (over the whole session, as locally). */
async function cacheSessions(db: Queryable, f: Filters, limit: number): Promise<CacheSessionRow[]> {
  const src = source(f);
  const { rows } = await db.query<SessionSums>(
    `SELECT root_session_id AS session, runtime, MAX(project COLLATE "C") AS project, ${src.sums} FROM ${src.from} ${src.where.sql}
     GROUP BY root_session_id, runtime
     ORDER BY tax DESC, breaks DESC, last_ts DESC, root_session_id COLLATE "C", runtime COLLATE "C" LIMIT ${Number(limit)}`,
    src.where.params,
  );
  if (rows.length === 0) return [];
  const causes = await db.query<{ session: string; runtime: string; cause: BreakCause }>(
    // The sessions' records first, through the session index: with both conditions in one WHERE the planner
    // also scans the shortfall index, every shortfall of the team's (145 ms of 150 at ten million records).
    `WITH s AS MATERIALIZED (
       SELECT root_session_id, runtime, break_cause, cache_tax_usd FROM quartet_record WHERE root_session_id = ANY($1::text[]))
     SELECT DISTINCT ON (root_session_id, runtime) root_session_id AS session, runtime, break_cause AS cause
     FROM s WHERE break_cause IS NOT NULL
     GROUP BY root_session_id, runtime, break_cause
     ORDER BY root_session_id, runtime, SUM(COALESCE(cache_tax_usd, 0)) DESC, COUNT(*) DESC, break_cause COLLATE "C"`,
    [[...new Set(rows.map((r) => r.session))]],
  );
  const top = new Map(causes.rows.map((c) => [`${c.session}\u0000${c.runtime}`, c.cause]));
  return rows.map((r) => cacheSessionRow(r, top.get(`${r.session}\u0000${r.runtime}`) ?? null));
}
