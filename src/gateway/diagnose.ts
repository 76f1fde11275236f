/**
 * The break diagnosis of real traffic: for each Messages API request the gateway passed through, which
 * conversation it continues (prefix/tracker.ts, the lab's engine), whether its real cache read fell short of
 * what the previous request of that conversation cached, and if so at which block, why, and at what price.
 *
 * Real token counts decide whether there was a break: the previous request cached its cache read plus its
 * cache write (the prompt through its last marker); this one should read that much, or its whole prompt
 * if shorter. The blocks' estimated counts only place the break. Alongside, a CacheSimulator fed the same
 * blocks at the same times predicts the usage the documented rules give; where the real cache behaves
 * otherwise, the disagreement is listed. The shortfall is priced like the ledger's cache tax
 * (ledger/cache-analytics.ts taxOf, at the request's rates).
 */
import type { Pricing } from "../core/pricing.js";
import { costOf, taxRatesOf } from "../ledger/derive.js";
import { taxOf } from "../ledger/cache-analytics.js";
import {
  blocksFromFingerprints,
  canonicalBlocks,
  fingerprintOf,
  promptTokens,
  settingsHash,
  type Block,
  type BlockFingerprint,
  type CacheableRequest,
} from "../prefix/blocks.js";
import { CAUSE_TEXT, type Cause } from "../prefix/classify.js";
import { cacheFacts } from "../prefix/models.js";
import { CacheSimulator, type SimulatedUsage } from "../prefix/simulator.js";
import { ConversationTracker, expiredByGap, judgeRead, markedPrefixTokens, sessionOf, type ConversationHead } from "../prefix/tracker.js";
import type { Exchange, WireUsage } from "./exchange.js";

/** Usage in the ledger's terms. */
export interface Usage {
  input: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  output: number;
}

export interface GatewayBreak {
  /** The first block whose prefix differs from the previous request's, when one does. */
  block: string | null;
  cause: Cause;
  causeText: string;
  detail: string | null;
  /** Every block sent in both requests whose content changed, the first one included (at most 8), as the lab reports them. */
  changed: string[];
  /** A short before/after excerpt of the changed text; null with `noText`. */
  excerpt: string | null;
  /** Real tokens the request should have read from the cache and did not. */
  lostTokens: number;
  /** What the shortfall cost above the cache-read price; null when the model has no price. */
  costUsd: number | null;
}

/** What the gateway concludes about one request. */
export interface Diagnosis {
  session: string | null;
  kind: "main" | "auxiliary";
  /** Unique across gateway runs: `<run>-c<n>`; null for an auxiliary request. */
  conversation: string | null;
  model: string;
  usage: Usage;
  /** What the documented rules predict for the same blocks at the same time; null when the request was one they reject. */
  predicted: SimulatedUsage | null;
  /** Where the real cache behaved unlike the prediction, in words; null when they agree. */
  disagreement: string | null;
  costUsd: number | null;
  /** What the request should have read (real tokens), when it continues a conversation. */
  expectedRead: number | null;
  break: GatewayBreak | null;
  /** With `--diagnose`: the API's own `cache_miss_reason.type`. */
  apiReason: string | null;
  blocks: BlockFingerprint[];
  /** For the store: how the conversation continues after this request (null for an auxiliary one). */
  head: StoredHead | null;
}

/** A conversation's head as stored, enough to rebuild it after a restart. */
export interface StoredHead {
  conversation: string;
  session: string | null;
  model: string;
  settings: string;
  at: number;
  cachedThrough: number;
  markedTokens: number;
  blocks: BlockFingerprint[];
}

/**
 * How long an idle conversation is followed: past an hour every cache entry has expired (the longest TTL),
 * and a restarted gateway restores that much from its store.
 */
export const FOLLOW_WINDOW_MS = 60 * 60 * 1000;
/** How often idle conversations are dropped (a scan of the followed ones). */
const FORGET_EVERY_MS = 60 * 1000;

/** A read share this far from the predicted one is a disagreement (the estimates are not exact). */
const SHARE_TOLERANCE = 0.1;

