/**
 * Prices per model and the cost of one request.
 *
 * Prices are list prices in USD per million tokens, stored per model with an effective date and a source
 * (price-table.ts), never derived from multipliers: newer models break the "read = 0.1 × input" rule.
 * A user override file (same row shape) takes precedence over the built-in table.
 *
 * Long-context tiers price the WHOLE request at the tier's rates once its prompt (uncached input + cache
 * writes + cache reads) exceeds the threshold; that is how Anthropic bills Sonnet 4/4.5 above 200k and
 * OpenAI bills gpt-5.4/5.5 above 272k. Pricing only the excess tokens (as LiteLLM-based tools do)
 * under-reports those requests.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { pricingOverrideFile } from "./paths.js";
import { PRICE_TABLE } from "./price-table.js";

/** USD per million tokens of each kind. */
export interface Rates {
  input: number;
  output: number;
  /** null: the provider does not bill cache writes separately; writes are billed as input. */
  cacheWrite5m: number | null;
  cacheWrite1h: number | null;
  /** null: no discounted read price is published; reads are billed as input. */
  cacheRead: number | null;
}

export interface PriceTier extends Rates {
  /** The tier applies when the prompt has MORE than this many tokens. */
  above: number;
}

/** One model's price for one period; the shape of the built-in table and of the override file. */
export interface PriceRow extends Rates {
  model: string;
  aliases?: string[];
  provider: string;
  /**
   * First day (UTC, inclusive) this price applies: the model's release when it never changed.
   * A model with several rows is priced by the latest row whose `from` is on or before the request's day.
   */
  from: string;
  tiers?: PriceTier[];
  /** Multiplier for `speed: "fast"` requests. */
  fastMultiplier?: number;
  source: string;
  note?: string;
}

export interface Pricing {
  /** Finds the price of a model at a time (epoch ms); undefined when the model is unknown. */
  lookup(model: string, ts: number): PriceRow | undefined;
  /** Changes whenever the table or the override file changes, so stored costs can be refreshed. */
  fingerprint: string;
  rows: readonly PriceRow[];
  overrideFile?: string;
}

/** The rates that apply to one request, after the long-context tier is chosen. */
export function ratesFor(row: PriceRow, promptTokens: number): Rates {
  let rates: Rates = row;
  for (const tier of row.tiers ?? []) if (promptTokens > tier.above) rates = tier;
  return rates;
}

export interface BillableTokens {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

export function promptTokens(t: BillableTokens): number {
  return t.input + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead;
}

/** Effective per-token prices (USD per million) for each kind of prompt token, with fallbacks applied. */
export function effectiveRates(rates: Rates, multiplier = 1) {
  const write5m = rates.cacheWrite5m ?? rates.input;
  return {
    input: rates.input * multiplier,
    output: rates.output * multiplier,
    cacheWrite5m: write5m * multiplier,
    cacheWrite1h: (rates.cacheWrite1h ?? write5m) * multiplier,
    cacheRead: (rates.cacheRead ?? rates.input) * multiplier,
  };
}

export function speedMultiplier(row: PriceRow, speed: string | null | undefined): number {
  return speed === "fast" ? (row.fastMultiplier ?? 1) : 1;
}

/** USD cost of one request. */
export function requestCost(row: PriceRow, t: BillableTokens, speed?: string | null): number {
  const r = effectiveRates(ratesFor(row, promptTokens(t)), speedMultiplier(row, speed));
  return (
    (t.input * r.input +
      t.output * r.output +
      t.cacheWrite5m * r.cacheWrite5m +
      t.cacheWrite1h * r.cacheWrite1h +
      t.cacheRead * r.cacheRead) /
    1e6
  );
}

/**
 * Candidate table keys for a model id as runtimes log it: `claude-sonnet-4-5-20250929`,
 * `anthropic/claude-sonnet-4.5`, `us.anthropic.claude-opus-4-1-20250805-v1:0`, `claude-opus-4-8[1m]`,
 * `claude-sonnet-4-5@20250929`.
 */
export function modelKeys(raw: string): string[] {
  let id = raw.trim().toLowerCase();
  id = id.replace(/\[[^\]]*\]$/, "");
  if (id.includes("/")) id = id.slice(id.lastIndexOf("/") + 1);
  id = id.replace(/^(?:[a-z]{2,4}\.)?anthropic\./, "").replace(/-v\d+(?::\d+)?$/, "");
  id = id.replace(/@.*$/, "");
  const keys = new Set<string>([id]);
  const undated = id.replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2})$/, "");
  keys.add(undated);
  for (const k of [...keys]) if (k.startsWith("claude")) keys.add(k.replace(/(\d)\.(\d)/g, "$1-$2"));
  return [...keys];
}

