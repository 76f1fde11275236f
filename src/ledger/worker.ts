/**
 * Worker thread that reads JSON-lines sources for a large ingest, so parsing runs on every core while
 * the main thread writes to the database. Receives JsonlTask messages, answers with SourceRead or an
 * error message for the same task id.
 */
import { parentPort } from "node:worker_threads";
import { loadParsers, readJsonlTask, type JsonlTask } from "./read-source.js";

parentPort?.on("message", async (msg: { id: number; task: JsonlTask }) => {
  try {
    await loadParsers([msg.task]);
    parentPort!.postMessage({ id: msg.id, read: readJsonlTask(msg.task) });
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: (e as Error).message ?? String(e) });
  }
});
