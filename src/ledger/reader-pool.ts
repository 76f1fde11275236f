/**
 * Reads JSON-lines sources, in worker threads when there is enough to read to pay for starting them.
 * Results come back in completion order; the caller commits each as it arrives, so parsing on the
 * workers overlaps with database writes on the main thread.
 */
import os from "node:os";
import { Worker } from "node:worker_threads";
import { loadParsers, readJsonlTask, type JsonlTask, type SourceRead } from "./read-source.js";
import { unpackRecords, type PackedRecords } from "./record-wire.js";

export interface ReadOutcome {
  task: JsonlTask;
  read?: SourceRead;
  error?: string;
}

/** Below this many bytes, starting workers costs more than it saves. */
const WORKER_THRESHOLD_BYTES = 48 * 1024 * 1024;
const IN_FLIGHT_PER_WORKER = 3;

/**
 * Reader threads run the built worker.js, beside the ES module bundle and the CommonJS files (dist/statusline.cjs,
 * dist/ledger.cjs) alike; from the TypeScript sources (tests, tsx) there is none.
 */
const BUILT = !import.meta.url.endsWith(".ts");

/** How many workers to use: none for small reads or when running from TypeScript sources (tests). */
export function workerCount(totalBytes: number, requested?: number): number {
  if (requested !== undefined) return requested;
  // QUARTET_READERS overrides the choice (0 reads on the main thread); tests use it to exercise both paths.
  const forced = process.env.QUARTET_READERS;
  if (forced !== undefined && /^\d+$/.test(forced) && BUILT) return Number(forced);
  if (totalBytes < WORKER_THRESHOLD_BYTES || !BUILT) return 0;
  // The main thread writes to the database meanwhile, so one core is left to it.
  return Math.max(1, Math.min(3, os.availableParallelism() - 1));
}

function readHere(task: JsonlTask, onBytes: (n: number) => void): ReadOutcome {
  try {
    return { task, read: readJsonlTask(task, onBytes) };
  } catch (e) {
    return { task, error: (e as Error).message ?? String(e) };
  }
}

export async function* readSources(
  tasks: readonly JsonlTask[],
  options: { workers: number; onBytes(n: number): void },
): AsyncGenerator<ReadOutcome> {
  if (options.workers === 0) {
    await loadParsers(tasks);
    for (const task of tasks) yield readHere(task, options.onBytes);
    return;
  }
  // Largest first, so the last task to finish is a small one.
  const queue = [...tasks].sort((a, b) => b.size - b.offset - (a.size - a.offset));
  // A young generation of 12 MB rather than V8's 48: a reader's garbage is short-lived, and three isolates'
  // young generations at full size were a fifth of a long first ingest's memory.
  const spawn = () => new Worker(new URL("./worker.js", import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 12 } });
  const live = new Set(Array.from({ length: options.workers }, spawn));
  const workers = [...live];
  const pending = new Map<number, { task: JsonlTask; worker: Worker }>();
  // Kept packed until written: unpacked at once, records that wait would outlive the young generation's
  // collections and fill the old one, which V8 lets grow for a while before collecting it.
  const done: (() => ReadOutcome)[] = [];
  // Results read but not yet written are held in memory: when the writer falls behind, the workers wait.
  const limit = workers.length * IN_FLIGHT_PER_WORKER;
  let wake: (() => void) | undefined;
  let nextId = 0;
  const held = (w: Worker) => {
    let n = 0;
    for (const p of pending.values()) if (p.worker === w) n++;
    return n;
  };
  const refill = () => {
    for (const w of live) {
      while (queue.length > 0 && pending.size + done.length < limit && held(w) < IN_FLIGHT_PER_WORKER) {
        const id = nextId++;
        const task = queue.shift()!;
        pending.set(id, { task, worker: w });
        w.postMessage({ id, task });
      }
    }
  };
  for (const w of workers) {
    w.on("message", (msg: { id: number; read?: Omit<SourceRead, "records">; packed?: PackedRecords; error?: string }) => {
      // A result that arrives after its thread was reported dead: its task is already failed.
      const task = pending.get(msg.id)?.task;
      if (!task) return;
      pending.delete(msg.id);
      options.onBytes(task.size - (task.fromStart ? 0 : task.offset));
      const { read, packed, error } = msg;
      done.push(() => ({ task, read: read && packed ? { ...read, records: unpackRecords(packed) } : undefined, error }));
      refill();
      wake?.();
    });
    // A crashed worker (or one that exited) fails the tasks it held; the others continue on the remaining workers.
    const lost = (why: string) => {
      live.delete(w);
      for (const [id, p] of pending) {
        if (p.worker !== w) continue;
        pending.delete(id);
        done.push(() => ({ task: p.task, error: `reader thread failed: ${why}` }));
      }
      wake?.();
    };
    w.on("error", (e) => lost(e.message));
    w.on("exit", (code) => lost(`it exited with code ${code}`));
  }
  refill();
  // The main thread reads too whenever no result waits to be written: the smallest sources, so that a
  // result from a worker never waits long behind it.
  try {
    await loadParsers(tasks);
    while (pending.size > 0 || done.length > 0 || queue.length > 0) {
      if (done.length === 0 && queue.length > 0) {
        // Let the workers' messages in first: they hand out the workers' next tasks.
        await new Promise((resolve) => setImmediate(resolve));
        if (done.length === 0 && queue.length > 0) yield readHere(queue.pop()!, options.onBytes);
        continue;
      }
      if (done.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      while (done.length > 0) {
        const outcome = done.shift()!();
        refill();
        yield outcome;
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
