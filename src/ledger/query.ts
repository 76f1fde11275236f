/**
 * Report queries over the ledger. Sums are done in SQL; time keys (day, week, month, 5-hour block) are
 * assigned in JS from UTC quarter-hour slots so that any time zone is exact.
 */
import type { Db } from "../core/db.js";
import { blockStarts, dayKey, monthKey, SLOT_MS, weekKey } from "../core/time.js";
import type { RuntimeId } from "../runtimes/types.js";
import type { BreakCause } from "./cache-analytics.js";
import { HOUR_MS, wholeHourZone } from "./rollup.js";

export const GROUP_BY = ["day", "week", "month", "session", "project", "model", "runtime", "block"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface Filters {
  since?: number;
  until?: number;
  runtimes?: readonly RuntimeId[];
  /** Matches records whose project path contains this text. */
  project?: string;
  session?: string;
}

/** The figures every usage row and total carries (DESIGN.md's JSON contract, plus detail fields). */
export interface Figures {
  requests: number;
  /** Uncached input (Anthropic's meaning). */
  inputTokens: number;
  cacheWriteTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** null when any request in the row is on a model without a known price. */
  costUsd: number | null;
  /** Cost of the priced requests only. */
  knownCostUsd: number;
  unpricedRequests: number;
  /** What the runtime itself reported, where it reports a cost (OpenCode, old Claude Code logs). */
  reportedCostUsd: number | null;
  /** cacheRead / (input + cacheWrite + cacheRead); null with no prompt tokens. */
  cacheHitRate: number | null;
  /** null when a shortfall fell on a model without a known price. */
  cacheTaxUsd: number | null;
  knownCacheTaxUsd: number;
  cacheBreaks: number;
}

export interface UsageRow extends Figures {
  key: string;
  runtime?: string;
  /** Extra context for session rows. */
  project?: string | null;
  models?: string[];
  firstTs?: number;
  lastTs?: number;
}

const SUMS = `COUNT(*) AS requests, SUM(input_tokens) AS input, SUM(cache_write_5m_tokens) AS w5, SUM(cache_write_1h_tokens) AS w1,
  SUM(cache_read_tokens) AS cr, SUM(output_tokens) AS output, SUM(reasoning_tokens) AS reasoning,
  SUM(COALESCE(cost_usd, 0)) AS cost, SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced,
  SUM(reported_cost_usd) AS reported, SUM(COALESCE(cache_tax_usd, 0)) AS tax,
  SUM(CASE WHEN cache_tax_usd IS NULL THEN 1 ELSE 0 END) AS untaxed, SUM(cache_break) AS breaks,
  MIN(ts) AS first_ts, MAX(ts) AS last_ts`;

/** The sums of one group, as the SQL of either store names them (the team's server returns the same aliases). */
export interface SumRow {
  requests: number;
  input: number;
  w5: number;
  w1: number;
  cr: number;
  output: number;
  reasoning: number;
  cost: number;
  unpriced: number;
  reported: number | null;
  tax: number;
  untaxed: number;
  breaks: number;
  first_ts: number;
  last_ts: number;
}

/** Where a query reads from: the hourly rollup when it is exact for the filters and time zone, else the request table. */
export interface Source {
  from: string;
  sums: string;
  /** SQL for the time slot of a row, and the slot's length. */
  slot: string;
  slotMs: number;
  where: { sql: string; params: unknown[] };
}

const ROLLUP_SUMS = `SUM(requests) AS requests, SUM(input) AS input, SUM(w5) AS w5, SUM(w1) AS w1, SUM(cr) AS cr, SUM(output) AS output,
  SUM(reasoning) AS reasoning, SUM(cost) AS cost, SUM(unpriced) AS unpriced, SUM(reported) AS reported, SUM(tax) AS tax,
  SUM(untaxed) AS untaxed, SUM(breaks) AS breaks, MIN(first_ts) AS first_ts, MAX(last_ts) AS last_ts`;

function source(f: Filters, tz?: string): Source {
  const alignedSince = f.since === undefined || f.since % HOUR_MS === 0;
  const alignedUntil = f.until === undefined || (f.until + 1) % HOUR_MS === 0;
  const rollup = !f.session && alignedSince && alignedUntil && (tz === undefined || wholeHourZone(tz));
  if (!rollup) return { from: "usage_record", sums: SUMS, slot: `ts / ${SLOT_MS}`, slotMs: SLOT_MS, where: whereClause(f) };
  return {
    from: "usage_rollup",
    sums: ROLLUP_SUMS,
    slot: "hour",
    slotMs: HOUR_MS,
    where: whereClause({ ...f, since: undefined, until: undefined }, [
      ...(f.since !== undefined ? [["hour >= ?", f.since / HOUR_MS] as const] : []),
      ...(f.until !== undefined ? [["hour <= ?", Math.floor(f.until / HOUR_MS)] as const] : []),
    ]),
  };
}

export function whereClause(f: Filters, extra: readonly (readonly [string, unknown])[] = []): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [sql, param] of extra) {
    parts.push(sql);
    params.push(param);
  }
  if (f.since !== undefined) {
    parts.push("ts >= ?");
    params.push(f.since);
  }
  if (f.until !== undefined) {
    parts.push("ts <= ?");
    params.push(f.until);
  }
  if (f.runtimes && f.runtimes.length > 0) {
    parts.push(`runtime IN (${f.runtimes.map(() => "?").join(", ")})`);
    params.push(...f.runtimes);
  }
  if (f.project) {
    parts.push("instr(project, ?) > 0");
    params.push(f.project);
  }
  if (f.session) {
    parts.push("(root_session_id = ? OR session_id = ?)");
    params.push(f.session, f.session);
  }
  return { sql: parts.length > 0 ? `WHERE ${parts.join(" AND ")}` : "", params };
}

