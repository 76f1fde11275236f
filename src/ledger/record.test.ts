import { describe, expect, it } from "vitest";
import type { LoggedTokens, Observation } from "../contract/log-records.js";
import { deltaFromTotal, normalize, type Counters } from "./record.js";

const t = (input: number, output: number, cacheRead = 0): LoggedTokens => ({
  input,
  output,
  reasoning: 0,
  cacheRead,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
});
const base: Observation = {
  key: "k",
  sessionId: "s",
  isSubagent: false,
  project: null,
  model: "gpt-5",
  provider: "openai",
  ts: 0,
  version: null,
};

describe("running totals (Codex token_count)", () => {
  it("counts a total only when it advances, using the response's own usage", () => {
    const counters: Counters = {};
    expect(deltaFromTotal(counters, { counter: "c", total: t(100, 10), last: t(100, 10) })).toEqual(t(100, 10));
    // Re-emitted unchanged total (UI / rate-limit refresh): not a request.
    expect(deltaFromTotal(counters, { counter: "c", total: t(100, 10), last: t(100, 10) })).toBeNull();
    expect(deltaFromTotal(counters, { counter: "c", total: t(250, 30), last: t(150, 20) })).toEqual(t(150, 20));
  });

  it("falls back to the difference when the response's own usage is missing", () => {
    const counters: Counters = { c: t(100, 10) };
    expect(deltaFromTotal(counters, { counter: "c", total: t(180, 25) })).toEqual(t(80, 15));
  });

  it("uses the response's usage for a fork whose total starts at its parent's", () => {
    expect(deltaFromTotal({}, { counter: "fork", total: t(10_000, 500), last: t(900, 40) })).toEqual(t(900, 40));
  });

  it("only moves the baseline when told to", () => {
    const counters: Counters = {};
    expect(deltaFromTotal(counters, { counter: "c", total: t(100, 10), baselineOnly: true })).toBeNull();
    expect(deltaFromTotal(counters, { counter: "c", total: t(130, 12) })).toEqual(t(30, 2));
  });
});

describe("normalize", () => {
  it("folds OpenAI-style input (cached inside input) into uncached input + cache read", () => {
    const r = normalize("codex", { ...base, tokens: t(1000, 50, 800), inputIncludesCache: true }, {});
    expect(r).toMatchObject({ input: 200, cacheRead: 800, output: 50 });
  });

  it("drops observations without usage", () => {
    expect(normalize("claude", { ...base, tokens: t(0, 0) }, {})).toBeNull();
  });

  it("rolls a subagent up to its root session and follows its own conversation", () => {
    const r = normalize("opencode", { ...base, sessionId: "child", parentSessionId: "parent", rootSessionId: "root", tokens: t(5, 5) }, {});
    expect(r).toMatchObject({ sessionId: "child", rootSessionId: "root", conversationId: "child" });
    const c = normalize("claude", { ...base, sessionId: "s1", agentId: "a1", tokens: t(5, 5) }, {});
    expect(c).toMatchObject({ rootSessionId: "s1", conversationId: "s1#a1" });
  });
});
