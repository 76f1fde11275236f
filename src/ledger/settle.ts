/**
 * Bringing derived data in line with the records: the per-conversation cache analysis and the hourly
 * rollup that reports read.
 *
 * Whatever makes derived data out of date leaves a mark in the same transaction as the change itself:
 * a row in ledger_stale_conversation or ledger_stale_slice, `stale_all` in ledger_meta, or a pricing
 * fingerprint that differs from the current table's. `settle` clears every mark in the transaction that
 * recomputes what it names. So a run killed at any instant leaves either nothing to do or marks that the
 * next run repairs, and a report can tell an up-to-date ledger from one that is not (`isSettled`).
 */
import type { Db } from "../core/db.js";
import type { Pricing } from "../core/pricing.js";
import { refreshConversations } from "./derive.js";
import { conversationRef, splitConversationRef, type ConversationRef } from "./record.js";
import {
  HOUR_MS,
  rebuildRollup,
  rebuildRollupSlices,
  replaceRollup,
  rollupSlice,
  sliceOfHour,
  splitRollupSlice,
  type RollupBuilder,
  type RollupSlice,
} from "./rollup.js";
import { getMeta, setMeta } from "./store.js";
import { timed } from "../core/timing.js";

const PRICING_KEY = "pricing_fingerprint";
const STALE_ALL_KEY = "stale_all";

/** Marks conversations and rollup slices whose derived data must be recomputed. Call inside the writing transaction. */
export function markStale(db: Db, o: { conversations: Iterable<ConversationRef>; slices: Iterable<RollupSlice> }): void {
  const conversation = db.prepare("INSERT OR IGNORE INTO ledger_stale_conversation (root_session_id, conversation_id) VALUES (?, ?)");
  for (const ref of o.conversations) conversation.run(...splitConversationRef(ref));
  const slice = db.prepare("INSERT OR IGNORE INTO ledger_stale_slice (hour, root_session_id) VALUES (?, ?)");
  for (const s of o.slices) slice.run(...splitRollupSlice(s));
}

/**
 * Marks the conversations and rollup slices of the places a query returns (columns ts, root_session_id,
 * conversation_id), in SQL. The slice's hour is rollupSlice's, floor(ts / HOUR_MS): SQLite's integer
 * division rounds toward zero, so a time before 1970 takes one hour off.
 */
export function markStaleFrom(db: Db, placesSql: string): void {
  db.exec(`INSERT OR IGNORE INTO ledger_stale_conversation (root_session_id, conversation_id)
      SELECT root_session_id, conversation_id FROM (${placesSql});
    INSERT OR IGNORE INTO ledger_stale_slice (hour, root_session_id) SELECT ts / ${HOUR_MS} - (ts % ${HOUR_MS} < 0), root_session_id FROM (${placesSql});`);
}

/** An empty ledger has nothing priced: it takes the current table's fingerprint as it is. */
export function adoptPricing(db: Db, pricing: Pricing): void {
  setMeta(db, PRICING_KEY, pricing.fingerprint);
}

/**
 * Records are costed with the run's pricing table as they are written. When the ledger's were costed with
 * another, a batch committed before the run settles holds both, under the old table's fingerprint: marked
 * stale as a whole in that batch's transaction, they are all costed again by the next run, whatever table
 * it uses, if this one is killed before it settles. Call inside every transaction that writes records.
 */
export function markRepricing(db: Db, pricing: Pricing): void {
  if (getMeta(db, PRICING_KEY) !== pricing.fingerprint) setMeta(db, STALE_ALL_KEY, "1");
}

/** Whether derived data matches the records and the current pricing: nothing is marked stale. */
export function isSettled(db: Db, pricing: Pricing): boolean {
  if (getMeta(db, STALE_ALL_KEY) !== undefined) return false;
  // Records costed with another pricing table; an empty ledger has none.
  if (getMeta(db, PRICING_KEY) !== pricing.fingerprint && db.prepare("SELECT 1 FROM usage_record LIMIT 1").get() !== undefined)
    return false;
  return (
    db.prepare("SELECT 1 FROM ledger_stale_conversation LIMIT 1").get() === undefined &&
    db.prepare("SELECT 1 FROM ledger_stale_slice LIMIT 1").get() === undefined &&
    db.prepare("SELECT 1 FROM ledger_stale_hour LIMIT 1").get() === undefined
  );
}

/**
 * Recomputes what the marks name and clears them. Runs inside one transaction (the caller's, or its own).
 * `bulkRollup`, after a bulk load in the same transaction, is the rollup of every record it wrote: it
 * replaces the whole rollup, the marked hours and those of re-analyzed records aggregated in SQL. A builder
 * that could not mirror SQL exactly rebuilds everything in one statement, still cheaper than hour by hour.
 */
export function settle(db: Db, pricing: Pricing, options: { bulkRollup?: RollupBuilder } = {}): void {
  const run = () => {
    const all = getMeta(db, PRICING_KEY) !== pricing.fingerprint || getMeta(db, STALE_ALL_KEY) !== undefined;
    if (all) {
      refreshConversations(db, pricing, "all");
      rebuildRollup(db, "all");
    } else {
      const conversations = (
        db.prepare("SELECT root_session_id AS rootSessionId, conversation_id AS conversationId FROM ledger_stale_conversation").all() as {
          rootSessionId: string;
          conversationId: string;
        }[]
      ).map(conversationRef);
      const slices = new Set(
        (db.prepare("SELECT hour, root_session_id FROM ledger_stale_slice").raw().all() as [number, string][]).map(([hour, root]) =>
          sliceOfHour(hour, root),
        ),
      );
      for (const changed of timed("settle: conversations", () => refreshConversations(db, pricing, conversations)))
        slices.add(rollupSlice(changed));
      // Whole hours: marks left by a version that had no slices.
      const hours = new Set(db.prepare("SELECT hour FROM ledger_stale_hour").pluck().all() as number[]);
      timed("settle: rollup", () => {
        const built = options.bulkRollup;
        if (built) {
          for (const slice of slices) hours.add(splitRollupSlice(slice)[0]);
          if (built.exact) replaceRollup(db, built, hours);
          else rebuildRollup(db, "all");
          return;
        }
        if (hours.size > 0) rebuildRollup(db, hours);
        rebuildRollupSlices(
          db,
          [...slices].filter((slice) => !hours.has(splitRollupSlice(slice)[0])),
        );
      });
    }
    options.bulkRollup?.dispose();
    db.exec("DELETE FROM ledger_stale_conversation; DELETE FROM ledger_stale_slice; DELETE FROM ledger_stale_hour;");
    db.prepare("DELETE FROM ledger_meta WHERE key = ?").run(STALE_ALL_KEY);
    setMeta(db, PRICING_KEY, pricing.fingerprint);
  };
  if (db.inTransaction) run();
  else db.transaction(run).immediate();
}