export function figures(s: SumRow | undefined): Figures {
  const r =
    s ??
    ({
      requests: 0,
      input: 0,
      w5: 0,
      w1: 0,
      cr: 0,
      output: 0,
      reasoning: 0,
      cost: 0,
      unpriced: 0,
      reported: null,
      tax: 0,
      untaxed: 0,
      breaks: 0,
    } as SumRow);
  const write = (r.w5 ?? 0) + (r.w1 ?? 0);
  const prompt = (r.input ?? 0) + write + (r.cr ?? 0);
  return {
    requests: r.requests ?? 0,
    inputTokens: r.input ?? 0,
    cacheWriteTokens: write,
    cacheWrite5mTokens: r.w5 ?? 0,
    cacheWrite1hTokens: r.w1 ?? 0,
    cacheReadTokens: r.cr ?? 0,
    outputTokens: r.output ?? 0,
    reasoningTokens: r.reasoning ?? 0,
    costUsd: r.unpriced > 0 ? null : (r.cost ?? 0),
    knownCostUsd: r.cost ?? 0,
    unpricedRequests: r.unpriced ?? 0,
    reportedCostUsd: r.reported ?? null,
    cacheHitRate: prompt > 0 ? (r.cr ?? 0) / prompt : null,
    cacheTaxUsd: r.untaxed > 0 ? null : (r.tax ?? 0),
    knownCacheTaxUsd: r.tax ?? 0,
    cacheBreaks: r.breaks ?? 0,
  };
}

function addSums(into: SumRow, s: SumRow): void {
  for (const k of ["requests", "input", "w5", "w1", "cr", "output", "reasoning", "cost", "unpriced", "tax", "untaxed", "breaks"] as const) {
    into[k] = (into[k] ?? 0) + (s[k] ?? 0);
  }
  into.reported = s.reported === null ? into.reported : (into.reported ?? 0) + s.reported;
  into.first_ts = Math.min(into.first_ts ?? Infinity, s.first_ts);
  into.last_ts = Math.max(into.last_ts ?? -Infinity, s.last_ts);
}

