/**
 * Writing what sources produced: records with cost and cache analysis, the source row with its new
 * offset, and the source's warnings. Conversations that already had records, or that lost a duplicate to
 * an existing copy, are queued and analyzed again at the end of the run over all their records.
 *
 * Into an empty ledger the writer bulk-loads: indexes are dropped, rows are inserted plainly, the hourly
 * rollup is summed as they pass (`rollup`, written by settle in the same transaction), and the indexes are
 * built once at the end (`finish`). Otherwise every row is an upsert that keeps the copy of a request with
 * the most tokens.
 *
 * A bulk load's memory does not grow with the logs: a fixed-size filter tells first copies of requests (most)
 * from possible later ones, which wait in a table of their own until the indexes can settle them, and the
 * sources' rows go in as the load goes.
 */
import type { Db } from "../core/db.js";
import type { Pricing } from "../core/pricing.js";
import type { RuntimeId } from "../runtimes/types.js";
import { analyzeStored, pendingAnalysis } from "./derive.js";
import { RollupBuilder, rollupSlice, type RollupSlice } from "./rollup.js";
import { markStale, markStaleFrom } from "./settle.js";
import type { SourceRead } from "./read-source.js";
import { conversationRef, type ConversationRef, type UsageRecord } from "./record.js";
import { SeenFilter } from "./seen-filter.js";
import {
  addSource,
  addWarnings,
  applyBulkSideTables,
  buildLedgerIndexes,
  bulkSideTables,
  deleteRecord,
  dropLedgerIndexes,
  existingConversations,
  insertRecords,
  keepLostRequests,
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

/**
 * The request filter's size for a load of this many bytes of logs: 2 bytes per KiB, 16 bits for each request
 * if every KiB held one (transcripts hold fewer: a few KiB of content per request), from 256 KiB to 8 MiB.
 * Sized to the load, not to the largest: each request looks at one random place in the filter, and at 8 MiB
 * nearly every look missed the processor's caches. Over a 565 MB corpus the filter's part took 150-200 ms at
 * 8 MiB, 70-100 ms at 1 MiB. A fuller filter costs only more false "maybe"s, which are settled exactly.
 */
function requestFilterBytes(logBytes = Infinity): number {
  return Math.min(8 * 1024 * 1024, Math.max(256 * 1024, logBytes / 512));
}

/** Sources a bulk load holds before saving them together, and marks any run holds before writing them. */
const HELD_SOURCES = 512;
const HELD_MARKS = 4096;

interface BulkState {
  /** Requests (runtime, key) inserted in this run. One it may have seen goes to the copies table instead. */
  requests: SeenFilter;
  /** Conversations inserted in this run: a false "maybe" costs only a second analysis of the conversation. */
  conversations: SeenFilter;
  side: ReturnType<typeof bulkSideTables>;
  /**
   * Sources read but not yet saved: the ledger is empty, so the n-th source gets id n. Saved a few hundred at
   * a time: one by one, among hundreds of thousands of record inserts, each would look up its path in pages
   * the inserts evicted.
   */
  sources: { id: number; read: Pick<SourceRead, "row" | "warnings"> }[];
  sourceCount: number;
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
    options: { bulk: boolean; /** Bytes of logs the run reads: sizes a bulk load's request filter. */ logBytes?: number },
  ) {
    this.upsert = upsertRecords(db);
    if (options.bulk) {
      dropLedgerIndexes(db);
      // Tests shrink the filters until nearly every answer is "maybe", to try the exact path on every record.
      const forced = process.env.QUARTET_TEST_FILTER_BYTES;
      const filterBytes = forced ? Number(forced) : undefined;
      this.bulk = {
        requests: new SeenFilter(filterBytes ?? requestFilterBytes(options.logBytes)),
        conversations: new SeenFilter(filterBytes ?? 1024 * 1024),
        side: bulkSideTables(db),
        sources: [],
        sourceCount: 0,
      };
      this.rollup = new RollupBuilder(db);
    }
    this.insert = insertRecords(db);
  }

  commit(read: SourceRead): void {
    let removed: ReturnType<typeof resetSource>["removed"] | undefined;
    if (read.resetSourceId !== null && !this.bulk) {
      const reset = resetSource(this.db, read.resetSourceId);
      for (const c of reset.conversations) this.recompute.add(c);
      this.touch(reset.removed);
      removed = reset.removed;
    }
    const sourceId = this.bulk ? this.holdSource(this.bulk, read) : saveSource(this.db, read.row);
    const runtime = read.row.runtime as RuntimeId;
    const superseded = new Set(read.superseded);
    for (const key of superseded) {
      if (this.bulk) this.bulk.side.supersede(runtime, key, sourceId);
      else this.forget(runtime, key);
    }
    this.write(sourceId, superseded.size > 0 ? read.records.filter((r) => !superseded.has(r.key)) : read.records);
    if (removed) keepLostRequests(this.db, superseded.size > 0 ? removed.filter((r) => !superseded.has(r.key)) : removed);
    if (!this.bulk) addWarnings(this.db, sourceId, read.warnings);
    if (this.recompute.size + this.touchedSlices.size >= HELD_MARKS) this.flushMarks();
  }

  /**
   * Writes the copies of lost requests (keepLostRequests) that a whole read of another source found, ranked against
   * any stored copy as every copy is; nothing else of the source changes (its records and its row are as read before).
   */
  recoverCopies(read: SourceRead, sourceId: number, lost: ReadonlySet<string>): void {
    const superseded = new Set(read.superseded);
    const found = read.records.filter((r) => lost.has(r.key) && !superseded.has(r.key));
    if (found.length > 0) this.write(sourceId, found);
  }

  /** Bulk load: the source's id, its row saved later with others (saveHeldSources). */
  private holdSource(bulk: BulkState, read: SourceRead): number {
    const id = ++bulk.sourceCount;
    bulk.sources.push({ id, read: { row: read.row, warnings: read.warnings } });
    if (bulk.sources.length >= HELD_SOURCES) this.saveHeldSources(bulk);
    return id;
  }

  private saveHeldSources(bulk: BulkState): void {
    for (const { id, read } of bulk.sources) {
      addSource(this.db, { ...read.row, id });
      addWarnings(this.db, id, read.warnings);
    }
    bulk.sources.length = 0;
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
    bulk.side.copies.flush();
    this.saveHeldSources(bulk);
    buildLedgerIndexes(this.db);
    // What changes here differs from what the rollup summed: records deleted or replaced, copies inserted.
    this.written += applyBulkSideTables(this.db, (placesSql) => markStaleFrom(this.db, placesSql));
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
      // A copy that replaces one in another conversation changes that conversation's analysis too.
      for (const p of storedPlaces(this.db, records)) {
        this.touch([p]);
        this.recompute.add(conversationRef(p));
      }
    }
    const byConversation = groupByConversation(records);
    const existing = bulk ? undefined : existingConversations(this.db, [...byConversation.keys()]);
    const stored: StoredRecord[] = [];
    for (const [conversation, list] of byConversation) {
      list.sort(byTime);
      // A bulk load asks its filter, which also remembers the conversation from now on.
      const before = bulk ? !bulk.conversations.add(list[0]!.rootSessionId, list[0]!.conversationId) : existing!.has(conversation);
      const later = before || this.recompute.has(conversation);
      if (later) this.recompute.add(conversation);
      for (const s of later ? pendingAnalysis(this.pricing, list, sourceId) : analyzeStored(this.pricing, list, sourceId)) stored.push(s);
    }
    if (bulk) {
      for (const s of stored) this.rollup!.add(s);
      this.insert.add(stored);
      this.written += stored.length;
      return;
    }
    const changed = this.upsert(stored);
    this.written += changed;
    if (changed < stored.length) for (const c of byConversation.keys()) this.recompute.add(c);
  }

  /**
   * Bulk load: the records that are certainly their request's first copy in this run. The others go to the
   * copies table, settled against the first copy in finish(): most are Claude Code's copies of a request in
   * another file (a resumed session, a subagent's progress in its parent), a few the filter's false "maybe".
   */
  private firstCopies(bulk: BulkState, records: UsageRecord[], sourceId: number): UsageRecord[] {
    const fresh: UsageRecord[] = [];
    let later: UsageRecord[] | undefined;
    for (const r of records) {
      if (bulk.requests.add(r.runtime, r.key)) fresh.push(r);
      else (later ??= []).push(r);
    }
    if (later) bulk.side.copies.add(pendingAnalysis(this.pricing, later, sourceId));
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
