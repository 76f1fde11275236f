/**
 * The recorder's thread (recorder.ts): opens the store in quartet's database, then diagnoses and stores each
 * exchange the proxy hands over, in order, acknowledging the bytes stored in batches so the proxy knows how far
 * behind it is.
 */
import { parentPort, workerData } from "node:worker_threads";
import { userPricing } from "../core/pricing.js";
import { exchangeOf, RecorderState, weight, type RecordMessage, type RecorderOptions } from "./recorder.js";
import { gatewaySink, type GatewaySink } from "./store.js";

/** The store the recorder writes to, with the user's prices. */
export async function openStore(options: Pick<RecorderOptions, "dbFile" | "noText" | "state">): Promise<GatewaySink> {
  const state = options.state;
  const shared = state && {
    giveUp: () => {
      if (Atomics.load(state, RecorderState.giveUp) !== 1) return false;
      Atomics.add(state, RecorderState.dropped, 1);
      return true;
    },
    onBusy: (busy: boolean) => Atomics.store(state, RecorderState.busy, busy ? 1 : 0),
  };
  return gatewaySink({ dbFile: options.dbFile, noText: options.noText, pricing: await userPricing(), ...shared });
}

async function serve(port: NonNullable<typeof parentPort>): Promise<void> {
  let store: GatewaySink;
  try {
    store = await openStore(workerData as RecorderOptions);
  } catch (e) {
    port.postMessage({ error: (e as Error).message ?? String(e) });
    return;
  }
  port.postMessage({ ready: true });
  const state = (workerData as RecorderOptions).state;
  let stored = 0;
  let acking = false;
  port.on("message", (m: RecordMessage | { close: true }) => {
    if ("close" in m) {
      store.close();
      port.close();
      return;
    }
    store.record(exchangeOf(m));
    if (state) Atomics.add(state, RecorderState.handled, 1);
    stored += weight(m);
    // One acknowledgement per burst, not per exchange.
    if (!acking) {
      acking = true;
      setImmediate(() => {
        port.postMessage({ storedBytes: stored });
        stored = 0;
        acking = false;
      });
    }
  });
}

if (parentPort && (workerData as RecorderOptions | undefined)?.dbFile) void serve(parentPort);
