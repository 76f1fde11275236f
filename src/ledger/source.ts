/**
 * Where report rows come from, behind the renderers: this machine's ledger (SQLite, below) or the team's
 * server (PostgreSQL, src/team/). `usage`, `cache` and `report --html` ask these questions and never know
 * which store answered, so a team report has the same tables, JSON and page as a local one.
 */
import type { Db } from "../core/db.js";
import type { RuntimeId } from "../runtimes/types.js";
import type { BreakCause } from "./cache-analytics.js";
import * as Query from "./query.js";
import type { CacheSessionRow, Figures, Filters, GroupBy, UsageRow } from "./query.js";

/** What only a team's server can group by: who ran the request, and on which machine. */
export const TEAM_GROUP_BY = ["user", "machine"] as const;
export type Dimension = GroupBy | (typeof TEAM_GROUP_BY)[number];

export interface ReportSource {
  /** The dimensions this store can group by. */
  readonly dimensions: readonly Dimension[];
  usageRows(by: Dimension, f: Filters, tz: string): Promise<UsageRow[]>;
  usageBreakdown(by: Dimension, then: Dimension, f: Filters, tz: string): Promise<Map<string, UsageRow[]>>;
  totals(f: Filters): Promise<Figures>;
  cacheSessions(f: Filters, limit: number): Promise<CacheSessionRow[]>;
  taxByCause(f: Filters): Promise<{ cause: BreakCause; breaks: number; shortfalls: number; taxUsd: number }[]>;
  unpricedModels(f: Filters): Promise<{ model: string; runtime: string; requests: number }[]>;
  hasRecords(runtimes: readonly RuntimeId[]): Promise<boolean>;
  dataRange(runtimes: readonly RuntimeId[]): Promise<{ runtime: string; firstTs: number; lastTs: number; requests: number }[]>;
}

function local(by: Dimension): GroupBy {
  if ((TEAM_GROUP_BY as readonly string[]).includes(by)) throw new Error(`the local ledger has no "${by}" dimension`);
  return by as GroupBy;
}

/** This machine's ledger as a report source. */
export function ledgerSource(db: Db): ReportSource {
  return {
    dimensions: Query.GROUP_BY,
    usageRows: async (by, f, tz) => Query.usageRows(db, local(by), f, tz),
    usageBreakdown: async (by, then, f, tz) => Query.usageBreakdown(db, local(by), local(then), f, tz),
    totals: async (f) => Query.totals(db, f),
    cacheSessions: async (f, limit) => Query.cacheSessions(db, f, limit),
    taxByCause: async (f) => Query.taxByCause(db, f),
    unpricedModels: async (f) => Query.unpricedModels(db, f),
    hasRecords: async (runtimes) => Query.hasRecords(db, runtimes),
    dataRange: async (runtimes) => Query.dataRange(db, runtimes),
  };
}
