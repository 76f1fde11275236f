/**
 * The budgets' source of truth: the gateway's own records in quartet's database (store.ts's `gateway_request`,
 * one row per request with its cost), written by every gateway on this data folder, this one's recorder thread
 * included. Spend is what the table says, so a restart resets nothing and two gateways on one database share
 * one budget rather than getting one each.
 *
 * Read cheaply on every gated request: the rows stored since the last look are folded in by rowid (a range of
 * the table's own b-tree, usually empty or a few rows), into totals per local day and per session. A day's total
 * is read once from the `at` index when first asked for; each session's total before this process started in one
 * pass at its start, so the first request of a session never waits on a scan of the table. Rows are only ever
 * added (the recorder writes each exchange once), which is what makes folding by rowid exact.
 */
import { BoundedMap } from "../core/bounded-map.js";
import { statement, type Db } from "../core/db.js";
import { localDay, MAX_DAYS, MAX_SESSIONS, type SpendHistory } from "./budget.js";
import { migrateGateway } from "./store.js";

export function storedSpend(db: Db): SpendHistory {
  migrateGateway(db);
  const usd = (row: unknown) => (row as { usd: number | null }).usd ?? 0;
  let cursor = (db.prepare("SELECT MAX(rowid) AS id FROM gateway_request").get() as { id: number | null }).id ?? 0;
  const before = new Map<string, number>();
  const rows = db
    .prepare("SELECT session, SUM(cost_usd) AS usd FROM gateway_request WHERE session IS NOT NULL AND rowid <= ? GROUP BY session")
    .all(cursor) as { session: string; usd: number | null }[];
  for (const r of rows) before.set(r.session, r.usd ?? 0);
  const days = new BoundedMap<string, number>(MAX_DAYS);
  const sessions = new BoundedMap<string, number>(MAX_SESSIONS);
  // Until a session is forgotten, one absent from `sessions` has no row since the start but what `before` holds.
  let forgot = false;
  const newRows = statement(
    db,
    "SELECT rowid AS id, exchange_id AS exchangeId, at, session, cost_usd AS usd FROM gateway_request WHERE rowid > ? ORDER BY rowid",
  );
  return {
    refresh() {
      const folded: string[] = [];
      for (const r of newRows.all(cursor) as { id: number; exchangeId: string; at: number; session: string | null; usd: number | null }[]) {
        cursor = r.id;
        folded.push(r.exchangeId);
        if (!r.usd) continue;
        const key = localDay(r.at).key;
        const day = days.get(key);
        if (day !== undefined) days.set(key, day + r.usd);
        if (r.session === null) continue;
        const session = sessions.get(r.session);
        if (session !== undefined) sessions.set(r.session, session + r.usd);
        else if (!forgot) {
          forgot = sessions.size >= MAX_SESSIONS;
          sessions.set(r.session, (before.get(r.session) ?? 0) + r.usd);
        }
      }
      return folded;
    },
    day(key, start, end) {
      let total = days.get(key);
      if (total === undefined) {
        total = usd(
          statement(db, "SELECT SUM(cost_usd) AS usd FROM gateway_request WHERE at >= ? AND at < ? AND rowid <= ?").get(start, end, cursor),
        );
        days.set(key, total);
      }
      return total;
    },
    session(id) {
      const total = sessions.get(id);
      if (total !== undefined) return total;
      if (!forgot) return before.get(id) ?? 0;
      const read = usd(statement(db, "SELECT SUM(cost_usd) AS usd FROM gateway_request WHERE session = ? AND rowid <= ?").get(id, cursor));
      sessions.set(id, read);
      return read;
    },
  };
}
