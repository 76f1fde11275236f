/**
 * Cache breaks and cache tax, from the logs alone.
 *
 * Within one conversation, request N+1 re-sends request N's prompt as its prefix. So it should read from
 * the cache at least what request N had cached: for explicitly cached models (Claude: the prefix up to the
 * last cache_control marker) that is N's cache read + cache write; for automatically cached models (OpenAI,
 * DeepSeek, …) it is N's whole prompt, in 128-token blocks once it reaches 1,024 tokens.
 *
 *   expected  = min(prompt(N+1), cacheable(N))
 *   shortfall = max(0, expected − cacheRead(N+1))
 *
 * A break is a shortfall of at least max(256 tokens, 2% of expected); smaller ones are rounding.
 * Cache tax is what the shortfall cost above the cache-read price: the shortfall is billed as cache write
 * (5m/1h in the request's proportion) first, then as uncached input,
 *
 *   tax = W5m·(p_write5m − p_read) + W1h·(p_write1h − p_read) + U·(p_input − p_read)
 *
 * at the request's own rates (long-context tier and fast multiplier included).
 *
 * The likely cause of each shortfall, by evidence: a compaction marker; a gap longer than the TTL of the
 * tier that was written (5m, or 1h when the last write was 1h only); a model switch; the first request of a
 * resumed process; otherwise the prefix changed (the lab names the block).
 */
import { Mark } from "../contract/log-records.js";

export const BreakCause = ["model-switch", "compaction", "ttl-expired", "resumed", "prefix-changed"] as const;
export type BreakCause = (typeof BreakCause)[number];

export const CAUSE_LABEL: Record<BreakCause, string> = {
  "model-switch": "model switch",
  compaction: "compaction / summary",
  "ttl-expired": "TTL expired (idle gap)",
  resumed: "resumed process",
  "prefix-changed": "prefix changed",
};

const FIVE_MINUTES = 5 * 60 * 1000;
const ONE_HOUR = 60 * 60 * 1000;
const MIN_BREAK_TOKENS = 256;
const MIN_BREAK_SHARE = 0.02;

export interface ChainRequest {
  ts: number;
  model: string;
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  marks: number;
}

/** Per-token prices (USD per million) that apply to a request, or null when its model has no price. */
export interface TaxRates {
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

export interface ChainResult {
  expectedRead: number;
  shortfall: number;
  isBreak: boolean;
  cause: BreakCause | null;
  /** null when the model has no known price. */
  taxUsd: number | null;
}

export function promptOf(r: ChainRequest): number {
  return r.input + r.cacheWrite5m + r.cacheWrite1h + r.cacheRead;
}

/** Claude models cache only up to explicit markers; the rest of the supported providers cache automatically. */
export function isExplicitCache(model: string): boolean {
  return model.toLowerCase().includes("claude");
}

export function cacheableAfter(r: ChainRequest): number {
  if (isExplicitCache(r.model)) return r.cacheRead + r.cacheWrite5m + r.cacheWrite1h;
  const prompt = promptOf(r);
  return prompt >= 1024 ? Math.floor(prompt / 128) * 128 : 0;
}

export function taxOf(r: ChainRequest, shortfall: number, rates: TaxRates | null): number | null {
  if (shortfall <= 0) return 0;
  if (!rates) return null;
  const writes = r.cacheWrite5m + r.cacheWrite1h;
  const w = Math.min(shortfall, writes);
  const w1h = writes > 0 ? (w * r.cacheWrite1h) / writes : 0;
  const w5m = w - w1h;
  const u = Math.min(shortfall - w, r.input);
  const tax =
    w5m * (rates.cacheWrite5m - rates.cacheRead) + w1h * (rates.cacheWrite1h - rates.cacheRead) + u * (rates.input - rates.cacheRead);
  return Math.max(0, tax) / 1e6;
}

interface ModelState {
  last: ChainRequest;
  /** TTL of the entries the model's most recent write created. */
  ttl: number;
  /** Marks seen on any request since this model's last request. */
  marksSince: number;
}

/**
 * Analyzes one conversation's requests, in time order.
 * `ratesOf` gives each request's prices; a request on an unknown model gets a null tax.
 */
export function analyzeConversation(requests: readonly ChainRequest[], ratesOf: (r: ChainRequest) => TaxRates | null): ChainResult[] {
  const results: ChainResult[] = [];
  const byModel = new Map<string, ModelState>();
  let prev: ChainRequest | undefined;
  for (const r of requests) {
    for (const s of byModel.values()) s.marksSince |= r.marks;
    let result: ChainResult = { expectedRead: 0, shortfall: 0, isBreak: false, cause: null, taxUsd: 0 };
    if (prev) {
      let base: ModelState | undefined = byModel.get(r.model);
      let switched = false;
      if (prev.model !== r.model) {
        const sameAlive = base && r.ts - base.last.ts <= base.ttl;
        if (!sameAlive) {
          base = undefined;
          // A request about as large as the previous one carries the conversation over to a new model, whose
          // cache is empty; a much smaller one is an auxiliary call (titles, summaries) with no expectation.
          if (promptOf(r) >= 0.5 * promptOf(prev)) {
            const from = byModel.get(prev.model)!;
            base = { ...from, marksSince: from.marksSince };
            switched = true;
          }
        }
      }
      if (base) result = judge(r, base, switched, ratesOf);
    }
    results.push(result);
    const writesAny = r.cacheWrite5m + r.cacheWrite1h > 0;
    const ttl = writesAny ? (r.cacheWrite5m > 0 ? FIVE_MINUTES : ONE_HOUR) : (byModel.get(r.model)?.ttl ?? FIVE_MINUTES);
    byModel.set(r.model, { last: r, ttl, marksSince: 0 });
    prev = r;
  }
  return results;
}

function judge(r: ChainRequest, base: ModelState, switched: boolean, ratesOf: (r: ChainRequest) => TaxRates | null): ChainResult {
  const expectedRead = Math.min(promptOf(r), cacheableAfter(base.last));
  const shortfall = Math.max(0, expectedRead - r.cacheRead);
  if (shortfall === 0) return { expectedRead, shortfall, isBreak: false, cause: null, taxUsd: 0 };
  const isBreak = shortfall >= Math.max(MIN_BREAK_TOKENS, MIN_BREAK_SHARE * expectedRead);
  const cause = classify(r, base, switched);
  // Prices are looked up only for a shortfall: most requests read all they should, and they are many.
  return { expectedRead, shortfall, isBreak, cause, taxUsd: taxOf(r, shortfall, ratesOf(r)) };
}

function classify(r: ChainRequest, base: ModelState, switched: boolean): BreakCause {
  if (switched) return "model-switch";
  if (base.marksSince & Mark.compaction) return "compaction";
  if (r.ts - base.last.ts > base.ttl) return "ttl-expired";
  if (base.marksSince & Mark.resumed) return "resumed";
  return "prefix-changed";
}
