import { describe, expect, it } from "vitest";
import { sha, type Block, type Ttl } from "./blocks.js";
import { CacheSimulator } from "./simulator.js";

/** Blocks with exact token counts, so expectations can be worked out by hand. */
function blocks(spec: readonly { id: string; tokens: number; marker?: Ttl }[]): Block[] {
  let prefix = "";
  let total = 0;
  return spec.map((s, index) => {
    prefix = sha(`${prefix}|${s.id}`);
    total += s.tokens;
    return {
      id: s.id,
      section: "messages",
      index,
      text: s.id,
      hash: sha(s.id),
      prefixHash: prefix,
      tokens: s.tokens,
      prefixTokens: total,
      marker: s.marker ?? null,
    };
  });
}

const MIN = 60_000;
function clock() {
  let t = Date.parse("2026-11-24T10:00:00Z");
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("the Anthropic cache simulator", () => {
  it("writes the prefix up to a marker, then reads it on the next request", () => {
    const sim = new CacheSimulator(clock().now);
    const first = blocks([
      { id: "sys", tokens: 2000 },
      { id: "u1", tokens: 1000, marker: "5m" },
      { id: "tail", tokens: 50 },
    ]);
    expect(sim.process("claude-sonnet-4-5", first)).toMatchObject({
      ok: true,
      usage: { cacheRead: 0, cacheWrite5m: 3000, cacheWrite1h: 0, input: 50 },
    });
    const second = blocks([
      { id: "sys", tokens: 2000 },
      { id: "u1", tokens: 1000 },
      { id: "tail", tokens: 50 },
      { id: "u2", tokens: 400, marker: "5m" },
    ]);
    // Reads the 3,000 cached, writes the 450 from there to the new marker.
    expect(sim.process("claude-sonnet-4-5", second)).toMatchObject({
      ok: true,
      usage: { cacheRead: 3000, cacheWrite5m: 450, input: 0 },
      readThrough: 1,
      cachedThrough: 3,
    });
  });

  it("finds a cached prefix only within 20 blocks before a marker", () => {
    const base = [{ id: "sys", tokens: 2000, marker: "5m" as const }];
    const grown = (n: number) =>
      blocks([
        { id: "sys", tokens: 2000 },
        ...Array.from({ length: n }, (_, i) => ({ id: `m${i}`, tokens: 10, ...(i === n - 1 ? { marker: "5m" as const } : {}) })),
      ]);
    const near = new CacheSimulator(clock().now);
    near.process("claude-sonnet-4-5", blocks(base));
    // 19 blocks later: the marker's lookback (its own block and the 19 before it) reaches block 0.
    expect(near.process("claude-sonnet-4-5", grown(19))).toMatchObject({ usage: { cacheRead: 2000 } });
    const far = new CacheSimulator(clock().now);
    far.process("claude-sonnet-4-5", blocks(base));
    expect(far.process("claude-sonnet-4-5", grown(20))).toMatchObject({ usage: { cacheRead: 0, cacheWrite5m: 2200 } });
  });

  it("caches nothing below the model's minimum cacheable length, without an error", () => {
    const short = blocks([{ id: "sys", tokens: 3000, marker: "5m" }]);
    const haiku = new CacheSimulator(clock().now); // minimum 4,096
    expect(haiku.process("claude-haiku-4-5", short)).toMatchObject({
      ok: true,
      usage: { cacheWrite5m: 0, input: 3000 },
      belowMinimum: [0],
    });
    expect(haiku.process("claude-haiku-4-5", short)).toMatchObject({ usage: { cacheRead: 0 } });
    const sonnet = new CacheSimulator(clock().now); // minimum 1,024
    sonnet.process("claude-sonnet-4-5", short);
    expect(sonnet.process("claude-sonnet-4-5", short)).toMatchObject({ usage: { cacheRead: 3000 } });
  });

  it("expires a 5-minute entry after 5 minutes, and a read refreshes it", () => {
    const c = clock();
    const sim = new CacheSimulator(c.now);
    const req = blocks([{ id: "sys", tokens: 2000, marker: "5m" }]);
    sim.process("claude-sonnet-4-5", req);
    c.advance(4 * MIN);
    expect(sim.process("claude-sonnet-4-5", req)).toMatchObject({ usage: { cacheRead: 2000 } });
    c.advance(4 * MIN); // 8 minutes after the write, 4 after the refresh
    expect(sim.process("claude-sonnet-4-5", req)).toMatchObject({ usage: { cacheRead: 2000 } });
    c.advance(5 * MIN + 1);
    expect(sim.isExpired("claude-sonnet-4-5", req[0]!.prefixHash)).toBe(true);
    expect(sim.process("claude-sonnet-4-5", req)).toMatchObject({ usage: { cacheRead: 0, cacheWrite5m: 2000 } });
  });

  it("keeps a 1-hour entry for an hour", () => {
    const c = clock();
    const sim = new CacheSimulator(c.now);
    const req = blocks([{ id: "sys", tokens: 2000, marker: "1h" }]);
    expect(sim.process("claude-sonnet-4-5", req)).toMatchObject({ usage: { cacheWrite1h: 2000, cacheWrite5m: 0 } });
    c.advance(50 * MIN);
    expect(sim.process("claude-sonnet-4-5", req)).toMatchObject({ usage: { cacheRead: 2000 } });
    c.advance(61 * MIN);
    expect(sim.process("claude-sonnet-4-5", req)).toMatchObject({ usage: { cacheRead: 0, cacheWrite1h: 2000 } });
  });

  it("keeps a cache per model", () => {
    const sim = new CacheSimulator(clock().now);
    const req = blocks([{ id: "sys", tokens: 5000, marker: "5m" }]);
    sim.process("claude-sonnet-4-5", req);
    expect(sim.process("claude-opus-4-8", req)).toMatchObject({ usage: { cacheRead: 0, cacheWrite5m: 5000 } });
    expect(sim.process("claude-sonnet-4-5", req)).toMatchObject({ usage: { cacheRead: 5000 } });
  });

  it("splits writes into the 1-hour part before the last 1-hour marker and the 5-minute rest", () => {
    const sim = new CacheSimulator(clock().now);
    const req = blocks([
      { id: "tools", tokens: 2000, marker: "1h" },
      { id: "sys", tokens: 3000, marker: "5m" },
      { id: "tail", tokens: 1000 },
    ]);
    expect(sim.process("claude-sonnet-4-5", req)).toMatchObject({
      usage: { cacheWrite1h: 2000, cacheWrite5m: 3000, input: 1000, cacheRead: 0 },
    });
  });

  it("rejects more than 4 markers, and a 1-hour marker after a 5-minute one, as the API does", () => {
    const sim = new CacheSimulator(clock().now);
    const five = blocks(Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, tokens: 500, marker: "5m" as const })));
    expect(sim.process("claude-sonnet-4-5", five)).toEqual({
      ok: false,
      status: 400,
      type: "invalid_request_error",
      message: "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    });
    const order = blocks([
      { id: "a", tokens: 2000, marker: "5m" },
      { id: "b", tokens: 2000, marker: "1h" },
    ]);
    expect(sim.process("claude-sonnet-4-5", order)).toMatchObject({ ok: false, status: 400 });
  });
});
