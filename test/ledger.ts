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
  /** Ingests from the home; `only` narrows the runtimes for this run; `partial` as the status line's run. */
  ingest(only?: readonly RuntimeId[], o?: { partial?: boolean }): Promise<IngestResult>;
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
    ingest: (only, o) =>
      ingest({
        db,
        env: lookupEnv({ home }),
        pricing,
        runtimes: (only ?? runtimes).map((r) => RUNTIMES.get(r)!),
        workers: options.workers ?? 0,
        partial: o?.partial,
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

/** A Claude Code assistant line for one new request. */
export function assistantLine(o: {
  id: string;
  sessionId: string;
  ts: string;
  model?: string;
  read?: number;
  write?: number;
  output?: number;
}) {
  return {
    parentUuid: null,
    isSidechain: false,
    message: {
      id: o.id,
      type: "message",
      role: "assistant",
      model: o.model ?? "claude-opus-4-8",
      content: [{ type: "text", text: "ok" }],
      stop_reason: "end_turn",
      usage: {
        input_tokens: 3,
        cache_creation_input_tokens: o.write ?? 100,
        cache_read_input_tokens: o.read ?? 0,
        output_tokens: o.output ?? 7,
      },
    },
    requestId: `req_${o.id}`,
    type: "assistant",
    uuid: `u-${o.id}`,
    timestamp: o.ts,
    cwd: "/work/project",
    sessionId: o.sessionId,
    version: "2.1.197",
  };
}
