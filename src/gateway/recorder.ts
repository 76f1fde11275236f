/**
 * The gateway's recording, off the proxy's thread. Diagnosing a request and writing it to the database take
 * several milliseconds (more than the proxy adds to a request), so the store runs in a worker thread
 * (recorder-worker.ts): the proxy hands each finished exchange over, with its request's raw bytes, and goes
 * back to passing bytes. The worker reads the body, diagnoses and stores, in the order exchanges finished.
 *
 * Run from TypeScript sources (tests), where no built worker exists, the store runs on the calling thread.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import type { Exchange, ExchangeSink } from "./exchange.js";
import { unreadRequest } from "./proxy.js";

export interface RecorderOptions {
  dbFile: string;
  noText: boolean;
  /** What the gateway and its recorder's thread share while the thread waits for the database (RecorderState). */
  state?: Int32Array;
  /** Where the recorder's own problems go, one line each; stderr by default. */
  log?: (line: string) => void;
}

/** What the worker receives: an exchange without its parsed request, and the request's bytes when unread. */
export interface RecordMessage {
  exchange: Omit<Exchange, "request" | "model">;
  model: string | null;
  body: Uint8Array | null;
  request: unknown;
}

export interface Recorder extends ExchangeSink {
  /** Records what was handed over, then stops the thread and closes the database. */
  close(): Promise<void>;
}

/**
 * Request bytes handed over and not yet stored, past which new exchanges go without their request: a recorder
 * that cannot keep up must not take the gateway's memory with it. Such a request is still recorded (usage, cost,
 * session from its headers: what the ledger and the budgets need) but not diagnosed. At 8 ms per 150 KB request
 * on a loaded 2-core machine, the recorder diagnoses about 100 requests a second.
 */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** Past this many bytes even request-less records (about 1 KB each) are dropped, and counted. */
export const MAX_PENDING_RECORDS_BYTES = MAX_PENDING_BYTES + 16 * 1024 * 1024;
/** On close, how long the recorder may wait for a database another process holds before it gives up. */
const CLOSE_STALL_MS = 5000;

/**
 * Slots of the state the gateway shares with its recorder's thread, read without messages: the thread cannot
 * take a message while it waits for the database, and its acknowledgements come once per burst.
 */
export const RecorderState = {
  /** Set by the gateway: drop what waits for the database. */
  giveUp: 0,
  /** Requests the thread has handled, stored or not. */
  handled: 1,
  /** 1 while the thread's writes find the database held. */
  busy: 2,
  /** Requests dropped because the gateway gave up waiting. */
  dropped: 3,
} as const;

export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`quartet gateway: ${line}\n`));
  if (!import.meta.url.endsWith(".js")) return inlineRecorder(options);
  const state = new Int32Array(new SharedArrayBuffer(4 * Object.keys(RecorderState).length));
  const worker = new Worker(new URL("./gateway-recorder.js", import.meta.url), {
    workerData: { dbFile: options.dbFile, noText: options.noText, state } satisfies RecorderOptions,
  });
  await new Promise<void>((resolve, reject) => {
    worker.once("message", (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error))));
    worker.once("error", reject);
  });
  let pending = 0;
  let dropped = 0;
  let undiagnosed = 0;
  worker.on("message", (m: { storedBytes?: number }) => {
    if (m.storedBytes) pending -= m.storedBytes;
  });
  worker.on("error", (e) => log(`the recorder stopped: ${e.message}; requests are no longer recorded`));
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    record(exchange: Exchange): void {
      const admitted = admit(message(exchange), pending);
      if (admitted.kind === "dropped") {
        if (dropped++ % 1000 === 0) log(`recording falls behind: ${dropped} request(s) not recorded so far`);
        return;
      }
      if (admitted.kind === "undiagnosed" && undiagnosed++ % 1000 === 0)
        log(`diagnosis falls behind: ${undiagnosed} request(s) recorded without a diagnosis so far`);
      pending += weight(admitted.message);
      worker.postMessage(admitted.message);
    },
    async close(): Promise<void> {
      worker.postMessage({ close: true });
      // What was handed over is stored first, however long that takes while it goes on. A thread that has handled
      // nothing for a while because the database is held is told to give up, so that the gateway still stops: told,
      // not terminated, as a thread ended inside a native SQLite call brings the whole process down.
      let handled = Atomics.load(state, RecorderState.handled);
      let movedAt = Date.now();
      while (!(await Promise.race([exited.then(() => true), sleep(250).then(() => false)]))) {
        const now = Atomics.load(state, RecorderState.handled);
        if (now !== handled) [handled, movedAt] = [now, Date.now()];
        else if (Atomics.load(state, RecorderState.busy) === 1 && Date.now() - movedAt >= CLOSE_STALL_MS)
          Atomics.store(state, RecorderState.giveUp, 1);
      }
      const lost = Atomics.load(state, RecorderState.dropped);
      if (lost > 0) log(`the database stayed busy: ${lost} request(s) waiting to be recorded were not`);
      if (undiagnosed > 0) log(`${undiagnosed} request(s) were recorded without a diagnosis: the recorder fell behind`);
      if (dropped > 0) log(`${dropped} request(s) were not recorded: the recorder fell behind`);
    },
  };
}

/**
 * Whether a message may join the queue behind `pending` bytes: whole, without its request (recorded but not
 * diagnosed), or not at all.
 */
export function admit(m: RecordMessage, pending: number): { kind: "whole" | "undiagnosed"; message: RecordMessage } | { kind: "dropped" } {
  if (pending + weight(m) <= MAX_PENDING_BYTES) return { kind: "whole", message: m };
  const light = { ...m, body: null, request: null };
  return pending + weight(light) <= MAX_PENDING_RECORDS_BYTES ? { kind: "undiagnosed", message: light } : { kind: "dropped" };
}

/** What a message holds in memory until it is stored, roughly: its request bytes. */
export function weight(m: RecordMessage): number {
  return (m.body?.length ?? 0) + 1024;
}

function message(exchange: Exchange): RecordMessage {
  const unread = unreadRequest(exchange);
  const fields: Partial<Exchange> = {};
  // Every field but the two that would read the request here.
  for (const key of Object.keys(exchange) as (keyof Exchange)[])
    if (key !== "request" && key !== "model") (fields as Record<string, unknown>)[key] = exchange[key];
  return {
    exchange: fields as RecordMessage["exchange"],
    model: unread ? unread.model : exchange.model,
    body: unread ? unread.body : null,
    request: unread ? null : exchange.request,
  };
}

/** The exchange the store gets, rebuilt from a message: the request read from its bytes. */
export function exchangeOf(m: RecordMessage): Exchange {
  let request = m.request;
  if (m.body) {
    try {
      request = m.body.length > 0 ? JSON.parse(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString("utf8")) : null;
    } catch {
      request = null;
    }
  }
  const named = (request as { model?: unknown } | null)?.model;
  return { ...m.exchange, request, model: m.model ?? (typeof named === "string" ? named : null) };
}

async function inlineRecorder(options: RecorderOptions): Promise<Recorder> {
  const { openStore } = await import("./recorder-worker.js");
  const store = await openStore(options);
  return {
    record: (exchange) => store.record(exchangeOf(message(exchange))),
    close: async () => store.close(),
  };
}
