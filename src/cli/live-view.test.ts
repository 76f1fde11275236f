import { describe, expect, it } from "vitest";
import type { Figures } from "../ledger/ledger.js";
import type { LiveBlock, LiveSnapshot } from "../ledger/live.js";
import { blockPart, duration, liveScreen, sessionPart, spend } from "./live-view.js";

const H = 3_600_000;
const NOW = Date.parse("2026-11-24T12:00:00Z");

const figures = (f: Partial<Figures>): Figures => ({
  requests: 2,
  inputTokens: 10,
  cacheWriteTokens: 100,
  cacheWrite5mTokens: 100,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 890,
  outputTokens: 5,
  reasoningTokens: 0,
  costUsd: 1.234,
  knownCostUsd: 1.234,
  unpricedRequests: 0,
  reportedCostUsd: null,
  cacheHitRate: 0.89,
  cacheTaxUsd: 0.11,
  knownCacheTaxUsd: 0.11,
  cacheBreaks: 0,
  ...f,
});

const pace = { tokens: 1005, costPerHour: 0.5, tokensPerMinute: 8.4, projectedCostUsd: 2.73, projectedTokens: 2500 };
const block = (over: Partial<LiveBlock> = {}): LiveBlock => ({
  start: NOW - 2 * H,
  end: NOW + 3 * H,
  firstTs: NOW - 90 * 60_000,
  lastTs: NOW - 60_000,
  rows: [{ runtime: "claude", figures: figures({}), pace }],
  totals: figures({ costUsd: 4.56, knownCostUsd: 4.56 }),
  pace,
  ...over,
});

describe("the status line", () => {
  it("shows the session and the block as Claude Code's status line shows one line", () => {
    expect(`${sessionPart(figures({}))} · ${blockPart(block(), NOW)}`).toBe(
      "$1.23 session · hit 89% · tax $0.11 · block $4.56 (3h00m left)",
    );
  });

  it("never shows an unknown price as $0, and a partly known sum as a lower bound", () => {
    expect(spend(null, 0)).toBe("unknown");
    expect(spend(null, 1.5)).toBe("≥$1.50");
    expect(sessionPart(figures({ costUsd: null, knownCostUsd: 0, cacheTaxUsd: null, knownCacheTaxUsd: 0, cacheHitRate: null }))).toBe(
      "unknown session · hit – · tax unknown",
    );
  });

  it("says a session with nothing in the ledger yet has no requests, never $0", () => {
    expect(
      sessionPart(figures({ requests: 0, costUsd: 0, knownCostUsd: 0, cacheHitRate: null, cacheTaxUsd: 0, knownCacheTaxUsd: 0 })),
    ).toBe("session: no requests yet");
  });

  it("says when no block is running, and since when", () => {
    expect(blockPart(block({ end: NOW - H, lastTs: NOW - 3 * H - 5 * 60_000 }), NOW)).toBe("no active block (last request 3h05m ago)");
    expect(blockPart(null, NOW)).toBe("no usage in the ledger yet");
  });

  it("rounds time down, so time left is never overstated", () => {
    expect([duration(59_999), duration(13 * 60_000 + 59_000), duration(2 * H + 13 * 60_000), duration(76 * H)]).toEqual([
      "<1m",
      "13m",
      "2h13m",
      "3d04h",
    ]);
  });
});

describe("the live screen", () => {
  const week = { key: "2026-W48", start: Date.parse("2026-11-23T00:00:00Z"), rows: [], totals: figures({ requests: 0 }) };

  it("lists every selected runtime, with or without requests, and the block's pace", async () => {
    const s: LiveSnapshot = { now: NOW, block: block(), lastActivity: NOW - 60_000, week };
    const text = await liveScreen(s, { tz: "UTC", runtimes: ["claude", "codex"], header: "quartet live" });
    expect(text).toContain("Block 10:00–15:00 (UTC): 3h00m left; first request at 10:30, 1h30m ago");
    expect(text).toMatch(/claude +│ +2 │ +1,005 │ +\$1\.23 │ +\$0\.50 │ +8 │ +\$2\.73 │ +89\.0% │ +\$0\.11 │/);
    expect(text).toMatch(/codex +│ +– │/);
    expect(text).toContain("Week 2026-W48, since 2026-11-23 00:00 (UTC)");
  });

  it("names the last request when no block is running", async () => {
    const s: LiveSnapshot = { now: NOW, block: null, lastActivity: NOW - 26 * H, week };
    const text = await liveScreen(s, { tz: "Europe/Berlin", runtimes: ["claude"], header: "quartet live" });
    expect(text).toContain("No active block: the last request was at 2026-11-23 11:00 (Europe/Berlin), 1d02h ago.");
  });
});
