/**
 * The ledger as it stands now: the current 5-hour block and the current week, per runtime, with the
 * block's burn rate and a projection to its end (`quartet live`, `quartet statusline`).
 *
 * Blocks are cut exactly as `usage --by block` cuts them (blockStarts in core/time.ts: a block starts at the
 * UTC hour floor of its first request and lasts five hours). Five idle hours always end a block, so only the
 * hours back to the last such gap are read, however large the ledger.
 *
 * The burn rate divides the block's spend (and tokens) by the time from its first request to now, so a pause
 * inside the block lowers it; ccusage divides by the time from first to last request instead. The projection
 * assumes that pace holds until the block ends. Tokens are all four kinds: uncached input, cache writes, cache
 * reads and output.
 */
import type { Db } from "../core/db.js";
import { BLOCK_MS, blockStarts, weekKey, weekStart } from "../core/time.js";
import { totals, usageRows, whereClause, type Figures, type Filters, type UsageRow } from "./query.js";
import { HOUR_MS } from "./rollup.js";

/** A rate is not extrapolated from less time than this since the block's first request. */
const MIN_ELAPSED_MS = 60_000;

type Scope = Pick<Filters, "runtimes" | "project">;

export interface Pace {
  /** Uncached input + cache writes + cache reads + output. */
  tokens: number;
  /** null when a price is unknown, or under a minute has passed since the block's first request. */
  costPerHour: number | null;
  tokensPerMinute: number | null;
  /** The spend at the block's end if the pace so far holds; null as costPerHour. */
  projectedCostUsd: number | null;
  projectedTokens: number | null;
}

export interface RuntimeFigures {
  runtime: string;
  figures: Figures;
}

export interface LiveBlock {
  start: number;
  end: number;
  firstTs: number;
  lastTs: number;
  /** Runtimes with requests in the block, each with its pace over the block's elapsed time. */
  rows: (RuntimeFigures & { pace: Pace })[];
  totals: Figures;
  pace: Pace;
}

export interface LiveSnapshot {
  now: number;
  /** The block holding the latest request, while it lasts; null once it has ended. */
  block: LiveBlock | null;
  /** The latest request's time; null for an empty ledger. */
  lastActivity: number | null;
  /** The ISO week holding `now`, in the report's time zone, up to now. */
  week: { key: string; start: number; rows: RuntimeFigures[]; totals: Figures };
}

/** The start of the block holding the latest request in scope, or null when there is none. */
export function latestBlockStart(db: Db, scope: Scope): number | null {
  const w = whereClause({ runtimes: scope.runtimes, project: scope.project });
  const hours = db.prepare(`SELECT DISTINCT hour FROM usage_rollup ${w.sql} ORDER BY hour DESC`).pluck();
  const recent: number[] = [];
  for (const hour of hours.iterate(...w.params) as Iterable<number>) {
    if (recent.length > 0 && (recent[recent.length - 1]! - hour) * HOUR_MS >= BLOCK_MS) break;
    recent.push(hour);
  }
  if (recent.length === 0) return null;
  return blockStarts(recent.reverse().map((h) => h * HOUR_MS)).at(-1)!;
}

/** The figures of the block holding the latest request, whether or not it has ended; null when there is none. */
export function latestBlock(db: Db, scope: Scope, now: number): LiveBlock | null {
  const start = latestBlockStart(db, scope);
  if (start === null) return null;
  const filters: Filters = { ...scope, since: start };
  const rows = usageRows(db, "runtime", filters, "UTC");
  // The rollup and the records disagree only while another process settles them.
  if (rows.length === 0) return null;
  const all = totals(db, filters);
  const firstTs = Math.min(...rows.map((r) => r.firstTs!));
  const span = { firstTs, now, end: start + BLOCK_MS };
  return {
    start,
    end: span.end,
    firstTs,
    lastTs: Math.max(...rows.map((r) => r.lastTs!)),
    rows: rows.map((r) => ({ ...byRuntime(r), pace: pace(r, span) })),
    totals: all,
    pace: pace(all, span),
  };
}

export function liveSnapshot(db: Db, o: { scope: Scope; tz: string; now: number }): LiveSnapshot {
  const block = latestBlock(db, o.scope, o.now);
  const start = weekStart(o.now, o.tz);
  const week: Filters = { ...o.scope, since: start };
  return {
    now: o.now,
    block: block && block.end > o.now ? block : null,
    lastActivity: block?.lastTs ?? null,
    week: {
      key: weekKey(o.now, o.tz),
      start,
      rows: usageRows(db, "runtime", week, o.tz).map(byRuntime),
      totals: totals(db, week),
    },
  };
}

/** A usage row's runtime and its figures alone. */
function byRuntime(r: UsageRow): RuntimeFigures {
  const { key, firstTs, lastTs, ...figures } = r;
  return { runtime: key, figures };
}

/** Spend and tokens per unit of time since the block's first request, and where that pace ends the block. */
export function pace(f: Figures, span: { firstTs: number; now: number; end: number }): Pace {
  const tokens = f.inputTokens + f.cacheWriteTokens + f.cacheReadTokens + f.outputTokens;
  const elapsed = span.now - span.firstTs;
  if (elapsed < MIN_ELAPSED_MS) return { tokens, costPerHour: null, tokensPerMinute: null, projectedCostUsd: null, projectedTokens: null };
  const remaining = Math.max(0, span.end - span.now);
  const costPerMs = f.costUsd === null ? null : f.costUsd / elapsed;
  return {
    tokens,
    costPerHour: costPerMs === null ? null : costPerMs * HOUR_MS,
    tokensPerMinute: (tokens / elapsed) * 60_000,
    projectedCostUsd: costPerMs === null ? null : f.costUsd! + costPerMs * remaining,
    projectedTokens: tokens + (tokens / elapsed) * remaining,
  };
}
