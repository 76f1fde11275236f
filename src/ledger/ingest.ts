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
 * with its new offset and the marks of the derived data it makes stale, inside a transaction that spans
 * many sources. A first load into an empty ledger is one transaction, derived data included; a later run
 * settles in its last transaction what all of them marked, before that commits. A source
 * that cannot be read is reported and not written at all. So a run killed at any instant leaves either
 * what it found, or committed batches whose marks the next run settles (settle.ts): never a double count,
 * never records that reports miss.
 *
 * Only one process ingests into a ledger at a time (a lock the OS releases if it dies); others wait, then
 * read what is left, usually nothing, or (the status line) read nothing and go on with the ledger as it is.
 */
import fs from "node:fs";
import v8 from "node:v8";
import type { Db } from "../core/db.js";
import { crashPoint } from "../core/crash-point.js";
import { errorMessage, NamedError, type Warning } from "../core/errors.js";
import { acquireLock, tryLock, type HeldLock } from "../core/file-lock.js";
import { positiveIntegerEnv } from "../core/env-number.js";
import { specialKind } from "../core/files.js";
import type { LookupEnv } from "../core/paths.js";
import { silentProgress, type Progress } from "../core/progress.js";
import type { Pricing } from "../core/pricing.js";
import { timed } from "../core/timing.js";
import type { LookedPlace, RuntimeAdapter, RuntimeId, SourceSpec } from "../runtimes/types.js";
import { requireWebAssembly } from "./line-scan.js";
import { Collected, readPartUnchanged, type JsonlTask, type SourceRead, type SourceState } from "./read-source.js";
import { readSources, workerCount } from "./reader-pool.js";
import { adoptPricing, isSettled, markRepricing, settle } from "./settle.js";
import {
  hasSources,
  knownSource,
  prepareLedger,
  sourceStamps,
  forgetLostRequests,
  lostRequests,
  sourceState,
  type KnownSource,
  type SourceStamp,
} from "./store.js";
import { WarningCollector } from "./warnings.js";
import { RecordWriter } from "./writer.js";

/** Commit after about this many bytes of logs. */
const BATCH_WORK = 256 * 1024 * 1024;
/** Up to this many sources, their stamps are looked up one by one instead of loading every known source's. */
const FEW_SOURCES = 32;
/** How long to wait for another process bringing the same ledger up to date before giving up. */
const LOCK_TIMEOUT_MS = 10 * 60 * 1000;

export interface IngestOptions {
  db: Db;
  env: LookupEnv;
  pricing: Pricing;
  runtimes: readonly RuntimeAdapter[];
  progress?: Progress;
  /** Reader threads; by default none for small reads and up to two for large ones. */
  workers?: number;
  /** Called about every second while another process is bringing the same ledger up to date. */
  onWait?(waitedMs: number): void;
  /**
   * Leave a read transaction open on `db` when done, begun before the next writer may start: the caller's
   * queries then see exactly the ledger this run finished, never a later run's half-written batch. End it
   * with `endSnapshot(db)`.
   */
  snapshot?: boolean;
  /**
   * Sources beyond the runtimes' own logs (the requests `quartet otel receive` stored), read after every log
   * file so that they can be joined with what those logs hold. Only those of the selected runtimes are read.
   */
  extraSources?: readonly SourceSpec[];
  /**
   * When another process is bringing the ledger up to date, read nothing and return at once (`busy`) instead
   * of waiting: for callers that must answer fast (the status line) and can show the ledger as it stands.
   */
  skipIfBusy?: boolean;
  /**
   * The runtimes' `discover` lists only some of their logs (the status line's one session): requests a rewritten
   * log dropped (keepLostRequests) are left for a run that sees all of them to look for elsewhere.
   */
  partial?: boolean;
}

export interface IngestResult {
  looked: LookedPlace[];
  /** Problems found while looking for and reading sources in this run. */
  warnings: Warning[];
  sourcesFound: number;
  sourcesRead: number;
  recordsWritten: number;
  /** Nothing was read: another process held the ledger (only with `skipIfBusy`). */
  busy?: boolean;
}

type StorePlan = { spec: Extract<SourceSpec, { kind: "store" }>; known?: KnownSource; fingerprint: string };

/** The disk holding the ledger filled up during an ingest (SQLite rolled the open transaction back). */
export const LedgerFullError = NamedError.create<"LedgerFullError", { message: string }>("LedgerFullError");

/** A report must never show totals from a ledger whose derived data is out of date. */
export const LedgerIncompleteError = NamedError.create<"LedgerIncompleteError", { message: string }>("LedgerIncompleteError");

/**
 * Brings the ledger up to date. One process at a time does it: the others wait for the ledger lock (a
 * process that died releases it at once), then find little or nothing left to read.
 */
