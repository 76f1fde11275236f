/**
 * The columns the ledger derives from the token counts: cost at list price and the cache analysis.
 * They depend on the pricing table, so they are refreshed whenever its fingerprint changes.
 */
import type { Db } from "../core/db.js";
import { effectiveRates, promptTokens, ratesFor, requestCost, speedMultiplier, type Pricing } from "../core/pricing.js";
import { analyzeConversation, type ChainResult, type TaxRates } from "./cache-analytics.js";
import { conversationRef, splitConversationRef, type ConversationRef, type UsageRecord } from "./record.js";
import type { StoredRecord } from "./store.js";

const NO_ANALYSIS: ChainResult = { expectedRead: 0, shortfall: 0, isBreak: false, cause: null, taxUsd: 0 };

export function costOf(
  pricing: Pricing,
  r: Pick<UsageRecord, "model" | "ts" | "speed" | "input" | "output" | "cacheRead" | "cacheWrite5m" | "cacheWrite1h">,
): number | null {
  const row = pricing.lookup(r.model, r.ts);
  return row ? requestCost(row, r, r.speed) : null;
}

export function taxRatesOf(
  pricing: Pricing,
  r: Pick<UsageRecord, "model" | "ts" | "speed" | "input" | "output" | "cacheRead" | "cacheWrite5m" | "cacheWrite1h">,
): TaxRates | null {
  const row = pricing.lookup(r.model, r.ts);
  if (!row) return null;
  return effectiveRates(ratesFor(row, promptTokens(r)), speedMultiplier(row, r.speed));
}

/** Analyzes the records of one new conversation, sorted by time, and attaches cost and analysis in place. */
export function analyzeStored(pricing: Pricing, records: UsageRecord[], sourceId: number): StoredRecord[] {
  const results = analyzeConversation(records, (r) => taxRatesOf(pricing, r as UsageRecord));
  return records.map((r, i) => stored(pricing, r, sourceId, results[i]!));
}

/** Records whose analysis will be computed later, over their whole conversation. */
export function pendingAnalysis(pricing: Pricing, records: UsageRecord[], sourceId: number): StoredRecord[] {
  return records.map((r) => stored(pricing, r, sourceId, NO_ANALYSIS));
}

function stored(pricing: Pricing, r: UsageRecord, sourceId: number, analysis: ChainResult): StoredRecord {
  // Extends the record object itself: this runs for every request of a cold ingest.
  const s = r as StoredRecord;
  s.sourceId = sourceId;
  s.costUsd = costOf(pricing, r);
  s.analysis = analysis;
  return s;
}

/** The columns the analysis of a stored conversation reads, and the derived ones it may change. */
type ChainRow = Pick<
  UsageRecord,
  "ts" | "model" | "speed" | "input" | "cacheWrite5m" | "cacheWrite1h" | "cacheRead" | "output" | "marks"
> & {
  rowid: number;
  costUsd: number | null;
  expectedRead: number;
  shortfall: number;
  isBreak: number;
  cause: string | null;
  taxUsd: number | null;
};

/** A row of CHAIN_SELECT, in its column order. */
type ChainTuple = [
  rowid: number,
  ts: number,
  model: string,
  speed: string | null,
  input: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
  cacheRead: number,
  output: number,
  marks: number,
  costUsd: number | null,
  expectedRead: number,
  shortfall: number,
  isBreak: number,
  cause: string | null,
  taxUsd: number | null,
];

// Read as arrays and by rowid: named columns made better-sqlite3 build a 17-property object per row, several
// times the cost of the read itself, and a conversation that grew by a few requests is read whole.
const CHAIN_SELECT = `SELECT rowid, ts, model, speed, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens,
    output_tokens, marks, cost_usd, expected_read_tokens, shortfall_tokens, cache_break, break_cause, cache_tax_usd
  FROM usage_record WHERE root_session_id = ? AND conversation_id = ? ORDER BY ts, request_key`;

function chainRow(t: ChainTuple): ChainRow {
  return {
    rowid: t[0],
    ts: t[1],
    model: t[2],
    speed: t[3],
    input: t[4],
    cacheWrite5m: t[5],
    cacheWrite1h: t[6],
    cacheRead: t[7],
    output: t[8],
    marks: t[9],
    costUsd: t[10],
    expectedRead: t[11],
    shortfall: t[12],
    isBreak: t[13],
    cause: t[14],
    taxUsd: t[15],
  };
}

/**
 * Recomputes cost and cache analysis for the given conversations (or all of them), writing only the rows
 * whose derived columns change; returns those rows' times and root sessions (their rollup slices need a
 * rebuild). Requests appended to a long conversation change only themselves, so a session that grows by a
 * few requests costs a read of its records, not a rewrite of them all.
 */
export function refreshConversations(
  db: Db,
  pricing: Pricing,
  which: "all" | readonly ConversationRef[],
): { ts: number; rootSessionId: string }[] {
  const changed: { ts: number; rootSessionId: string }[] = [];
  const refs =
    which === "all"
      ? (
          db.prepare("SELECT DISTINCT root_session_id AS rootSessionId, conversation_id AS conversationId FROM usage_record").all() as {
            rootSessionId: string;
            conversationId: string;
          }[]
        ).map(conversationRef)
      : which;
  const select = db.prepare(CHAIN_SELECT).raw();
  const update = db.prepare(
    `UPDATE usage_record SET cost_usd = ?, expected_read_tokens = ?, shortfall_tokens = ?, cache_break = ?, break_cause = ?,
       cache_tax_usd = ? WHERE rowid = ?`,
  );
  for (const ref of refs) {
    const [rootSessionId, conversationId] = splitConversationRef(ref);
    const rows = (select.all(rootSessionId, conversationId) as ChainTuple[]).map(chainRow);
    const results = analyzeConversation(rows, (r) => taxRatesOf(pricing, r as ChainRow));
    rows.forEach((r, i) => {
      const a = results[i]!;
      const cost = costOf(pricing, r);
      const isBreak = a.isBreak ? 1 : 0;
      if (
        cost === r.costUsd &&
        a.expectedRead === r.expectedRead &&
        a.shortfall === r.shortfall &&
        isBreak === r.isBreak &&
        a.cause === r.cause &&
        a.taxUsd === r.taxUsd
      )
        return;
      changed.push({ ts: r.ts, rootSessionId });
      update.run(cost, a.expectedRead, a.shortfall, isBreak, a.cause, a.taxUsd, r.rowid);
    });
  }
  return changed;
}