function emptySums(): SumRow {
  return {
    requests: 0,
    input: 0,
    w5: 0,
    w1: 0,
    cr: 0,
    output: 0,
    reasoning: 0,
    cost: 0,
    unpriced: 0,
    reported: null,
    tax: 0,
    untaxed: 0,
    breaks: 0,
    first_ts: Infinity,
    last_ts: -Infinity,
  };
}

/** Whether the ledger holds any record of these runtimes. */
export function hasRecords(db: Db, runtimes: readonly RuntimeId[]): boolean {
  const w = whereClause({ runtimes });
  return db.prepare(`SELECT 1 FROM usage_record ${w.sql} LIMIT 1`).get(...w.params) !== undefined;
}

/** The first and last request time per runtime, over the given runtimes, ignoring every other filter. */
export function dataRange(
  db: Db,
  runtimes: readonly RuntimeId[],
): { runtime: string; firstTs: number; lastTs: number; requests: number }[] {
  const w = whereClause({ runtimes });
  return db
    .prepare(
      `SELECT runtime, MIN(ts) AS firstTs, MAX(ts) AS lastTs, COUNT(*) AS requests FROM usage_record ${w.sql} GROUP BY runtime ORDER BY runtime`,
    )
    .all(...w.params) as { runtime: string; firstTs: number; lastTs: number; requests: number }[];
}

export function totals(db: Db, f: Filters): Figures {
  const src = source(f);
  return figures(db.prepare(`SELECT ${src.sums} FROM ${src.from} ${src.where.sql}`).get(...src.where.params) as SumRow);
}

/**
 * One root session's figures, read through the index on root_session_id: the status line asks on every turn,
 * and a `session` filter (which also matches subagent ids) reads every record.
 */
export function sessionTotals(db: Db, rootSessionId: string): Figures {
  return figures(db.prepare(`SELECT ${SUMS} FROM usage_record WHERE root_session_id = ?`).get(rootSessionId) as SumRow);
}

const TIME_DIMENSIONS = ["day", "week", "month", "block"] as const;
type TimeDimension = (typeof TIME_DIMENSIONS)[number];
/** Whether a dimension is a time key (grouped by slot in SQL, keyed in JS) rather than a column. */
export const isTimeDimension = (by: string): by is TimeDimension => (TIME_DIMENSIONS as readonly string[]).includes(by);
const COLUMN = { session: "root_session_id", project: "project", model: "model", runtime: "runtime" } as const;

/** One group of rows that share their keys (a session is a root session on one runtime). */
export interface Group {
  keys: string[];
  sums: SumRow;
  runtime?: string;
  project?: string | null;
  models?: string[];
}

/**
 * A row of a grouped query: `k0`, `k1` hold each dimension's value (a slot number for a time dimension); a
 * session row also has `runtime`, `project` and `models` (comma-separated), a model row `runtime` (comma-separated).
 */
export type GroupedRow = SumRow & Record<string, string | number | null>;

/**
 * Sums grouped by one or two dimensions. Time dimensions are grouped by slot in SQL and keyed in JS (so any
 * time zone is exact); the others are columns. A session is a root session on one runtime.
 */
function groups(db: Db, dims: readonly GroupBy[], f: Filters, tz: string): Group[] {
  const src = source(f, tz);
  const w = src.where;
  const select = dims.map((d, i) => (isTimeDimension(d) ? `${src.slot} AS k${i}` : `${COLUMN[d as keyof typeof COLUMN]} AS k${i}`));
  const groupBy = dims.map((_, i) => `k${i}`);
  const session = dims.includes("session");
  if (session) groupBy.push("runtime");
  const extra = session
    ? ", runtime, MAX(project) AS project, GROUP_CONCAT(DISTINCT model) AS models"
    : dims.includes("model") && !dims.includes("runtime")
      ? ", GROUP_CONCAT(DISTINCT runtime) AS runtime"
      : "";
  const rows = db
    .prepare(`SELECT ${select.join(", ")} ${extra}, ${src.sums} FROM ${src.from} ${w.sql} GROUP BY ${groupBy.join(", ")}`)
    .all(...w.params) as GroupedRow[];
  return mergeGroups({ rows, dims, tz, slotMs: src.slotMs });
}