export function usageOf(wire: WireUsage): Usage {
  const write = wire.cache_creation_input_tokens ?? 0;
  const w1h = wire.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  return {
    input: wire.input_tokens ?? 0,
    cacheRead: wire.cache_read_input_tokens ?? 0,
    cacheWrite5m: wire.cache_creation ? (wire.cache_creation.ephemeral_5m_input_tokens ?? write - w1h) : write,
    cacheWrite1h: w1h,
    output: wire.output_tokens ?? 0,
  };
}

function prompt(u: Omit<Usage, "output">): number {
  return u.input + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h;
}

/** Whether an exchange is a Messages API request with a final usage to diagnose. */
export function isDiagnosable(e: Exchange): boolean {
  const body = e.request as { messages?: unknown } | null;
  const path = e.path.split("?")[0]!;
  return e.method === "POST" && path === "/v1/messages" && e.usage !== null && !!body && Array.isArray(body.messages);
}

/** The API's own reason from a `diagnostics` object, when it gave one. */
export function apiReasonOf(diagnostics: unknown): string | null {
  const type = (diagnostics as { cache_miss_reason?: { type?: unknown } } | null | undefined)?.cache_miss_reason?.type;
  return typeof type === "string" ? type : null;
}

/**
 * Tokens through the last marker, in real tokens: the real cache read plus write when something was cached;
 * when nothing was (a prefix below the minimum), the real prompt scaled by the marked share of the estimate,
 * so the next request still expects what the marker asked for (and the lab's below-minimum breaks show).
 */
function realMarkedTokens(blocks: readonly Block[], u: Usage): number {
  const cached = u.cacheRead + u.cacheWrite5m + u.cacheWrite1h;
  if (cached > 0) return cached;
  const marked = markedPrefixTokens(blocks);
  const estimated = promptTokens(blocks);
  return marked === 0 || estimated === 0 ? 0 : Math.round((prompt(u) * marked) / estimated);
}

function lastMarkerIndex(blocks: readonly Block[]): number {
  for (let i = blocks.length - 1; i >= 0; i--) if (blocks[i]!.marker !== null) return i;
  return -1;
}

/** Compares the real read share of the prompt with the predicted one. */
function disagreementOf(real: Usage, predicted: SimulatedUsage): string | null {
  const realPrompt = prompt(real);
  const predictedPrompt = prompt({ ...predicted });
  if (realPrompt === 0 || predictedPrompt === 0) return null;
  const realShare = real.cacheRead / realPrompt;
  const predictedShare = predicted.cacheRead / predictedPrompt;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  if (predicted.cacheRead > 0 && real.cacheRead === 0) return `the rules predict a cache read of ${pct(predictedShare)}; nothing was read`;
  if (predicted.cacheRead === 0 && real.cacheRead > 0) return `the rules predict no cache read; ${pct(realShare)} was read`;
  if (Math.abs(realShare - predictedShare) > SHARE_TOLERANCE)
    return `cache read ${pct(realShare)} of the prompt, the rules predict ${pct(predictedShare)}`;
  return null;
}

export class Diagnoser {
  private readonly tracker = new ConversationTracker();
  private readonly names = new Map<number, string>();
  private now = 0;
  private forgotAt = 0;
  private readonly simulator = new CacheSimulator(() => this.now);

  constructor(private readonly options: { pricing: Pricing; noText?: boolean }) {}

  /** Continues conversations a previous gateway run followed; replays them into the simulator too. */
  restore(heads: readonly StoredHead[]): void {
    const sorted = [...heads].sort((a, b) => a.at - b.at);
    this.tracker.restore(
      sorted.map((h, i): ConversationHead => {
        const id = i + 1;
        this.names.set(id, h.conversation);
        const blocks = blocksFromFingerprints(h.blocks);
        this.now = h.at;
        this.simulator.process(h.model, blocks);
        return {
          id,
          session: h.session,
          model: h.model,
          blocks,
          settings: h.settings,
          at: h.at,
          cachedThrough: h.cachedThrough,
          markedTokens: h.markedTokens,
        };
      }),
    );
  }

