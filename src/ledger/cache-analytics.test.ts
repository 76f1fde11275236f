import { describe, expect, it } from "vitest";
import { Mark } from "../contract/log-records.js";
import { analyzeConversation, type ChainRequest, type TaxRates } from "./cache-analytics.js";

const SONNET: TaxRates = { input: 3, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3 };
const OPUS: TaxRates = { input: 5, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5 };
const GPT5: TaxRates = { input: 1.25, cacheWrite5m: 1.25, cacheWrite1h: 1.25, cacheRead: 0.125 };
const rates = (r: ChainRequest): TaxRates | null =>
  r.model.includes("sonnet") ? SONNET : r.model.includes("opus") ? OPUS : r.model.startsWith("gpt") ? GPT5 : null;

const T0 = Date.parse("2026-11-24T10:00:00Z");
const MIN = 60_000;
function req(at: number, o: Partial<ChainRequest>): ChainRequest {
  return { ts: T0 + at, model: "claude-sonnet-4-5", input: 3, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, marks: 0, ...o };
}
const first = req(0, { cacheWrite5m: 10_000 });

describe("cache analysis of one conversation", () => {
  it("expects the next request to read what the previous one cached, and finds no break when it does", () => {
    const [a, b] = analyzeConversation([first, req(0.5 * MIN, { cacheWrite5m: 500, cacheRead: 10_000 })], rates);
    expect(a).toMatchObject({ expectedRead: 0, shortfall: 0, isBreak: false, taxUsd: 0 });
    expect(b).toMatchObject({ expectedRead: 10_000, shortfall: 0, isBreak: false, cause: null, taxUsd: 0 });
  });

  it("names an idle gap beyond the 5-minute TTL and charges the re-written prefix as tax", () => {
    const [, b] = analyzeConversation([first, req(6 * MIN, { cacheWrite5m: 10_500 })], rates);
    // 10,000 re-written tokens × (3.75 − 0.30) $/M
    expect(b).toMatchObject({ expectedRead: 10_000, shortfall: 10_000, isBreak: true, cause: "ttl-expired" });
    expect(b!.taxUsd).toBeCloseTo(0.0345, 10);
  });

  it("keeps a 1-hour write alive past five minutes", () => {
    const oneHour = req(0, { cacheWrite1h: 10_000 });
    const [, alive] = analyzeConversation([oneHour, req(30 * MIN, { cacheWrite1h: 200, cacheRead: 10_000 })], rates);
    expect(alive).toMatchObject({ shortfall: 0, isBreak: false });
    const [, expired] = analyzeConversation([oneHour, req(61 * MIN, { cacheWrite1h: 10_200 })], rates);
    expect(expired).toMatchObject({ isBreak: true, cause: "ttl-expired" });
    expect(expired!.taxUsd).toBeCloseTo((10_000 * (6 - 0.3)) / 1e6, 10);
  });

  it("blames a compaction marker, and bills writes before uncached input", () => {
    const [, b] = analyzeConversation([first, req(MIN, { cacheRead: 2000, cacheWrite5m: 3000, marks: Mark.compaction })], rates);
    // expected = min(prompt 5,003, cached 10,000); shortfall 3,003 = 3,000 written + 3 uncached
    expect(b).toMatchObject({ expectedRead: 5003, shortfall: 3003, isBreak: true, cause: "compaction" });
    expect(b!.taxUsd).toBeCloseTo((3000 * 3.45 + 3 * 2.7) / 1e6, 12);
  });

  it("blames a model switch when the conversation moves to a model with an empty cache", () => {
    const [, b] = analyzeConversation([first, req(MIN, { model: "claude-opus-4-8", cacheWrite5m: 10_300 })], rates);
    expect(b).toMatchObject({ expectedRead: 10_000, shortfall: 10_000, isBreak: true, cause: "model-switch" });
    expect(b!.taxUsd).toBeCloseTo((10_000 * (6.25 - 0.5)) / 1e6, 12);
  });

  it("expects nothing of a small auxiliary call on another model, and resumes the main model's chain after it", () => {
    const results = analyzeConversation(
      [first, req(0.2 * MIN, { model: "claude-haiku-4-5", cacheWrite5m: 400 }), req(0.5 * MIN, { cacheWrite5m: 300, cacheRead: 10_000 })],
      rates,
    );
    expect(results[1]).toMatchObject({ expectedRead: 0, isBreak: false });
    expect(results[2]).toMatchObject({ expectedRead: 10_000, shortfall: 0, isBreak: false });
  });

  it("blames the first request of a resumed process", () => {
    const [, b] = analyzeConversation([first, req(MIN, { cacheRead: 900, cacheWrite5m: 9400, marks: Mark.resumed })], rates);
    expect(b).toMatchObject({ shortfall: 9100, isBreak: true, cause: "resumed" });
  });

  it("otherwise says the prefix changed", () => {
    const [, b] = analyzeConversation([first, req(MIN, { cacheRead: 900, cacheWrite5m: 9400 })], rates);
    expect(b).toMatchObject({ shortfall: 9100, isBreak: true, cause: "prefix-changed" });
  });

  it("counts a small shortfall as tax but not as a break", () => {
    const [, b] = analyzeConversation([first, req(MIN, { cacheRead: 9900, cacheWrite5m: 400 })], rates);
    expect(b).toMatchObject({ shortfall: 100, isBreak: false, cause: "prefix-changed" });
    expect(b!.taxUsd).toBeCloseTo((100 * 3.45) / 1e6, 12);
  });

  it("leaves the tax unknown when the model has no price", () => {
    const unknown = { model: "claude-mystery" };
    const [, b] = analyzeConversation(
      [req(0, { ...unknown, cacheWrite5m: 10_000 }), req(6 * MIN, { ...unknown, cacheWrite5m: 10_000 })],
      rates,
    );
    expect(b).toMatchObject({ isBreak: true, taxUsd: null });
  });

  it("expects automatic caches (OpenAI) to hold the previous prompt in 128-token blocks", () => {
    const a = req(0, { model: "gpt-5", input: 5000 });
    const hit = analyzeConversation([a, req(MIN, { model: "gpt-5", input: 1008, cacheRead: 4992 })], rates)[1];
    expect(hit).toMatchObject({ expectedRead: 4992, shortfall: 0 });
    const miss = analyzeConversation([a, req(MIN, { model: "gpt-5", input: 6000 })], rates)[1];
    expect(miss).toMatchObject({ expectedRead: 4992, shortfall: 4992, isBreak: true });
    expect(miss!.taxUsd).toBeCloseTo((4992 * (1.25 - 0.125)) / 1e6, 12);
  });
});
