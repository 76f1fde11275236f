/**
 * The cache tax of one runtime's lab requests, by the ledger's own rule (ledger/cache-analytics.ts): what
 * each main request's shortfall, against what the request before it in its conversation had cached, cost
 * above the cache-read price. So the lab reports the figure `quartet usage` reports as `cacheTaxUsd` for
 * the same requests read from the runtime's logs.
 *
 * Conversations are the lab's (model-session.ts: the same session, the longest shared prefix), and the
 * analysis runs on the model the runtime asked for, while the rates are those of the model the run is
 * priced as (`--price-as`), as the lab's costs are.
 */
import type { Pricing } from "../core/pricing.js";
import { analyzeConversation, type ChainRequest } from "../ledger/cache-analytics.js";
import { taxRatesOf } from "../ledger/derive.js";
import type { LabRequest } from "./model-session.js";

export interface LabCacheTax {
  /** null when a request's model has no price. */
  totalUsd: number | null;
  /** Each main request's tax, by request number. */
  byRequest: Map<number, number | null>;
}

export function labCacheTax(o: { requests: readonly LabRequest[]; pricing: Pricing; priceModel: (model: string) => string }): LabCacheTax {
  const conversations = new Map<number, (ChainRequest & { n: number })[]>();
  for (const r of o.requests) {
    if (r.kind !== "main" || !r.usage || r.conversation === null) continue;
    const chain = conversations.get(r.conversation) ?? [];
    const { input, cacheRead, cacheWrite5m, cacheWrite1h } = r.usage;
    chain.push({ n: r.n, ts: r.at, model: r.model, input, cacheRead, cacheWrite5m, cacheWrite1h, marks: 0 });
    conversations.set(r.conversation, chain);
  }
  const byRequest = new Map<number, number | null>();
  let totalUsd: number | null = 0;
  for (const chain of conversations.values()) {
    chain.sort((a, b) => a.ts - b.ts || a.n - b.n);
    const results = analyzeConversation(chain, (c) =>
      taxRatesOf(o.pricing, { ...c, model: o.priceModel(c.model), speed: null, output: 0 }),
    );
    chain.forEach((c, i) => {
      const tax = results[i]!.taxUsd;
      byRequest.set(c.n, tax);
      totalUsd = totalUsd === null || tax === null ? null : totalUsd + tax;
    });
  }
  return { totalUsd, byRequest };
}
