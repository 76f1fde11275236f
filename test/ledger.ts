/** Test helper: a ledger in a temporary database, ingesting from a given home with the given runtimes. */
import path from "node:path";
import { openDatabase, type Db } from "../src/core/db.js";
import { lookupEnv } from "../src/core/paths.js";
import { buildPricing } from "../src/core/pricing.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { ingest, type IngestResult } from "../src/ledger/ingest.js";
import { RUNTIMES } from "../src/runtimes/registry.js";
import type { RuntimeAdapter, RuntimeId } from "../src/runtimes/types.js";
import { tempDir } from "./helpers.js";

export interface TestLedger {
  db: Db;
  /** Ingests from the home; `only` narrows the runtimes for this run. */
  ingest(only?: readonly RuntimeId[]): Promise<IngestResult>;
  rows(sql: string, ...params: unknown[]): Record<string, unknown>[];
}

export function testLedger(
  home: string,
  runtimes: readonly RuntimeId[] = ["claude", "opencode", "codex"],
  options: { workers?: number } = {},
): TestLedger {
  const db = openDatabase(path.join(tempDir("quartet-ledger-"), "quartet.db"));
  const pricing = buildPricing(PRICE_TABLE);
  return {
    db,
    ingest: (only) =>
      ingest({
        db,
        env: lookupEnv({ home }),
        pricing,
        runtimes: (only ?? runtimes).map((r) => RUNTIMES.get(r)!),
        workers: options.workers ?? 0,
      }),
    rows: (sql, ...params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
  };
}

/**
 * A runtime with only logs: these JSON-lines files, read with the parser module at `parser` (a file URL), for a
 * test of what the ledger does with a runtime's sources rather than with a real runtime's format.
 */
export function logsOnlyRuntime(paths: readonly string[], parser: string): RuntimeAdapter {
  return {
    id: "toy",
    displayName: "Toy",
    color: "#000000",
    logs: {
      discover: () => ({ looked: [], warnings: [], sources: paths.map((p) => ({ kind: "jsonl", runtime: "toy", path: p, parser })) }),
    },
  } as unknown as RuntimeAdapter;
}

/** Ingests once with these runtimes into a new ledger of its own, on the main thread; returns the ledger and the run. */
export function ingestOnce(runtimes: readonly RuntimeAdapter[]): { db: Db; run: Promise<IngestResult> } {
  const db = openDatabase(path.join(tempDir("quartet-ledger-"), "quartet.db"));
  const run = ingest({ db, env: lookupEnv({ home: tempDir() }), pricing: buildPricing(PRICE_TABLE), runtimes, workers: 0 });
  return { db, run };
}