/**
 * Merges grouped rows into groups keyed for people: each slot becomes its day, week, month or block in `tz`,
 * and rows whose slots share a key are summed. Either store's rows go through here, so their keys agree.
 */
export function mergeGroups({
  rows,
  dims,
  tz,
  slotMs,
}: {
  rows: readonly GroupedRow[];
  dims: readonly string[];
  tz: string;
  slotMs: number;
}): Group[] {
  const session = dims.includes("session");
  const slotKeyers = dims.map((d, i) =>
    isTimeDimension(d)
      ? timeKeyer(
          d,
          tz,
          rows.map((r) => Number(r[`k${i}`]) * slotMs),
        )
      : undefined,
  );
  const merged = new Map<string, Group>();
  for (const r of rows) {
    const keys = dims.map((_, i) => {
      const v = r[`k${i}`] ?? null;
      return slotKeyers[i] ? slotKeyers[i](Number(v) * slotMs) : String(v ?? "(unknown)");
    });
    const id = [...keys, session ? r.runtime : ""].join("\u0000");
    let g = merged.get(id);
    if (!g) {
      g = { keys, sums: emptySums() };
      if (session) {
        g.runtime = String(r.runtime);
        g.project = null;
        g.models = [];
      }
      merged.set(id, g);
    }
    // Sorted: GROUP_CONCAT's order follows the rows', which differs between ledgers holding the same records.
    if (session) {
      g.project ??= (r.project as string | null) ?? null;
      g.models = union(g.models!, r.models);
    } else if (typeof r.runtime === "string") g.runtime = union(g.runtime?.split(",") ?? [], r.runtime).join(",");
    addSums(g.sums, r);
  }
  return [...merged.values()];
}

/** The sorted union of a list and a GROUP_CONCAT value. */
function union(list: readonly string[], concat: string | number | null | undefined): string[] {
  return [
    ...new Set([
      ...list,
      ...String(concat ?? "")
        .split(",")
        .filter(Boolean),
    ]),
  ].sort();
}

function toRow(g: Group, keyIndex: number): UsageRow {
  return {
    key: g.keys[keyIndex]!,
    ...(g.runtime !== undefined ? { runtime: g.runtime } : {}),
    ...(g.project !== undefined ? { project: g.project, models: g.models } : {}),
    ...figures(g.sums),
    firstTs: g.sums.first_ts,
    lastTs: g.sums.last_ts,
  };
}

/** Time in order; anything else by cost, the most expensive first. */
function sortRows(by: string, rows: UsageRow[]): UsageRow[] {
  // Time keys are fixed-width ASCII (2026-11-24, 2026-W48, 2026-11-24T08:00Z): compared as they are, without
  // loading the collation data localeCompare needs (about 9 ms of every report by day).
  return isTimeDimension(by)
    ? rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    : rows.sort((a, b) => b.knownCostUsd - a.knownCostUsd || a.key.localeCompare(b.key));
}

/** The rows of groups by one dimension, sorted by key (time) or by cost (others). */
export function rowsOfGroups(by: string, list: readonly Group[]): UsageRow[] {
  return sortRows(
    by,
    list.map((g) => toRow(g, 0)),
  );
}

