/**
 * The ingestion driver: finds every runtime's logs, reads only what is new since the last run, and
 * stores normalized, de-duplicated, costed and analyzed request records.
 *
 * Incremental by design. A JSONL file is remembered by identity (device + inode), size, mtime, the byte
 * offset read so far and a hash of its first bytes: an unchanged file is skipped without opening it, a grown
 * one is read from the offset, and one that shrank or was rewritten is read again from the start. Stores
 * (OpenCode's database) keep their own watermark in the source state.
 *
 * Each source is read completely in memory (in worker threads for large reads) and only then written,
 * with its new offset, inside a transaction that spans many sources: commits are what costs on a cold
 * run. A source that cannot be read is reported and not written at all; an interrupted run commits
 * nothing partial, so re-running never double counts.
 */
import fs from "node:fs";
import type { Db } from "../core/db.js";
import { errorMessage, type Warning } from "../core/errors.js";
import type { LookupEnv } from "../core/paths.js";
import { silentProgress, type Progress } from "../core/progress.js";
import type { Pricing } from "../core/pricing.js";
import { timed } from "../core/timing.js";
import type { LookedPlace, RuntimeAdapter, SourceSpec } from "../runtimes/types.js";
import { refreshConversations } from "./derive.js";
import { Collected, headHash, type JsonlTask, type SourceRead, type SourceState } from "./read-source.js";
import { readSources, workerCount } from "./reader-pool.js";
import { rebuildRollup } from "./rollup.js";
import { getMeta, loadSources, prepareLedger, setMeta, sourceState, type KnownSource } from "./store.js";
import { WarningCollector } from "./warnings.js";
import { RecordWriter } from "./writer.js";

/** Commit after about this many bytes of logs. */
const BATCH_WORK = 256 * 1024 * 1024;

export interface IngestOptions {
  db: Db;
  env: LookupEnv;
  pricing: Pricing;
  runtimes: readonly RuntimeAdapter[];
  progress?: Progress;
  /** Reader threads; by default none for small reads and up to two for large ones. */
  workers?: number;
}

export interface IngestResult {
  looked: LookedPlace[];
  /** Problems found while looking for and reading sources in this run. */
  warnings: Warning[];
  sourcesFound: number;
  sourcesRead: number;
  recordsWritten: number;
}

type StorePlan = { spec: Extract<SourceSpec, { kind: "store" }>; known?: KnownSource; fingerprint: string };

export async function ingest(o: IngestOptions): Promise<IngestResult> {
  const { db } = o;
  const progress = o.progress ?? silentProgress;
  prepareLedger(db);
  const looked: LookedPlace[] = [];
  const warnings: Warning[] = [];
  const specs: SourceSpec[] = [];
  for (const runtime of o.runtimes) {
    if (!runtime.logs) continue;
    const d = timed("discover", () => runtime.logs!.discover(o.env));
    looked.push(...d.looked);
    warnings.push(...d.warnings);
    specs.push(...d.sources);
  }

  const known = timed("load sources", () => loadSources(db));
  const tasks: JsonlTask[] = [];
  const stores: StorePlan[] = [];
  timed("plan (stat)", () => {
    for (const spec of specs) {
      if (spec.kind === "jsonl") {
        const task = planJsonl(db, spec, known.get(spec.path), warnings);
        if (task) tasks.push(task);
      } else {
        const plan = planStore(spec, known.get(spec.path), warnings);
        if (plan) stores.push(plan);
      }
    }
  });
  const jsonlWork = tasks.reduce((a, t) => a + t.size - (t.fromStart ? 0 : t.offset), 0);
  progress.setTotal(jsonlWork + stores.reduce((a, s) => a + s.spec.size(), 0));

  // Stored costs were computed with some pricing table; a different one means recomputing them all.
  // An empty ledger has nothing to recompute.
  const empty = db.prepare("SELECT 1 FROM usage_record LIMIT 1").get() === undefined;
  if (empty) setMeta(db, "pricing_fingerprint", o.pricing.fingerprint);
  const pricingChanged = getMeta(db, "pricing_fingerprint") !== o.pricing.fingerprint;

  // Into an empty ledger everything goes in one transaction, loaded without indexes (see RecordWriter).
  const batch = new Batch(db, empty ? Infinity : BATCH_WORK);
  batch.begin();
  const writer = new RecordWriter(db, o.pricing, { bulk: empty });
  try {
    for (const plan of stores) {
      const read = await readStore(db, plan, warnings, progress);
      if (read) batch.add(() => writer.commit(read), plan.spec.size());
    }
    const workers = workerCount(jsonlWork, o.workers);
    for await (const outcome of readSources(tasks, { workers, onBytes: (n) => progress.advance(n) })) {
      if (outcome.error !== undefined || !outcome.read) {
        warnings.push({ code: "source-failed", message: `could not be read: ${outcome.error}`, file: outcome.task.path });
        continue;
      }
      const read = outcome.read;
      batch.add(() => writer.commit(read), outcome.task.size - (outcome.task.fromStart ? 0 : outcome.task.offset));
    }
    batch.begin();
    timed("build indexes", () => writer.finish());
    batch.finish();
  } finally {
    batch.abandon();
    progress.stop();
  }

  timed("recompute", () =>
    db.transaction(() => {
      if (pricingChanged) {
        refreshConversations(db, o.pricing, "all");
        setMeta(db, "pricing_fingerprint", o.pricing.fingerprint);
      } else if (writer.recompute.size > 0) {
        writer.touch(refreshConversations(db, o.pricing, [...writer.recompute]));
      }
      if (empty || pricingChanged) rebuildRollup(db, "all");
      else if (writer.touchedHours.size > 0) rebuildRollup(db, writer.touchedHours);
    })(),
  );

  return { looked, warnings, sourcesFound: specs.length, sourcesRead: tasks.length + stores.length, recordsWritten: writer.written };
}

