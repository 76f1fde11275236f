/**
 * How the lab prices a request, in one place for the cost, the cache tax and the simulated OpenAI cache's
 * write/input split: main requests at `--price-as` when given, every other request at its own model, from
 * the lab's pricing (the built-in table and the user's override file) at the request's simulated time.
 */
import type { Pricing } from "../core/pricing.js";

export interface PricedRequest {
  kind: "main" | "auxiliary";
  model: string;
  /** Epoch ms of the request (the lab's simulated clock). */
  at: number;
}

/** The model a request is priced as. */
export function pricedModel(priceAs: string | null, r: { kind: PricedRequest["kind"]; model: string }): string {
  return r.kind === "main" && priceAs !== null ? priceAs : r.model;
}

/** Whether a request's cache writes are billed apart: its price row has a cache-write price. */
export function labBillsWrites(pricing: Pricing, priceAs: string | null): (r: PricedRequest) => boolean {
  return (r) => {
    const row = pricing.lookup(pricedModel(priceAs, r), r.at);
    return row !== undefined && row.cacheWrite5m !== null;
  };
}
