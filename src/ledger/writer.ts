/**
 * Writing what sources produced: records with cost and cache analysis, the source row with its new
 * offset, and the source's warnings. Conversations that already had records, or that lost a duplicate to
 * an existing copy, are queued and analyzed again at the end of the run over all their records.
 *
 * Into an empty ledger the writer bulk-loads: indexes are dropped, duplicates are resolved in memory,
 * rows are inserted plainly, the hourly rollup is summed as they pass (`rollup`, written by settle in the
 * same transaction), and the indexes are built once at the end (`finish`). Otherwise every row is an
 * upsert that keeps the copy of a request with the most tokens.
 */
import type { Db } from "../core/db.js";
import type { Pricing } from "../core/pricing.js";
import type { RuntimeId } from "../runtimes/types.js";
import { analyzeStored, pendingAnalysis } from "./derive.js";
import { RollupBuilder, rollupSlice, type RollupSlice } from "./rollup.js";
import { markStale } from "./settle.js";
import type { SourceRead } from "./read-source.js";
import { conversationRef, rank, type ConversationRef, type UsageRecord } from "./record.js";
import {
  addWarnings,
  buildLedgerIndexes,
  deleteRecord,
  dropLedgerIndexes,
  existingConversations,
  insertRecords,
  resetSource,
  saveSource,
  storedPlaces,
  upsertRecords,
  type StoredPlace,
  type StoredRecord,
} from "./store.js";

