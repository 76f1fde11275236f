import { describe, expect, it } from "vitest";
import { sha, type Block } from "./blocks.js";
import { cacheableTokens, OpenAiCacheSimulator } from "./openai-cache.js";

/** Blocks with the given token counts; a block's content is its name, so equal names chain to equal prefixes. */
function blocks(...parts: [name: string, tokens: number][]): Block[] {
  let prefixHash = "";
  let prefixTokens = 0;
  return parts.map(([name, tokens], index) => {
    prefixHash = sha(`${prefixHash}|${name}`);
    prefixTokens += tokens;
    return {
      id: `input[${index}]`,
      section: "messages",
      index,
      text: name,
      hash: sha(name),
      prefixHash,
      tokens,
      prefixTokens,
      marker: null,
    };
  });
}

function simulator() {
  let now = 1_000_000;
  const sim = new OpenAiCacheSimulator(() => now);
  return { sim, advance: (ms: number) => (now += ms) };
}

const first = blocks(["tools", 600], ["instructions", 500], ["prompt", 200]); // 600, 1100, 1300 tokens
const second = blocks(["tools", 600], ["instructions", 500], ["prompt", 200], ["answer", 400]); // … 1700

describe("the OpenAI prompt cache simulation", () => {
  it("caches from 1,024 tokens in 128-token steps", () => {
    expect([1023, 1024, 1151, 1152, 1300, 1700].map(cacheableTokens)).toEqual([0, 1024, 1024, 1152, 1280, 1664]);
  });

  it("reads what the previous request cached and bills the newly cached tokens only where the model has a write price", () => {
    const plain = simulator().sim;
    // 1,300 tokens: 1,024 + 2 × 128 = 1,280 cached, none read; without a write price it is all input.
    expect(plain.process({ model: "m", cacheKey: "t", blocks: first, billsWrites: false })).toMatchObject({
      usage: { input: 1300, cacheRead: 0, cacheWrite: 0 },
      promptTokens: 1300,
      cachedTokens: 1280,
      cachedThrough: 2,
    });
    // 1,700 tokens extend it: the 1,280 cached are read and 1,664 are now cached; the 420 not read are input:
    // the 384 newly cached (1,664 − 1,280) and the 36-token tail past the last 128-token step (1,700 − 1,664).
    expect(plain.process({ model: "m", cacheKey: "t", blocks: second, billsWrites: false })).toMatchObject({
      usage: { input: 420, cacheRead: 1280, cacheWrite: 0 },
      readThrough: 2,
      cachedTokens: 1664,
      cachedThrough: 3,
    });
    const billed = simulator().sim;
    expect(billed.process({ model: "m", cacheKey: "t", blocks: first, billsWrites: true }).usage).toEqual({
      input: 20,
      cacheRead: 0,
      cacheWrite: 1280,
    });
    expect(billed.process({ model: "m", cacheKey: "t", blocks: second, billsWrites: true }).usage).toEqual({
      input: 36,
      cacheRead: 1280,
      cacheWrite: 384,
    });
  });

  it("reads only the shared prefix, and nothing when it is under 1,024 tokens", () => {
    const { sim } = simulator();
    sim.process({ model: "m", cacheKey: "t", blocks: second, billsWrites: false });
    // The prompt changed after 1,100 tokens: 1,024 of them are read.
    const edited = blocks(["tools", 600], ["instructions", 500], ["other prompt", 200]);
    expect(sim.process({ model: "m", cacheKey: "t", blocks: edited, billsWrites: false }).usage.cacheRead).toBe(1024);
    // The instructions changed after 600 tokens: too short a prefix to read.
    const early = blocks(["tools", 600], ["new instructions", 500], ["prompt", 200]);
    expect(sim.process({ model: "m", cacheKey: "t", blocks: early, billsWrites: false }).usage.cacheRead).toBe(0);
  });

  it("keeps nothing below 1,024 tokens", () => {
    const { sim } = simulator();
    const small = blocks(["tools", 600], ["prompt", 400]);
    expect(sim.process({ model: "m", cacheKey: null, blocks: small, billsWrites: true })).toMatchObject({
      usage: { input: 1000, cacheRead: 0, cacheWrite: 0 },
      cachedTokens: 0,
      cachedThrough: -1,
    });
    const next = blocks(["tools", 600], ["prompt", 400], ["more", 100]);
    expect(sim.process({ model: "m", cacheKey: null, blocks: next, billsWrites: false }).usage.cacheRead).toBe(0);
  });

  it("keys entries by model and prompt_cache_key", () => {
    const { sim } = simulator();
    sim.process({ model: "m", cacheKey: "t", blocks: first, billsWrites: false });
    expect(sim.process({ model: "m", cacheKey: "other", blocks: first, billsWrites: false }).usage.cacheRead).toBe(0);
    expect(sim.process({ model: "n", cacheKey: "t", blocks: first, billsWrites: false }).usage.cacheRead).toBe(0);
    expect(sim.process({ model: "m", cacheKey: "t", blocks: first, billsWrites: false }).usage.cacheRead).toBe(1280);
  });

  it("forgets a prefix after 5 idle minutes; each read refreshes it; 24-hour retention keeps it a day", () => {
    const { sim, advance } = simulator();
    sim.process({ model: "m", cacheKey: "t", blocks: first, billsWrites: false });
    advance(4 * 60_000);
    expect(sim.process({ model: "m", cacheKey: "t", blocks: first, billsWrites: false }).usage.cacheRead).toBe(1280);
    advance(4 * 60_000);
    expect(sim.process({ model: "m", cacheKey: "t", blocks: first, billsWrites: false }).usage.cacheRead).toBe(1280);
    advance(5 * 60_000);
    expect(sim.isExpired({ model: "m", cacheKey: "t", prefixHash: first[2]!.prefixHash })).toBe(true);
    expect(sim.process({ model: "m", cacheKey: "t", blocks: first, billsWrites: false }).usage.cacheRead).toBe(0);

    sim.process({ model: "m", cacheKey: "day", blocks: first, billsWrites: false, retention: "24h" });
    advance(23 * 3_600_000);
    expect(sim.process({ model: "m", cacheKey: "day", blocks: first, billsWrites: false }).usage.cacheRead).toBe(1280);
  });
});