export async function ingest(o: IngestOptions): Promise<IngestResult> {
  if (o.db.inTransaction) throw new Error("ingest needs its connection free: end the previous snapshot (endSnapshot) first");
  const lock = o.skipIfBusy && !o.db.memory ? tryLock(lockFile(o.db)) : await lockLedger(o.db, o.onWait);
  if (!lock && !o.db.memory) {
    if (o.snapshot) o.db.exec("BEGIN");
    return { looked: [], warnings: [], sourcesFound: 0, sourcesRead: 0, recordsWritten: 0, busy: true };
  }
  const restoreHeapGrowth = keepOldGenerationSmall();
  try {
    const result = await ingestLocked(o);
    if (o.snapshot) {
      o.db.exec("BEGIN");
      // The snapshot is taken by the first read, not by BEGIN.
      if (!isSettled(o.db, o.pricing)) {
        o.db.exec("ROLLBACK");
        throw new LedgerIncompleteError({ message: "the ledger's derived data is out of date after an update; run the command again" });
      }
    }
    return result;
  } catch (e) {
    if ((e as { code?: string }).code === "SQLITE_FULL")
      throw new LedgerFullError({
        message: `cannot write the ledger ${o.db.name}: the disk is full. What earlier runs stored is intact; once there is room, the next run reads on from there`,
      });
    throw e;
  } finally {
    restoreHeapGrowth();
    lock?.release();
  }
}

/** Ends the read transaction `ingest({ snapshot: true })` left open. */
export function endSnapshot(db: Db): void {
  if (db.inTransaction) db.exec("COMMIT");
}

async function lockLedger(db: Db, onWait?: (waitedMs: number) => void): Promise<HeldLock | null> {
  if (db.memory) return null;
  return acquireLock(lockFile(db), { onWait, timeoutMs: LOCK_TIMEOUT_MS });
}

const lockFile = (db: Db) => `${db.name}.ingest-lock`;