/** The sub-rows of groups by two dimensions, under each first-dimension key, sorted as `then` sorts. */
export function breakdownOfGroups(then: string, list: readonly Group[]): Map<string, UsageRow[]> {
  const out = new Map<string, UsageRow[]>();
  for (const g of list) {
    const sub = out.get(g.keys[0]!) ?? [];
    sub.push(toRow(g, 1));
    out.set(g.keys[0]!, sub);
  }
  for (const sub of out.values()) sortRows(then, sub);
  return out;
}

/** Usage grouped by one dimension, sorted by key (time) or by cost (others). */
export function usageRows(db: Db, by: GroupBy, f: Filters, tz: string): UsageRow[] {
  return rowsOfGroups(by, groups(db, [by], f, tz));
}

/** Usage grouped by `by`, each group split by `then`: the sub-rows of every first-dimension key. */
export function usageBreakdown(db: Db, by: GroupBy, then: GroupBy, f: Filters, tz: string): Map<string, UsageRow[]> {
  return breakdownOfGroups(then, groups(db, [by, then], f, tz));
}

function timeKeyer(by: TimeDimension, tz: string, slotStarts: readonly number[]): (ts: number) => string {
  if (by === "day") return (ts) => dayKey(ts, tz);
  if (by === "week") return (ts) => weekKey(ts, tz);
  if (by === "month") return (ts) => monthKey(ts, tz);
  const sorted = [...new Set(slotStarts)].sort((a, b) => a - b);
  const starts = blockStarts(sorted);
  const blockOf = new Map(sorted.map((ts, i) => [ts, starts[i]!]));
  return (ts) => new Date(blockOf.get(ts)!).toISOString().replace(/:00\.000Z$/, "Z");
}

export interface CacheSessionRow extends Figures {
  session: string;
  runtime: string;
  project: string | null;
  firstTs: number;
  lastTs: number;
  topCause: BreakCause | null;
}

/** Sessions ranked by cache tax (known part), then by break count (the team's server sorts alike, src/team/query.ts). */
const CACHE_SESSION_ORDER = "tax DESC, breaks DESC, last_ts DESC, session, runtime";

/** A session's grouped sums, as either store's query returns them. */
export type SessionSums = SumRow & { session: string; runtime: string; project: string | null };

export function cacheSessionRow(r: SessionSums, topCause: BreakCause | null): CacheSessionRow {
  return { session: r.session, runtime: r.runtime, project: r.project, ...figures(r), firstTs: r.first_ts, lastTs: r.last_ts, topCause };
}

/** Sessions ranked by cache tax (known part), then by break count. */
export function cacheSessions(db: Db, f: Filters, limit: number): CacheSessionRow[] {
  const src = source(f);
  const w = src.where;
  const rows = db
    .prepare(
      `SELECT root_session_id AS session, runtime, MAX(project) AS project, ${src.sums} FROM ${src.from} ${w.sql}
       GROUP BY root_session_id, runtime ORDER BY ${CACHE_SESSION_ORDER} LIMIT ?`,
    )
    .all(...w.params, limit) as SessionSums[];
  const cause = db
    .prepare(
      `SELECT break_cause FROM usage_record WHERE root_session_id = ? AND runtime = ? AND break_cause IS NOT NULL
     GROUP BY break_cause ORDER BY SUM(COALESCE(cache_tax_usd, 0)) DESC, COUNT(*) DESC, break_cause LIMIT 1`,
    )
    .pluck();
  return rows.map((r) => cacheSessionRow(r, (cause.get(r.session, r.runtime) as BreakCause | undefined) ?? null));
}

export interface TimelineRow {
  ts: number;
  runtime: string;
  /** The request's key in the ledger (Claude: `message.id:requestId`), to join the gateway's record of it. */
  requestKey: string;
  sessionId: string;
  conversation: string;
  agentId: string | null;
  model: string;
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
  costUsd: number | null;
  expectedRead: number;
  shortfall: number;
  isBreak: boolean;
  cause: BreakCause | null;
  taxUsd: number | null;
  source: string;
}

