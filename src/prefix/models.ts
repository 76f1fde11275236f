/**
 * Per-model caching facts the simulator needs: the minimum cacheable prompt length.
 *
 * Below the minimum nothing is cached and the API returns no error. Sources disagree for some models;
 * each row names its source, and the value used is the documented one where Anthropic's own pages give it.
 * (Anthropic prompt-caching docs, platform.claude.com/docs/en/build-with-claude/prompt-caching; the disputed
 * rows are listed in shared/reference/usage.md §5.)
 */
import { modelKeys } from "../core/pricing.js";

export interface CacheModelFacts {
  minCacheableTokens: number;
  source: string;
}

const ANTHROPIC_DOCS = "Anthropic prompt-caching docs (minimum cacheable prompt length)";

const TABLE: Record<string, CacheModelFacts> = {
  "claude-opus-4": { minCacheableTokens: 1024, source: ANTHROPIC_DOCS },
  "claude-opus-4-1": { minCacheableTokens: 1024, source: ANTHROPIC_DOCS },
  "claude-sonnet-4": { minCacheableTokens: 1024, source: ANTHROPIC_DOCS },
  "claude-sonnet-4-5": { minCacheableTokens: 1024, source: ANTHROPIC_DOCS },
  "claude-sonnet-4-6": { minCacheableTokens: 2048, source: "OpenRouter docs (anthropic-sdk-python#1194 says 1024)" },
  "claude-opus-4-5": { minCacheableTokens: 4096, source: ANTHROPIC_DOCS },
  "claude-opus-4-6": { minCacheableTokens: 4096, source: ANTHROPIC_DOCS },
  "claude-opus-4-7": { minCacheableTokens: 4096, source: "OpenRouter and LiteLLM-Bedrock docs (a third-party page says 2048)" },
  "claude-opus-4-8": { minCacheableTokens: 1024, source: "Anthropic release note" },
  "claude-sonnet-5": { minCacheableTokens: 1024, source: "Anthropic release note" },
  "claude-opus-5": { minCacheableTokens: 512, source: "Anthropic release note" },
  "claude-haiku-4-5": { minCacheableTokens: 4096, source: ANTHROPIC_DOCS },
  "claude-3-5-haiku": { minCacheableTokens: 2048, source: ANTHROPIC_DOCS },
  "claude-3-7-sonnet": { minCacheableTokens: 1024, source: ANTHROPIC_DOCS },
};

export const DEFAULT_MIN_CACHEABLE_TOKENS = 1024;

export function cacheFacts(model: string): CacheModelFacts {
  for (const key of modelKeys(model)) {
    const found = TABLE[key];
    if (found) return found;
  }
  return { minCacheableTokens: DEFAULT_MIN_CACHEABLE_TOKENS, source: "default for models not in the table" };
}
