/** Test helper: a ledger in a temporary database, ingesting from a given home with the given runtimes. */
import path from "node:path";
import { openDatabase, type Db } from "../src/core/db.js";
import { lookupEnv } from "../src/core/paths.js";
import { buildPricing } from "../src/core/pricing.js";
import { PRICE_TABLE } from "../src/core/price-table.js";
import { ingest, type IngestResult } from "../src/ledger/ingest.js";
import { RUNTIMES } from "../src/runtimes/registry.js";
import type { RuntimeId } from "../src/runtimes/types.js";
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