const fromCache = new WeakMap<PriceRow, number>();
function fromMs(row: PriceRow): number {
  let ms = fromCache.get(row);
  if (ms === undefined) {
    ms = Date.parse(`${row.from}T00:00:00Z`);
    fromCache.set(row, ms);
  }
  return ms;
}

export function buildPricing(
  builtIn: readonly PriceRow[],
  overrides: readonly PriceRow[] = [],
  extra: { overrideFile?: string } = {},
): Pricing {
  const byKey = new Map<string, PriceRow[]>();
  const add = (rows: readonly PriceRow[], replace: boolean) => {
    const replaced = new Set<string>();
    for (const row of rows) {
      for (const name of [row.model, ...(row.aliases ?? [])]) {
        const key = name.toLowerCase();
        // An override replaces every built-in period of the model it names.
        if (replace && !replaced.has(key)) {
          byKey.delete(key);
          replaced.add(key);
        }
        const list = byKey.get(key) ?? [];
        list.push(row);
        // ISO dates sort as plain strings; localeCompare would load the collation data (about 8 ms) on every start.
        list.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
        byKey.set(key, list);
      }
    }
  };
  add(builtIn, false);
  add(overrides, true);

  const cache = new Map<string, PriceRow[] | null>();
  const periods = (model: string): PriceRow[] | null => {
    let hit = cache.get(model);
    if (hit !== undefined) return hit;
    hit = null;
    for (const key of modelKeys(model)) {
      const found = byKey.get(key);
      if (found) {
        hit = found;
        break;
      }
    }
    cache.set(model, hit);
    return hit;
  };
  const rows = [...builtIn, ...overrides];
  const fingerprint = crypto.createHash("sha256").update(JSON.stringify(rows)).digest("hex").slice(0, 16);
  return {
    rows,
    fingerprint,
    overrideFile: extra.overrideFile,
    lookup(model, ts) {
      const list = periods(model);
      if (!list) return undefined;
      let chosen = list[0]!;
      for (const row of list) if (fromMs(row) <= ts) chosen = row;
      return chosen;
    },
  };
}

/**
 * Loads the built-in table plus the user's override file, if any (its parser is loaded only then).
 * An invalid override file is an InputError naming the file, line and field.
 */
export async function loadPricing(options: { overrideFile?: string; required?: boolean } = {}): Promise<Pricing> {
  const file = options.overrideFile;
  if (!file || (!options.required && !fs.existsSync(file))) return buildPricing(PRICE_TABLE);
  const { readPriceOverride } = await import("./pricing-file.js");
  return buildPricing(PRICE_TABLE, readPriceOverride(file), { overrideFile: file });
}

/**
 * The prices every command uses, found one way for all of them: the built-in table and the override file
 * (`--pricing FILE`, else $QUARTET_PRICING, else pricing.json in quartet's config folder). A file the person
 * named must exist; the default one is read when it does. `overrideFile` is where the override is, or would
 * be: what a "no price for this model" message points at.
 */
export async function userPricing(flag?: string, env: NodeJS.ProcessEnv = process.env): Promise<Pricing & { overrideFile: string }> {
  const { file, named } = pricingOverrideFile(flag, env);
  return { ...(await loadPricing({ overrideFile: file, required: named })), overrideFile: file };
}