async function ingestLocked(o: IngestOptions): Promise<IngestResult> {
  const { db } = o;
  const progress = o.progress ?? silentProgress;
  prepareLedger(db);
  crashPoint("ingest:prepared");
  const looked: LookedPlace[] = [];
  const warnings: Warning[] = [];
  let specs: SourceSpec[] = [];
  for (const runtime of o.runtimes) {
    if (!runtime.logs) continue;
    const d = timed("discover", () => runtime.logs!.discover(o.env));
    // Appended one by one: a home can hold more log files than a call's arguments (~125,000) can.
    for (const l of d.looked) looked.push(l);
    for (const w of d.warnings) warnings.push(w);
    for (const s of d.sources) specs.push(s);
  }
  const selected = new Set(o.runtimes.map((r) => r.id));
  for (const s of o.extraSources ?? []) if (selected.has(s.runtime)) specs.push(s);
  // A path is one source, read once, whoever names it: a bulk load inserts each source's row as new.
  const paths = new Set<string>();
  specs = specs.filter((s) => {
    if (paths.has(s.path)) return false;
    paths.add(s.path);
    return true;
  });

  const few = specs.length <= FEW_SOURCES ? specs.map((s) => s.path) : undefined;
  const stamps = timed("load sources", () => sourceStamps(db, few));
  const tasks: JsonlTask[] = [];
  const stores: StorePlan[] = [];
  timed("plan (stat)", () => {
    for (const spec of specs) {
      if (spec.kind === "jsonl") {
        const task = planJsonl(db, spec, stamps.get(spec.path), warnings);
        if (task) tasks.push(task);
      } else {
        const plan = planStore(spec, stamps.has(spec.path) ? knownSource(db, spec.path) : undefined, warnings);
        if (plan) stores.push(plan);
      }
    }
  });
  // Before anything is written: without it every log file would fail on its own and the ledger look empty.
  if (tasks.length > 0) requireWebAssembly();
  const jsonlWork = tasks.reduce((a, t) => a + t.size - (t.fromStart ? 0 : t.offset), 0);
  const workBytes = jsonlWork + stores.reduce((a, s) => a + s.spec.size(), 0);
  progress.setTotal(workBytes);

  // Into an empty ledger everything goes in one transaction, loaded without indexes (see RecordWriter):
  // a run killed half-way leaves the ledger empty, as it found it.
  const empty = !hasSources(db) && db.prepare("SELECT 1 FROM usage_record LIMIT 1").get() === undefined;
  const batch = new Batch(db, empty ? Infinity : batchBytes());
  batch.begin();
  if (empty) adoptPricing(db, o.pricing);
  const writer = new RecordWriter(db, o.pricing, { bulk: empty, logBytes: workBytes });
  batch.beforeCommit = () => writer.flushMarks();
  batch.beforeFirstWrite = () => markRepricing(db, o.pricing);
  /** Sources read only to look for copies of lost requests (not in `tasks`). */
  const searched = new Set<string>();
  const readAll = async (list: JsonlTask[], bytes: number, take: (read: SourceRead, task: JsonlTask) => void) => {
    for await (const outcome of readSources(list, { workers: workerCount(bytes, o.workers), onBytes: (n) => progress.advance(n) })) {
      if (outcome.error !== undefined || !outcome.read) {
        warnings.push({ code: "source-failed", message: `could not be read: ${outcome.error}`, file: outcome.task.path });
        continue;
      }
      const read = outcome.read;
      batch.add(() => take(read, outcome.task), outcome.task.size - (outcome.task.fromStart ? 0 : outcome.task.offset));
    }
  };
  try {
    await readAll(tasks, jsonlWork, (read, task) => {
      warnUnfinished(task.path, read.row, warnings);
      writer.commit(read);
    });
    // A rewritten log dropped requests whose copies other logs of its runtime may hold (keepLostRequests): those
    // logs are read whole and only such copies taken. Rare, and as costly as reading the logs once.
    const lost = o.partial ? new Map<RuntimeId, Set<string>>() : lostRequests(db);
    for (const runtime of lost.keys()) if (!selected.has(runtime)) lost.delete(runtime);
    if (lost.size > 0) {
      crashPoint("ingest:before-copies");
      // Planning warnings were given above for these same files (a file gone since is named by the next run).
      const holders = specs.flatMap((spec) =>
        spec.kind === "jsonl" && lost.has(spec.runtime) ? (planJsonl(db, spec, stamps.get(spec.path), [], true) ?? []) : [],
      );
      const planned = new Set(tasks.map((t) => t.path));
      for (const t of holders) if (!planned.has(t.path)) searched.add(t.path);
      const bytes = holders.reduce((a, t) => a + t.size, 0);
      progress.setTotal(workBytes + bytes);
      if (holders.length > 0) requireWebAssembly();
      await readAll(holders, bytes, (read, task) => {
        const id = task.knownId ?? knownSource(db, task.path)?.id;
        if (id !== undefined) writer.recoverCopies(read, id, lost.get(task.runtime)!);
      });
      // Settled even where a file could not be read: a report from an empty ledger could not read it either.
      batch.begin();
      for (const runtime of lost.keys()) forgetLostRequests(db, runtime);
    }
    // Stores after the log files: a store may join its records with theirs (otel-source.ts), so every row
    // written so far must be in the table, not held for the bulk load's next multi-row insert.
    for (const plan of stores) {
      writer.flushInserts();
      const read = await readStore(db, plan, warnings, progress);
      if (read) batch.add(() => writer.commit(read), plan.spec.size());
    }
    batch.begin();
    crashPoint("ingest:before-indexes");
    timed("build indexes", () => writer.finish());
    // A last batch that wrote settles its marks (and whatever earlier batches or a killed run left) before
    // it commits: one commit, not two, in a transaction that already holds the write lock. A bulk load
    // settles from the rollup it built.
    if (empty || batch.wrote) writer.flushMarks();
    if (empty) timed("settle", () => settle(db, o.pricing, { bulkRollup: writer.rollup }));
    else if (batch.wrote && !isSettled(db, o.pricing)) timed("settle", () => settle(db, o.pricing));
    crashPoint("ingest:before-commit");
    batch.finish();
  } finally {
    batch.abandon();
    progress.stop();
  }
  crashPoint("ingest:before-settle");
  // A run whose last transaction wrote nothing settles what earlier ones or a killed run left in a transaction
  // of its own. Settling takes the write lock even with nothing to do: skipped when nothing is marked (most runs).
  if (!empty && !isSettled(db, o.pricing)) timed("settle", () => settle(db, o.pricing));
  crashPoint("ingest:settled");

  return {
    looked,
    warnings,
    sourcesFound: specs.length,
    sourcesRead: tasks.length + searched.size + stores.length,
    recordsWritten: writer.written,
  };
}

/**
 * V8 lets the old generation grow to up to four times what survived its last full collection before the next
 * one: over gigabytes of logs, the garbage of records that outlived a young collection or two made a first
 * ingest's memory grow with the logs (227 MB over 4.5 GB, against 133 MB over 565 MB). A quarter more keeps
 * it flat at the same speed. The flag is read at every collection, so setting it now takes effect; it is
 * process-wide, so it holds only while an ingest runs.
 */
function keepOldGenerationSmall(): () => void {
  if (ingestsRunning++ === 0) v8.setFlagsFromString("--heap-growing-percent=25");
  return () => {
    // A long-lived process (the board, the gateway) gets the value it started with back between ingests.
    if (--ingestsRunning === 0) v8.setFlagsFromString(`--heap-growing-percent=${startingHeapGrowth()}`);
  };
}
let ingestsRunning = 0;

