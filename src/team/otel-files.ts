/**
 * Where `quartet otel receive` keeps the requests it took: one JSONL file per runtime in quartet's data folder.
 * Apart from the receiver so that every report, which reads these files, does not load the OTLP decoder.
 */
import path from "node:path";
import type { OtelRequest } from "./otel-events.js";

export function otelDir(dataDir: string): string {
  return path.join(dataDir, "otel");
}

export function otelEventsFile(dataDir: string, runtime: OtelRequest["runtime"]): string {
  return path.join(otelDir(dataDir), `${runtime}.jsonl`);
}
