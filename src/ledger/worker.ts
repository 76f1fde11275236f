/**
 * Worker thread that reads JSON-lines sources for a large ingest, so parsing runs on every core while
 * the main thread writes to the database. Receives JsonlTask messages, answers with SourceRead (its
 * records packed, record-wire.ts) or an error message for the same task id.
 */
import { parentPort } from "node:worker_threads";
import { loadParsers, readJsonlTask, type JsonlTask } from "./read-source.js";
import { packRecords, transferables } from "./record-wire.js";

parentPort?.on("message", async (msg: { id: number; task: JsonlTask }) => {
  try {
    await loadParsers([msg.task]);
    const { records, ...read } = readJsonlTask(msg.task);
    const packed = packRecords(records);
    parentPort!.postMessage({ id: msg.id, read, packed }, transferables(packed));
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: (e as Error).message ?? String(e) });
  }
});