/** Groups the writes of many sources into few transactions. */
class Batch {
  private open = false;
  private work = 0;

  constructor(
    private readonly db: Db,
    private readonly limit: number,
  ) {}

  begin(): void {
    if (this.open) return;
    this.db.exec("BEGIN");
    this.open = true;
  }

  add(write: () => void, work: number): void {
    this.begin();
    timed("write records", write);
    this.work += work;
    if (this.work >= this.limit) this.finish();
  }

  finish(): void {
    if (!this.open) return;
    timed("commit", () => this.db.exec("COMMIT"));
    this.open = false;
    this.work = 0;
  }

  /** After a failure: whatever the open transaction holds is rolled back. */
  abandon(): void {
    if (this.open) this.db.exec("ROLLBACK");
    this.open = false;
  }
}

function planJsonl(
  db: Db,
  spec: Extract<SourceSpec, { kind: "jsonl" }>,
  known: KnownSource | undefined,
  warnings: Warning[],
): JsonlTask | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(spec.path);
  } catch (e) {
    warnings.push({ code: "unreadable-file", message: `cannot read: ${errorMessage(e)}`, file: spec.path });
    return undefined;
  }
  const size = Number(stat.size);
  const task = (fromStart: boolean): JsonlTask => ({
    runtime: spec.runtime,
    path: spec.path,
    fromStart,
    knownId: known?.id ?? null,
    offset: known?.readOffset ?? 0,
    line: known?.readLine ?? 0,
    state: known && !fromStart ? (sourceState(db, known.id) as SourceState | undefined) : undefined,
    dev: String(stat.dev),
    ino: String(stat.ino),
    size,
    mtimeMs: Number(stat.mtimeMs),
  });
  if (!known) return task(true);
  const sameFile = known.dev === String(stat.dev) && known.ino === String(stat.ino);
  if (sameFile && size === known.size && Number(stat.mtimeMs) === known.mtimeMs) return undefined;
  if (sameFile && size >= known.readOffset && headMatches(spec.path, known)) return task(false);
  return task(true);
}

function headMatches(file: string, known: KnownSource): boolean {
  if (known.headLen === 0) return true;
  try {
    return headHash(file, known.headLen) === known.headHash;
  } catch {
    return false;
  }
}

function planStore(
  spec: Extract<SourceSpec, { kind: "store" }>,
  known: KnownSource | undefined,
  warnings: Warning[],
): StorePlan | undefined {
  let fingerprint: string;
  try {
    fingerprint = spec.fingerprint();
  } catch (e) {
    warnings.push({ code: "unreadable-file", message: `cannot read: ${errorMessage(e)}`, file: spec.path });
    return undefined;
  }
  return known?.fingerprint === fingerprint ? undefined : { spec, known, fingerprint };
}

async function readStore(db: Db, plan: StorePlan, warnings: Warning[], progress: Progress): Promise<SourceRead | undefined> {
  const { spec, known } = plan;
  const prior = known ? (sourceState(db, known.id) as SourceState | undefined) : undefined;
  const counters = prior?.counters ?? {};
  const collected = new Collected(spec.runtime, counters);
  const collector = new WarningCollector(spec.path);
  let unavailable = false;
  let next: unknown;
  try {
    next = await spec.read({
      state: prior?.store,
      emit: (obs) => collected.add(obs),
      warn: (w) => {
        if (w.code === "store-unavailable") unavailable = true;
        collector.add(w.code, w.message, w.line, w.file);
      },
    });
  } catch (e) {
    warnings.push({ code: "source-failed", message: `could not be read: ${errorMessage(e)}`, file: spec.path });
    return undefined;
  }
  progress.advance(spec.size());
  if (unavailable) {
    // A locked or corrupt store is reported now and read again next run; nothing of it is written.
    warnings.push(...collector.list());
    return undefined;
  }
  return {
    resetSourceId: null,
    records: collected.records(),
    superseded: collected.superseded,
    warnings: collector.list(),
    row: {
      runtime: spec.runtime,
      kind: "store",
      path: spec.path,
      dev: null,
      ino: null,
      size: spec.size(),
      mtimeMs: 0,
      readOffset: 0,
      readLine: 0,
      headLen: 0,
      headHash: null,
      fingerprint: plan.fingerprint,
      state: { store: next, counters } satisfies SourceState,
    },
  };
}
