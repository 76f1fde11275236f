/**
 * A simulation of Anthropic's prompt cache, following its documented rules
 * (platform.claude.com/docs/en/build-with-claude/prompt-caching, summarized in shared/reference/gateways.md):
 *
 * - The cache is per model: entries are keyed by model and prefix hash.
 * - A cache_control marker asks for the prefix ending at its block to be cached. At most 4 markers; a
 *   request with more is rejected with a 400, as the API rejects it. 1-hour markers must come before
 *   5-minute ones.
 * - A read is the longest previously written prefix still alive, looked up at each marker and at the block
 *   boundaries up to 20 blocks before it (the lookback window).
 * - A write is made at each marker whose prefix is not cached yet, if that prefix reaches the model's minimum
 *   cacheable length; below it nothing is cached and nothing fails.
 * - An entry lives 5 minutes, or 1 hour with `ttl: "1h"`; each read refreshes it.
 *
 * Usage is reported as the API reports it: cache_read = the prefix read; cache_creation = the tokens from
 * there to the last marker written (split into the 1h part, up to the last 1h marker, and the 5m rest);
 * input_tokens = everything after. Token counts are estimates (core/tokens.ts).
 */
import type { Block, Ttl } from "./blocks.js";
import { cacheFacts } from "./models.js";

export const LOOKBACK_BLOCKS = 20;
export const MAX_MARKERS = 4;
export const TTL_MS: Record<Ttl, number> = { "5m": 5 * 60 * 1000, "1h": 60 * 60 * 1000 };

export interface SimulatedUsage {
  input: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export type SimulationResult =
  | {
      ok: true;
      usage: SimulatedUsage;
      /** Index of the last block read from cache, or -1. */
      readThrough: number;
      /** Index of the last block written (or refreshed) by a marker, or -1. */
      cachedThrough: number;
      /** Marker blocks whose prefix was below the model's minimum and so was not cached. */
      belowMinimum: number[];
    }
  | { ok: false; status: 400; type: "invalid_request_error"; message: string };

interface Entry {
  ttl: Ttl;
  expiresAt: number;
  tokens: number;
}

export class CacheSimulator {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Forgets every entry (a fresh account). */
  clear(): void {
    this.entries.clear();
  }

  /** Drops the entries that expired before `before` (a simulator fed for hours keeps no dead entries). */
  prune(before: number): void {
    for (const [key, e] of this.entries) if (e.expiresAt <= before) this.entries.delete(key);
  }

  /** How many entries the simulated cache holds, dead or alive. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether an unexpired entry exists for this model and prefix (for explaining misses). */
  isCached(model: string, prefixHash: string): boolean {
    const e = this.entries.get(`${model}\u0000${prefixHash}`);
    return e !== undefined && e.expiresAt > this.now();
  }

  /** Whether an entry existed for this prefix but expired. */
  isExpired(model: string, prefixHash: string): boolean {
    return this.expiredTtl(model, prefixHash) !== undefined;
  }

  /** The TTL of an entry that existed for this prefix but expired. */
  expiredTtl(model: string, prefixHash: string): Ttl | undefined {
    const e = this.entries.get(`${model}\u0000${prefixHash}`);
    return e !== undefined && e.expiresAt <= this.now() ? e.ttl : undefined;
  }

  process(model: string, blocks: readonly Block[]): SimulationResult {
    const markers = blocks.filter((b) => b.marker !== null);
    if (markers.length > MAX_MARKERS) {
      return {
        ok: false,
        status: 400,
        type: "invalid_request_error",
        message: `A maximum of ${MAX_MARKERS} blocks with cache_control may be provided. Found ${markers.length}.`,
      };
    }
    let seen5m = false;
    for (const m of markers) {
      if (m.marker === "5m") seen5m = true;
      else if (seen5m) {
        return {
          ok: false,
          status: 400,
          type: "invalid_request_error",
          message: `cache_control with ttl "1h" must come before any with ttl "5m" (block ${m.id}).`,
        };
      }
    }
    const now = this.now();
    const key = (b: Block) => `${model}\u0000${b.prefixHash}`;
    const alive = (b: Block) => {
      const e = this.entries.get(key(b));
      return e !== undefined && e.expiresAt > now ? e : undefined;
    };

    // Read: the longest cached prefix found at a marker or within the lookback window before it.
    let readThrough = -1;
    for (const m of markers) {
      for (let j = m.index; j >= 0 && j > m.index - LOOKBACK_BLOCKS; j--) {
        if (j <= readThrough) break;
        if (alive(blocks[j]!)) {
          readThrough = j;
          break;
        }
      }
    }
    if (readThrough >= 0) {
      const e = alive(blocks[readThrough]!)!;
      e.expiresAt = now + TTL_MS[e.ttl];
    }

    // Write (or refresh) at each marker that reaches the minimum cacheable length.
    const min = cacheFacts(model).minCacheableTokens;
    const belowMinimum: number[] = [];
    let cachedThrough = -1;
    let last1h = -1;
    for (const m of markers) {
      if (m.prefixTokens < min) {
        belowMinimum.push(m.index);
        continue;
      }
      const existing = alive(m);
      if (existing) existing.expiresAt = now + TTL_MS[existing.ttl];
      else this.entries.set(key(m), { ttl: m.marker!, expiresAt: now + TTL_MS[m.marker!], tokens: m.prefixTokens });
      cachedThrough = Math.max(cachedThrough, m.index);
      if (m.marker === "1h") last1h = Math.max(last1h, m.index);
    }

    const total = blocks.length === 0 ? 0 : blocks[blocks.length - 1]!.prefixTokens;
    const read = readThrough >= 0 ? blocks[readThrough]!.prefixTokens : 0;
    const cachedTokens = cachedThrough >= 0 ? blocks[cachedThrough]!.prefixTokens : 0;
    const through1h = last1h >= 0 ? blocks[last1h]!.prefixTokens : 0;
    const cacheWrite1h = Math.max(0, through1h - read);
    const cacheWrite5m = Math.max(0, cachedTokens - Math.max(read, through1h));
    return {
      ok: true,
      usage: { input: total - read - cacheWrite1h - cacheWrite5m, cacheRead: read, cacheWrite5m, cacheWrite1h },
      readThrough,
      cachedThrough,
      belowMinimum,
    };
  }
}