/** Finds sessions whose id starts with the given text (users paste prefixes). */
export function matchSessions(db: Db, idOrPrefix: string): { session: string; runtime: string }[] {
  return db
    .prepare(
      `SELECT DISTINCT root_session_id AS session, runtime FROM usage_record
       WHERE root_session_id = ? OR session_id = ? OR root_session_id LIKE ? ESCAPE '\\' LIMIT 20`,
    )
    .all(idOrPrefix, idOrPrefix, `${idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as { session: string; runtime: string }[];
}

export function timeline(db: Db, session: string): TimelineRow[] {
  const rows = db
    .prepare(
      `SELECT r.ts, r.runtime, r.request_key, r.session_id, r.conversation_id, r.agent_id, r.model, r.input_tokens, r.cache_write_5m_tokens,
              r.cache_write_1h_tokens, r.cache_read_tokens, r.output_tokens, r.cost_usd, r.expected_read_tokens,
              r.shortfall_tokens, r.cache_break, r.break_cause, r.cache_tax_usd, s.path AS source_path, r.source_line, r.source_ref
       FROM usage_record r JOIN ledger_source s ON s.id = r.source_id
       WHERE r.root_session_id = ? ORDER BY r.ts, r.request_key`,
    )
    .all(session) as Record<string, unknown>[];
  return rows.map((r) => ({
    ts: r.ts as number,
    runtime: r.runtime as string,
    requestKey: r.request_key as string,
    sessionId: r.session_id as string,
    conversation: r.conversation_id as string,
    agentId: (r.agent_id as string | null) ?? null,
    model: r.model as string,
    input: r.input_tokens as number,
    cacheWrite5m: r.cache_write_5m_tokens as number,
    cacheWrite1h: r.cache_write_1h_tokens as number,
    cacheRead: r.cache_read_tokens as number,
    output: r.output_tokens as number,
    costUsd: r.cost_usd as number | null,
    expectedRead: r.expected_read_tokens as number,
    shortfall: r.shortfall_tokens as number,
    isBreak: r.cache_break === 1,
    cause: (r.break_cause as BreakCause | null) ?? null,
    taxUsd: r.cache_tax_usd as number | null,
    source: r.source_line ? `${r.source_path}:${r.source_line}` : `${r.source_path}${r.source_ref ? ` (${r.source_ref})` : ""}`,
  }));
}

/** Tax and breaks per cause, for the report. */
export function taxByCause(db: Db, f: Filters): { cause: BreakCause; breaks: number; shortfalls: number; taxUsd: number }[] {
  const w = whereClause(f);
  const extra = w.sql ? `${w.sql} AND break_cause IS NOT NULL` : "WHERE break_cause IS NOT NULL";
  return db
    .prepare(
      `SELECT break_cause AS cause, SUM(cache_break) AS breaks, COUNT(*) AS shortfalls, SUM(COALESCE(cache_tax_usd, 0)) AS taxUsd
         FROM usage_record ${extra} GROUP BY break_cause ORDER BY taxUsd DESC, cause`,
    )
    .all(...w.params) as { cause: BreakCause; breaks: number; shortfalls: number; taxUsd: number }[];
}

/** Models that have records but no price, with their request counts. */
export function unpricedModels(db: Db, f: Filters): { model: string; runtime: string; requests: number }[] {
  const src = source(f);
  const w = src.where;
  const sql =
    src.from === "usage_rollup"
      ? `SELECT model, runtime, SUM(unpriced) AS requests FROM usage_rollup ${w.sql} GROUP BY model, runtime HAVING SUM(unpriced) > 0 ORDER BY requests DESC, model, runtime`
      : `SELECT model, runtime, COUNT(*) AS requests FROM usage_record ${w.sql ? `${w.sql} AND` : "WHERE"} cost_usd IS NULL GROUP BY model, runtime ORDER BY requests DESC, model, runtime`;
  return db.prepare(sql).all(...w.params) as { model: string; runtime: string; requests: number }[];
}