function byTime(a: UsageRecord, b: UsageRecord): number {
  return a.ts - b.ts || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

interface BulkState {
  /**
   * The rank (see record.ts) of every request inserted in this run, by runtime, then key: the key alone, not
   * joined with its runtime into a new string that each lookup would have to copy before hashing.
   */
  seen: Map<RuntimeId, Map<string, number>>;
  /** Conversations inserted in this run. */
  conversations: Set<ConversationRef>;
  /** Copies with more tokens than the one already inserted, applied once the indexes exist. */
  better: StoredRecord[];
  superseded: { runtime: RuntimeId; key: string }[];
  /**
   * The sources read, saved in finish(): the ledger is empty, so the n-th source gets id n. Saved among
   * hundreds of thousands of record inserts, each would look up its path in pages the inserts evicted.
   */
  sources: Pick<SourceRead, "row" | "warnings">[];
}

export class RecordWriter {
  /** Conversations whose analysis must be recomputed over all their records, not yet marked in the database. */
  private readonly recompute = new Set<ConversationRef>();
  /** Rollup slices (a root session's hour) whose records changed, not yet marked in the database. */
  private readonly touchedSlices = new Set<RollupSlice>();
  written = 0;
  private readonly upsert;
  private readonly insert;
  private bulk: BulkState | undefined;
  /**
   * In a bulk load, the rollup of the records as inserted. Slices whose records change after that (in
   * finish, or when settle analyzes a conversation again) are marked, and their whole hours aggregated in SQL.
   */
  readonly rollup: RollupBuilder | undefined;

  constructor(
    private readonly db: Db,
    private readonly pricing: Pricing,
    options: { bulk: boolean },
  ) {
    this.upsert = upsertRecords(db);
    if (options.bulk) {
      dropLedgerIndexes(db);
      this.bulk = { seen: new Map(), conversations: new Set(), better: [], superseded: [], sources: [] };
      this.rollup = new RollupBuilder();
    }
    this.insert = insertRecords(db);
  }

  commit(read: SourceRead): void {
    if (read.resetSourceId !== null && !this.bulk) {
      const reset = resetSource(this.db, read.resetSourceId);
      for (const c of reset.conversations) this.recompute.add(c);
      this.touch(reset.removed);
    }
    // In a bulk load the n-th source gets id n (push returns the new length); it is saved in finish().
    const sourceId = this.bulk ? this.bulk.sources.push({ row: read.row, warnings: read.warnings }) : saveSource(this.db, read.row);
    const runtime = read.row.runtime as RuntimeId;
    const superseded = new Set(read.superseded);
    for (const key of superseded) {
      if (this.bulk) {
        this.bulk.superseded.push({ runtime, key });
        continue;
      }
      this.forget(runtime, key);
    }
    this.write(sourceId, superseded.size > 0 ? read.records.filter((r) => !superseded.has(r.key)) : read.records);
    if (!this.bulk) addWarnings(this.db, sourceId, read.warnings);
  }

  /**
   * Inserts the rows a bulk load still gathers for its next multi-row statement: until then, queries of
   * usage_record miss them. Call before anything outside the writer reads that table in a bulk load (a store
   * that joins its records with the transcripts' records, otel-source.ts); the writer flushes before its own reads.
   */
  flushInserts(): void {
    this.insert.flush();
  }

  /** Ends a bulk load: builds the indexes, then applies what needed them. */
  finish(): void {
    const bulk = this.bulk;
    if (!bulk) return;
    this.bulk = undefined;
    this.flushInserts();
    bulk.sources.forEach((read, i) => {
      saveSource(this.db, { ...read.row, id: i + 1 });
      addWarnings(this.db, i + 1, read.warnings);
    });
    buildLedgerIndexes(this.db);
    for (const { runtime, key } of bulk.superseded) this.forget(runtime, key);
    if (bulk.better.length > 0) {
      // Both the replaced copy's slice and the better copy's differ from what the rollup summed.
      this.touch(bulk.better);
      this.touch(storedPlaces(this.db, bulk.better));
      this.upsert(bulk.better);
      for (const r of bulk.better) this.recompute.add(conversationRef(r));
    }
  }

  /**
   * Writes what this writer made stale as marks in the database. Call before every commit: the marks
   * must land in the same transaction as the records that made them.
   */
  flushMarks(): void {
    markStale(this.db, { conversations: this.recompute, slices: this.touchedSlices });
    this.recompute.clear();
    this.touchedSlices.clear();
  }

  private touch(places: Iterable<StoredPlace>): void {
    for (const p of places) this.touchedSlices.add(rollupSlice(p));
  }

  private forget(runtime: RuntimeId, key: string): void {
    this.flushInserts();
    const gone = deleteRecord(this.db, runtime, key);
    if (!gone) return;
    this.recompute.add(gone.conversation);
    this.touch([gone]);
  }

  private write(sourceId: number, records: UsageRecord[]): void {
    const bulk = this.bulk;
    if (bulk) records = this.firstCopies(bulk, records, sourceId);
    if (records.length === 0) return;
    // A bulk load's rollup is summed below; an incremental run's is rebuilt for the slices it touched.
    if (!bulk) {
      this.touch(records);
      this.touch(storedPlaces(this.db, records));
    }
    const byConversation = groupByConversation(records);
    const existing = bulk ? bulk.conversations : existingConversations(this.db, [...byConversation.keys()]);
    const stored: StoredRecord[] = [];
    for (const [conversation, list] of byConversation) {
      list.sort(byTime);
      const later = existing.has(conversation) || this.recompute.has(conversation);
      if (later) this.recompute.add(conversation);
      for (const s of later ? pendingAnalysis(this.pricing, list, sourceId) : analyzeStored(this.pricing, list, sourceId)) stored.push(s);
    }
    if (bulk) {
      for (const c of byConversation.keys()) bulk.conversations.add(c);
      for (const s of stored) this.rollup!.add(s);
      this.insert.add(stored);
      this.written += stored.length;
      return;
    }
    const changed = this.upsert(stored);
    this.written += changed;
    if (changed < stored.length) for (const c of byConversation.keys()) this.recompute.add(c);
  }

  /** Bulk load: keeps the first copy of each request; a later, preferred copy (see rank) is applied in finish(). */
  private firstCopies(bulk: BulkState, records: UsageRecord[], sourceId: number): UsageRecord[] {
    const fresh: UsageRecord[] = [];
    let runtime: RuntimeId | undefined;
    let seen: Map<string, number> | undefined;
    for (const r of records) {
      if (r.runtime !== runtime || !seen) {
        runtime = r.runtime;
        seen = bulk.seen.get(runtime);
        if (!seen) bulk.seen.set(runtime, (seen = new Map()));
      }
      const prev = seen.get(r.key);
      const mine = rank(r);
      if (prev === undefined) {
        seen.set(r.key, mine);
        fresh.push(r);
      } else if (mine > prev) {
        seen.set(r.key, mine);
        bulk.better.push(...pendingAnalysis(this.pricing, [r], sourceId));
      }
    }
    return fresh;
  }
}

/** Records by conversation, in order of first appearance; a source's records mostly come in runs of one conversation. */
function groupByConversation(records: UsageRecord[]): Map<ConversationRef, UsageRecord[]> {
  const groups = new Map<ConversationRef, UsageRecord[]>();
  let list: UsageRecord[] | undefined;
  let root: string | undefined;
  let conversation: string | undefined;
  for (const r of records) {
    if (!list || r.rootSessionId !== root || r.conversationId !== conversation) {
      root = r.rootSessionId;
      conversation = r.conversationId;
      const ref = conversationRef(r);
      list = groups.get(ref);
      if (!list) groups.set(ref, (list = []));
    }
    list.push(r);
  }
  return groups;
}
