/** The cost sentence on figures built to reach each of its cases (the recorded runs are in report.test.ts). */
import { describe, expect, it } from "vitest";
import { explainCosts } from "./explain.js";

const figures = (
  runtime: string,
  o: { requests?: number; prompt: number; hit: number; cost: number | null; breaks?: number; tax?: number },
) => ({
  runtime: runtime as "claude",
  completed: true,
  mainRequests: o.requests ?? 10,
  promptTokens: o.prompt,
  hitRate: o.hit,
  costUsd: o.cost,
  cacheTaxUsd: o.tax ?? 0,
  breaks: Array.from({ length: o.breaks ?? 0 }),
});

describe("what drives a runtime's cost", () => {
  it("names the factors that differ, the largest first: twice the requests (2×), then the cache (1.75× per token)", () => {
    const { explanations, summary } = explainCosts([
      figures("claude", { prompt: 100_000, hit: 0.9, cost: 1 }),
      figures("opencode", { requests: 20, prompt: 200_000, hit: 0.6, cost: 3.5, breaks: 2, tax: 0.25 }),
    ]);
    expect(explanations[1]).toBe(
      "opencode costs 3.50× claude: it made 20 requests vs 10 and it read 60.0% from cache vs 90.0%, with 2 cache breaks vs none ($0.25 of cache tax).",
    );
    expect(summary).toBe(explanations[1]);
  });

  it("says when prompt size, request count and hit rate are all within 10%", () => {
    const { explanations } = explainCosts([
      figures("claude", { prompt: 100_000, hit: 0.9, cost: 1 }),
      figures("opencode", { prompt: 105_000, hit: 0.9, cost: 1.12 }),
    ]);
    expect(explanations[1]).toBe(
      "opencode costs 1.12× claude: its prompt size, request count and hit rate are within 10% of claude's; the rest is output.",
    );
  });

  it("compares nothing it cannot: an unpriced or incomplete runtime is described on its own", () => {
    const { explanations, summary } = explainCosts([
      figures("claude", { prompt: 100_000, hit: 0.9, cost: null }),
      { ...figures("opencode", { prompt: 0, hit: 0, cost: 0, requests: 0 }), completed: false },
    ]);
    expect(explanations).toEqual([
      "claude: 10.0k prompt tokens per request over 10 requests, 90.0% read from cache, no cache breaks.",
      "opencode made no requests (it did not complete).",
    ]);
    expect(summary).toBe(explanations[0]);
  });
});