/** The person's own --heap-growing-percent (on node's command line or in NODE_OPTIONS), else V8's default, 0. */
function startingHeapGrowth(): number {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  const own = flags.map((f) => /^--heap[-_]growing[-_]percent=(\d+)$/.exec(f)?.[1]).filter((v) => v !== undefined);
  return own.length > 0 ? Number(own.at(-1)) : 0;
}

/** Commit an incremental run after about this many bytes of logs (tests make it small to commit often). */
function batchBytes(): number {
  return positiveIntegerEnv("QUARTET_TEST_BATCH_BYTES") ?? BATCH_WORK;
}

/** Groups the writes of many sources into few transactions. */
class Batch {
  private open = false;
  private work = 0;
  /** The open transaction has written: it holds the write lock. */
  wrote = false;
  /** Runs inside the transaction, just before each commit. */
  beforeCommit: () => void = () => {};
  /** Runs inside each transaction, just before its first write. */
  beforeFirstWrite: () => void = () => {};

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
    if (!this.wrote) this.beforeFirstWrite();
    timed("write records", write);
    this.wrote = true;
    this.work += work;
    if (this.work >= this.limit) this.finish();
  }

  finish(): void {
    if (!this.open) return;
    this.beforeCommit();
    crashPoint("ingest:batch-commit");
    timed("commit", () => this.db.exec("COMMIT"));
    this.open = false;
    this.work = 0;
    this.wrote = false;
  }

  /** After a failure: whatever the open transaction holds is rolled back. */
  abandon(): void {
    // SQLite rolls back by itself on some errors (a full disk): a second ROLLBACK would throw and hide the first error.
    if (this.open && this.db.inTransaction) this.db.exec("ROLLBACK");
    this.open = false;
    this.wrote = false;
  }
}

function planJsonl(
  db: Db,
  spec: Extract<SourceSpec, { kind: "jsonl" }>,
  stamp: SourceStamp | undefined,
  warnings: Warning[],
  /** Read it whole, changed or not (to look for copies of lost requests). */
  again = false,
): JsonlTask | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(spec.path);
  } catch (e) {
    warnings.push({ code: "unreadable-file", message: `cannot read: ${errorMessage(e)}`, file: spec.path });
    return undefined;
  }
  if (!stat.isFile()) {
    warnings.push({ code: "not-a-file", message: `not a regular file (${specialKind(stat)}): not read`, file: spec.path });
    return undefined;
  }
  const size = Number(stat.size);
  const dev = String(stat.dev);
  const ino = String(stat.ino);
  // Unchanged since the last read: the common case, decided without reading the source's row.
  if (!again && stamp && stamp[0] === dev && stamp[1] === ino && stamp[2] === size && stamp[3] === Number(stat.mtimeMs)) {
    warnUnfinished(spec.path, { size, mtimeMs: stamp[3], readOffset: stamp[4], readLine: stamp[5] }, warnings);
    return undefined;
  }
  const known = stamp ? knownSource(db, spec.path) : undefined;
  const task = (fromStart: boolean): JsonlTask => ({
    runtime: spec.runtime,
    path: spec.path,
    parser: spec.parser,
    fromStart,
    knownId: known?.id ?? null,
    offset: known?.readOffset ?? 0,
    line: known?.readLine ?? 0,
    state: known && !fromStart ? (sourceState(db, known.id) as SourceState | undefined) : undefined,
    dev,
    ino,
    size,
    mtimeMs: Number(stat.mtimeMs),
  });
  if (!known || again) return task(true);
  const sameFile = known.dev === dev && known.ino === ino;
  if (sameFile && size >= known.readOffset && readPartUnchanged(spec.path, known)) return task(false);
  return task(true);
}

/**
 * A log whose last line has no newline and is not a whole JSON value is read up to that line, which waits for
 * the rest of its write (jsonl.ts). Once the file has been left alone this long, no rest is coming: the runtime
 * was stopped in the middle of writing it.
 */
const UNFINISHED_AFTER_MS = 10 * 60 * 1000;

/** Names that line, on every run while it stays so (the file is not read again until it changes). */
function warnUnfinished(
  file: string,
  s: { size: number; mtimeMs: number; readOffset: number; readLine: number },
  warnings: Warning[],
): void {
  if (s.readOffset >= s.size || Date.now() - s.mtimeMs < UNFINISHED_AFTER_MS) return;
  warnings.push({
    code: "unfinished-line",
    message: `last line cut short (no newline, not a whole JSON value, and the file unchanged for over ${UNFINISHED_AFTER_MS / 60_000} minutes): not counted`,
    file,
    line: s.readLine + 1,
  });
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
        collector.add(w.code, w.message, w.line, { file: w.file });
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
      tailLen: 0,
      tailHash: null,
      fingerprint: plan.fingerprint,
      state: { store: next, counters } satisfies SourceState,
    },
  };
}
