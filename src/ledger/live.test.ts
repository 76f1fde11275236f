import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { openDatabase, type Db } from "../core/db.js";
import type { Figures } from "./query.js";
import { usageRows } from "./query.js";
import { latestBlockStart, pace } from "./live.js";
import { HOUR_MS } from "./rollup.js";
import { prepareLedger } from "./store.js";

const BASE_HOUR = Date.UTC(2026, 10, 2) / HOUR_MS;

/** A ledger whose rollup holds one request in each given hour (offsets from BASE_HOUR), per runtime. */
function rollupLedger(hours: readonly { hour: number; runtime?: string }[], db = openDatabase(path.join(tempDir(), "quartet.db"))): Db {
  prepareLedger(db);
  db.exec("DELETE FROM usage_rollup");
  const insert = db.prepare(`INSERT INTO usage_rollup VALUES (?, ?, 's', '/p', 'm', 1, 1, 0, 0, 0, 1, 0, 0.01, 0, NULL, 0, 0, 0, ?, ?)`);
  for (const { hour, runtime } of hours) {
    const ts = (BASE_HOUR + hour) * HOUR_MS + 17 * 60_000;
    insert.run(BASE_HOUR + hour, runtime ?? "claude", ts, ts);
  }
  return db;
}

const at = (hour: number) => (BASE_HOUR + hour) * HOUR_MS;

describe("the latest 5-hour block", () => {
  it("is found through a chain of requests with no five-hour gap, as usage --by block cuts it", () => {
    // Every two hours from 0 to 14: blocks start at 0, 6 and 12 although no gap ever reaches five hours.
    const db = rollupLedger([0, 2, 4, 6, 8, 10, 12, 14].map((hour) => ({ hour })));
    expect(latestBlockStart(db, {})).toBe(at(12));
  });

  it("starts after five idle hours, and counts only the runtimes asked for", () => {
    const db = rollupLedger([{ hour: 0 }, { hour: 3 }, { hour: 8 }, { hour: 9 }, { hour: 30, runtime: "codex" }]);
    expect(latestBlockStart(db, {})).toBe(at(30));
    expect(latestBlockStart(db, { runtimes: ["claude"] })).toBe(at(8));
    expect(latestBlockStart(rollupLedger([]), {})).toBeNull();
  });

  it("always equals the start of the last block `usage --by block` lists", () => {
    const db = rollupLedger([]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 40 }), (hours) => {
        rollupLedger(
          hours.map((hour) => ({ hour })),
          db,
        );
        const blocks = usageRows(db, "block", {}, "UTC");
        expect(latestBlockStart(db, {})).toBe(Date.parse(blocks.at(-1)!.key));
      }),
      { numRuns: 80 },
    );
  });
});

function figures(f: Partial<Figures>): Figures {
  return {
    requests: 1,
    inputTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
    knownCostUsd: 0,
    unpricedRequests: 0,
    reportedCostUsd: null,
    cacheHitRate: null,
    cacheTaxUsd: 0,
    knownCacheTaxUsd: 0,
    cacheBreaks: 0,
    ...f,
  };
}

describe("burn rate and projection", () => {
  const span = { firstTs: at(10) + 30 * 60_000, now: at(12), end: at(15) };

  it("divide the spend by the time since the block's first request, and extend that pace to the block's end", () => {
    // $2.25 and 330k tokens in 1.5 hours; 3 hours left.
    const p = pace(
      figures({ costUsd: 2.25, inputTokens: 300_000, cacheReadTokens: 20_000, cacheWriteTokens: 5_000, outputTokens: 5_000 }),
      span,
    );
    expect(p.tokens).toBe(330_000);
    expect(p.costPerHour).toBeCloseTo(1.5, 12);
    expect(p.tokensPerMinute).toBeCloseTo(330_000 / 90, 9);
    expect(p.projectedCostUsd).toBeCloseTo(2.25 + 1.5 * 3, 12);
    expect(p.projectedTokens).toBeCloseTo(330_000 * 3, 6);
  });

  it("has no money rate when a price is unknown, and no rate at all from under a minute", () => {
    const unknown = pace(figures({ costUsd: null, knownCostUsd: 1, outputTokens: 900 }), span);
    expect(unknown).toMatchObject({ costPerHour: null, projectedCostUsd: null, tokensPerMinute: 10 });
    const early = pace(figures({ costUsd: 1, outputTokens: 900 }), { ...span, now: span.firstTs + 59_000 });
    expect(early).toEqual({ tokens: 900, costPerHour: null, tokensPerMinute: null, projectedCostUsd: null, projectedTokens: null });
  });

  it("projects no further once the block has ended", () => {
    const p = pace(figures({ costUsd: 3, outputTokens: 100 }), { ...span, now: span.end + HOUR_MS });
    expect(p.projectedCostUsd).toBe(3);
    expect(p.projectedTokens).toBe(100);
  });
});
