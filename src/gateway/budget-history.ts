/**
 * The budgets' memory across gateway restarts: what the gateway's own records in quartet's database
 * (store.ts's `gateway_request`, one row per request with its cost) say was spent before this gateway
 * started. Each session's total is read in one pass when the gateway starts, so the first request of a
 * session never waits on a scan of the table.
 */
import { statement, type Db } from "../core/db.js";
import type { SpendHistory } from "./budget.js";
import { migrateGateway } from "./store.js";

export function storedSpend(db: Db, until: number): SpendHistory {
  migrateGateway(db);
  const sessions = new Map<string, number>();
  const rows = db
    .prepare("SELECT session, SUM(cost_usd) AS usd FROM gateway_request WHERE session IS NOT NULL AND at < ? GROUP BY session")
    .all(until) as { session: string; usd: number | null }[];
  for (const r of rows) sessions.set(r.session, r.usd ?? 0);
  return {
    spentBetween(from, to) {
      const row = statement(db, "SELECT SUM(cost_usd) AS usd FROM gateway_request WHERE at >= ? AND at < ?").get(from, to) as {
        usd: number | null;
      };
      return row.usd ?? 0;
    },
    spentInSession(session, before) {
      // The budget asks for what came before it started: the totals read above.
      if (before === until) return sessions.get(session) ?? 0;
      const row = statement(db, "SELECT SUM(cost_usd) AS usd FROM gateway_request WHERE session = ? AND at < ?").get(session, before) as {
        usd: number | null;
      };
      return row.usd ?? 0;
    },
  };
}
