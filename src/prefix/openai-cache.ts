/**
 * A simulation of OpenAI's automatic prompt caching, following its documented rules (OpenAI's prompt
 * caching guide, developers.openai.com/api/docs/guides/prompt-caching, summarized in
 * shared/reference/usage.md §5):
 *
 * - No markers: every request offers its whole prompt to the cache. A prompt is cacheable from 1,024 tokens;
 *   the cached length is 1,024 tokens plus whole 128-token steps, so a 1,300-token prefix caches 1,280.
 * - Entries are per model and per `prompt_cache_key` (requests without one share the model's pool; the key
 *   only routes requests to the same cache, it is not part of the content).
 * - A read is the longest prefix still alive that the request shares with an earlier request, rounded down
 *   to the 128-token steps. Prefixes are compared at block boundaries (prefix/responses-blocks.ts), so a
 *   block that changed in its middle loses the whole block: a slight undercount against the real, token-level
 *   match.
 * - TTL: in-memory retention keeps a prefix for 5 to 10 minutes of inactivity (at most an hour); the
 *   simulation uses the guaranteed 5 minutes, refreshed by each read. `prompt_cache_retention: "24h"`
 *   (extended retention) keeps it 24 hours.
 *
 * Usage is reported as the API reports it: `cached_tokens` (read) is part of `input_tokens`. The tokens a
 * request newly caches are its cache write; they are billed apart (`cache_write_tokens`, at the model's
 * write price, 1.25× input on the models that have one) only when `billsWrites` says the model has a write
 * price, and are otherwise plain input. Token counts are estimates (core/tokens.ts).
 */
import type { Block } from "./blocks.js";

export const OPENAI_MIN_CACHEABLE_TOKENS = 1024;
export const OPENAI_CACHE_STEP_TOKENS = 128;
export const OPENAI_TTL_MS = { in_memory: 5 * 60 * 1000, "24h": 24 * 60 * 60 * 1000 } as const;
export type Retention = keyof typeof OPENAI_TTL_MS;

/** The part of `tokens` the cache holds: 0 below 1,024, else 1,024 plus whole 128-token steps. */
export function cacheableTokens(tokens: number): number {
  if (tokens < OPENAI_MIN_CACHEABLE_TOKENS) return 0;
  return (
    OPENAI_MIN_CACHEABLE_TOKENS + Math.floor((tokens - OPENAI_MIN_CACHEABLE_TOKENS) / OPENAI_CACHE_STEP_TOKENS) * OPENAI_CACHE_STEP_TOKENS
  );
}

export interface OpenAiUsage {
  /** Uncached input, not counting a separately billed cache write. */
  input: number;
  cacheRead: number;
  /** Newly cached tokens, when the model bills writes; else 0 and they are in `input`. */
  cacheWrite: number;
}

export interface OpenAiCacheResult {
  usage: OpenAiUsage;
  /** Every prompt token: input + cacheRead + cacheWrite. */
  promptTokens: number;
  /** Index of the last block read (wholly or partly) from cache, or -1. */
  readThrough: number;
  /** Tokens of this prompt now held in the cache. */
  cachedTokens: number;
  /** Index of the block the cached part ends in, or -1. */
  cachedThrough: number;
}

interface Entry {
  expiresAt: number;
  ttlMs: number;
  /** Tokens of this prefix held in the cache: the prefix itself, or the part of it its writer cached. */
  tokens: number;
}

/** Index of the block that contains token `tokens` of the prompt (the last one whose prefix reaches it). */
function blockAt(blocks: readonly Block[], tokens: number): number {
  if (tokens <= 0) return -1;
  const i = blocks.findIndex((b) => b.prefixTokens >= tokens);
  return i < 0 ? blocks.length - 1 : i;
}

export class OpenAiCacheSimulator {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private key(model: string, cacheKey: string | null, prefixHash: string): string {
    return `${model}\u0000${cacheKey ?? ""}\u0000${prefixHash}`;
  }

  /** Whether the entry for this prefix existed and has expired (for explaining a miss). */
  isExpired(o: { model: string; cacheKey: string | null; prefixHash: string }): boolean {
    const e = this.entries.get(this.key(o.model, o.cacheKey, o.prefixHash));
    return e !== undefined && e.expiresAt <= this.now();
  }

  process(o: {
    model: string;
    cacheKey: string | null;
    blocks: readonly Block[];
    retention?: Retention;
    billsWrites: boolean;
  }): OpenAiCacheResult {
    const now = this.now();
    const { blocks } = o;
    const total = blocks.length === 0 ? 0 : blocks[blocks.length - 1]!.prefixTokens;
    const alive = (b: Block) => {
      const e = this.entries.get(this.key(o.model, o.cacheKey, b.prefixHash));
      return e !== undefined && e.expiresAt > now ? e : undefined;
    };
    // The longest shared prefix still cached: an earlier prompt left an entry at each of its cached blocks.
    let shared = -1;
    for (let i = blocks.length - 1; i >= 0 && shared < 0; i--) if (alive(blocks[i]!)) shared = i;
    const read = shared >= 0 ? alive(blocks[shared]!)!.tokens : 0;
    const cached = cacheableTokens(total);
    const ttlMs = OPENAI_TTL_MS[o.retention ?? "in_memory"];
    // Every block that starts inside the cached part is a prefix a later request can read, up to `cached`.
    for (const b of blocks) {
      const tokens = cacheableTokens(Math.min(b.prefixTokens, cached));
      if (tokens === 0 || b.prefixTokens - b.tokens >= cached) continue;
      const e = alive(b);
      const keep = Math.max(e?.ttlMs ?? 0, ttlMs);
      this.entries.set(this.key(o.model, o.cacheKey, b.prefixHash), {
        expiresAt: now + keep,
        ttlMs: keep,
        tokens: Math.max(e?.tokens ?? 0, tokens),
      });
    }
    const write = o.billsWrites ? cached - read : 0;
    return {
      usage: { input: total - read - write, cacheRead: read, cacheWrite: write },
      promptTokens: total,
      readThrough: blockAt(blocks, read),
      cachedTokens: cached,
      cachedThrough: blockAt(blocks, cached),
    };
  }
}