  /** How many conversations are followed and how many simulated cache entries are kept (for memory checks). */
  get size(): { conversations: number; cacheEntries: number } {
    return { conversations: this.tracker.conversations.length, cacheEntries: this.simulator.size };
  }

  /** The diagnosis of one exchange, or null when it is no Messages API request with usage. */
  diagnose(e: Exchange): Diagnosis | null {
    if (!isDiagnosable(e)) return null;
    this.forget(e.at);
    const body = e.request as CacheableRequest;
    const model = e.model ?? (typeof body.model === "string" ? body.model : "unknown");
    const blocks = canonicalBlocks(body);
    const session = sessionOf(e.headers, body);
    const usage = usageOf(e.usage!);
    const settings = settingsHash(body);
    const placement = this.tracker.place({ session, model, blocks });
    this.now = e.at;
    const simulated = this.simulator.process(model, blocks);
    const predicted = simulated.ok ? simulated.usage : null;
    const cost = costOf(this.options.pricing, { model, ts: e.at, speed: null, ...usage });
    let expectedRead: number | null = null;
    let found: GatewayBreak | null = null;
    const prev = placement.previous;
    if (prev) {
      const judged = judgeRead({
        previous: prev,
        current: { model, blocks, settings, promptTokens: prompt(usage), cacheRead: usage.cacheRead },
        expiredTtl: expiredByGap(prev, e.at),
        minCacheableTokens: cacheFacts(model).minCacheableTokens,
      });
      expectedRead = judged.expectedRead;
      const b = judged.break;
      if (b) {
        const request = { model, ts: e.at, speed: null, ...usage };
        const rates = taxRatesOf(this.options.pricing, request);
        found = {
          block: b.block ?? null,
          cause: b.cause,
          causeText: CAUSE_TEXT[b.cause],
          detail: b.detail ?? null,
          changed: b.changed ?? [],
          excerpt: this.options.noText ? null : (b.excerpt ?? null),
          lostTokens: b.lostTokens,
          costUsd: taxOf({ ...request, marks: 0 }, b.lostTokens, rates),
        };
      }
    }
    let head: StoredHead | null = null;
    if (placement.kind === "main" && placement.conversation !== null) {
      const state = {
        session,
        model,
        blocks,
        settings,
        at: e.at,
        cachedThrough: prompt(usage) - usage.input > 0 ? lastMarkerIndex(blocks) : -1,
        markedTokens: realMarkedTokens(blocks, usage),
      };
      this.tracker.advance(placement, state);
      const conversation = this.nameOf(placement.conversation, e.id);
      head = { ...state, conversation, blocks: blocks.map(fingerprintOf) };
    }
    return {
      session,
      kind: placement.kind,
      conversation: head?.conversation ?? null,
      model,
      usage,
      predicted,
      disagreement: predicted ? disagreementOf(usage, predicted) : null,
      costUsd: cost,
      expectedRead,
      break: found,
      apiReason: apiReasonOf(e.diagnostics),
      blocks: head?.blocks ?? blocks.map(fingerprintOf),
      head,
    };
  }

  /** Memory stays flat however long the gateway runs: idle conversations and dead cache entries go. */
  private forget(now: number): void {
    const before = now - FOLLOW_WINDOW_MS;
    if (before - this.forgotAt < FORGET_EVERY_MS) return;
    this.forgotAt = before;
    this.tracker.forget(before);
    // The gateway judges expiry from the time gap, so an expired entry is of no further use.
    this.simulator.prune(now);
    const live = new Set(this.tracker.conversations.map((c) => c.id));
    for (const id of this.names.keys()) if (!live.has(id)) this.names.delete(id);
  }

  private nameOf(id: number, exchangeId: string): string {
    let name = this.names.get(id);
    if (!name) {
      // The gateway run's part of the exchange id (`gw_<start>`) keeps names unique across runs.
      name = `${exchangeId.replace(/_[0-9a-z]+$/, "")}-c${id}`;
      this.names.set(id, name);
    }
    return name;
  }
}
