/**
 * The recorder's thread (recorder.ts): opens the store in quartet's database, then diagnoses and stores each
 * exchange the proxy hands over, in order, acknowledging the bytes stored in batches so the proxy knows how far
 * behind it is.
 */
import { parentPort, workerData } from "node:worker_threads";
import { userPricing } from "../core/pricing.js";
import { exchangeOf, weight, type RecordMessage, type RecorderOptions } from "./recorder.js";
import { gatewaySink, type GatewaySink } from "./store.js";

/** The store the recorder writes to, with the user's prices. */
export async function openStore(options: Pick<RecorderOptions, "dbFile" | "noText" | "giveUp">): Promise<GatewaySink> {
  const giveUp = options.giveUp;
  return gatewaySink({
    dbFile: options.dbFile,
    noText: options.noText,
    pricing: await userPricing(),
    giveUp: giveUp ? () => Atomics.load(giveUp, 0) === 1 : undefined,
  });
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
  let stored = 0;
  let count = 0;
  let acking = false;
  port.on("message", (m: RecordMessage | { close: true }) => {
    if ("close" in m) {
      store.close();
      port.close();
      return;
    }
    store.record(exchangeOf(m));
    stored += weight(m);
    count++;
    // One acknowledgement per burst, not per exchange.
    if (!acking) {
      acking = true;
      setImmediate(() => {
        port.postMessage({ storedBytes: stored, storedCount: count });
        stored = 0;
        count = 0;
        acking = false;
      });
    }
  });
}

if (parentPort && (workerData as RecorderOptions | undefined)?.dbFile) void serve(parentPort);
