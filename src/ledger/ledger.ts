/**
 * Layer 1: the usage ledger. Every request from every runtime's own logs, normalized, costed and
 * analyzed for prompt-cache efficiency, in quartet's SQLite database.
 */
export { endSnapshot, ingest, LedgerIncompleteError, type IngestResult } from "./ingest.js";
export { isSettled } from "./settle.js";
export { hasSources, prepareLedger, storedWarnings } from "./store.js";
export {
  cacheSessions,
  hasRecords,
  dataRange,
  GROUP_BY,
  matchSessions,
  taxByCause,
  sessionTotals,
  timeline,
  totals,
  unpricedModels,
  usageRows,
  usageBreakdown,
  type CacheSessionRow,
  type Figures,
  type Filters,
  type GroupBy,
  type TimelineRow,
  type UsageRow,
} from "./query.js";
export { BreakCause, CAUSE_LABEL } from "./cache-analytics.js";

export * as Ledger from "./ledger.js";
