import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureHome, tempDir } from "../../test/helpers.js";
import { openDatabase } from "../core/db.js";
import { lookupEnv } from "../core/paths.js";
import { PRICE_TABLE } from "../core/price-table.js";
import { buildPricing } from "../core/pricing.js";
import { ingest } from "../ledger/ingest.js";
import { totals } from "../ledger/query.js";
import { RUNTIMES } from "../runtimes/registry.js";
import { storeRequests } from "./otel-receive.js";
import { otelSources } from "./otel-source.js";

interface StoredRow {
  request_key: string;
  session_id: string;
  model: string;
  ts: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
}

/** A fresh ledger reading `home`'s Claude Code transcripts and the requests stored in `dataDir`. */
async function ingestInto(home: string, dataDir: string) {
  const db = openDatabase(path.join(tempDir("quartet-otel-ledger-"), "quartet.db"));
  await ingest({
    db,
    env: lookupEnv({ home }),
    pricing: buildPricing(PRICE_TABLE),
    runtimes: [RUNTIMES.get("claude")!],
    extraSources: otelSources({ db, dataDir }),
    workers: 0,
  });
  return db;
}

describe("the OpenTelemetry source on a first ingest", () => {
  it("joins every event with its transcript record, the last ones written included: each request counted once", async () => {
    const home = fixtureHome(["claude"]);
    const plain = await ingestInto(home, tempDir("quartet-otel-none-"));
    const records = plain
      .prepare(
        "SELECT request_key, session_id, model, ts, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens FROM usage_record",
      )
      .all() as StoredRow[];
    const expected = totals(plain, {});
    expect(records.length % 32).not.toBe(0); // some rows are still gathered for a multi-row insert when the stores are read

    // One event per transcript request, as the receiver stores them; the transcripts are old, so an unmatched
    // event would be counted on its own at once, and for good.
    const dataDir = tempDir("quartet-otel-data-");
    storeRequests(
      dataDir,
      records.map((r) => {
        const requestId = r.request_key.slice(r.request_key.lastIndexOf(":") + 1);
        return {
          runtime: "claude" as const,
          id: requestId,
          requestId,
          sessionId: r.session_id,
          model: r.model,
          ts: r.ts,
          version: null,
          tokens: {
            input: r.input_tokens,
            output: r.output_tokens,
            reasoning: 0,
            cacheRead: r.cache_read_tokens,
            cacheWrite5m: r.cache_write_5m_tokens,
            cacheWrite1h: r.cache_write_1h_tokens,
          },
          costUsd: null,
        };
      }),
    );
    const joined = await ingestInto(home, dataDir);
    expect(joined.prepare("SELECT count(*) FROM usage_record WHERE request_key LIKE 'otel:%'").pluck().get()).toBe(0);
    expect(totals(joined, {})).toEqual(expected);
  });
});
