/**
 * What a lab run found, per runtime: requests (main and auxiliary), prompt tokens, simulated cache reads,
 * writes and uncached input, hit rate, cost at list price and its ratio to the cheapest runtime, cache tax,
 * a sentence on what drives its cost, every cache break with the block where the prompt first changed,
 * what changed there, what it cost and what to do about it, and every request the simulated API refused
 * (more than 4 cache_control markers, …) with the error the real API would have answered.
 */
import { round6 } from "../core/output.js";
import { requestCost, type Pricing } from "../core/pricing.js";
import { requestBlocks } from "../prefix/request-blocks.js";
import { systemSections, type Cause } from "../prefix/classify.js";
import type { PromptSection } from "../prefix/sections.js";
import type { RuntimeId } from "../runtimes/types.js";
import { adviseBreak, type BreakReason } from "./break-advice.js";
import { labCacheTax } from "./cache-tax.js";
import { explainCosts } from "./explain.js";
import type { LabRequest } from "./model-session.js";
import { pricedModel } from "./price-rule.js";
import { loadRequests, type LabRun, type RuntimeRun } from "./runs.js";

export interface LabBreak {
  n: number;
  turn: number | null;
  /** The kind of change at the block level (prefix/classify.ts). */
  cause: Cause;
  /** What changed, precisely: `git-status-changed`, `instructions-changed`, … or the cause itself. */
  reason: BreakReason;
  /** The reason in words, with the classifier's facts (the tool, the TTL). */
  causeText: string;
  /** What to do about it. */
  hint: string;
  block?: string;
  detail?: string;
  /** The named sections of system context that changed (system changes only). */
  sections?: PromptSection[];
  excerpt?: string;
  changed?: string[];
  lostTokens: number;
  /** What this request's shortfall cost above the cache-read price; null when the model has no price. */
  taxUsd: number | null;
}

export interface RuntimeSummary {
  runtime: RuntimeId;
  completed: boolean;
  failure?: RuntimeRun["failure"];
  binary?: RuntimeRun["binary"];
  configuration: string[];
  mainRequests: number;
  auxiliaryRequests: number;
  /** How many requests the simulated API refused; `rejected` lists them. */
  rejectedRequests: number;
  /** Main requests only: the conversation the runtimes are compared on. */
  promptTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  uncachedInputTokens: number;
  outputTokens: number;
  hitRate: number | null;
  /** All requests; main ones priced as `priceModel`. null when a model has no price. */
  costUsd: number | null;
  /** Cost relative to the cheapest runtime that completed. */
  costRatio: number | null;
  /** Main requests; the ledger's cache tax (what `quartet usage` reports as cacheTaxUsd). null when unpriced. */
  cacheTaxUsd: number | null;
  /** What drives this runtime's cost against the cheapest one, in one sentence. */
  explanation: string;
  breaks: LabBreak[];
  /** The requests the simulated API refused, as the real one would: counted in no figure above. */
  rejected: RejectedRequest[];
  /** Every answered request in order of arrival, main and auxiliary: how its prompt met the cache. */
  perRequest: RequestTokens[];
}

/** A request the simulated API answered with an error instead of a message. */
export interface RejectedRequest {
  n: number;
  turn: number | null;
  kind: LabRequest["kind"];
  /** The HTTP status and the error message the API answers with. */
  status: number;
  message: string;
}

/** One request's prompt split the way the simulated cache saw it; the three add up to the prompt. */
export interface RequestTokens {
  n: number;
  kind: LabRequest["kind"];
  cacheReadTokens: number;
  cacheWriteTokens: number;
  uncachedInputTokens: number;
}

export interface LabReport {
  run: {
    id: string;
    dir: string;
    scenario: string;
    delivery: string;
    model: string;
    priceModel: string;
    clean: boolean;
    startedAt: string;
  };
  /** Token counts are estimated (core/tokens.ts), not measured by a tokenizer. */
  estimates: true;
  /** The explanation of the costliest runtime against the cheapest (or of the only one). */
  summary: string;
  runtimes: RuntimeSummary[];
}

export function summarize(run: LabRun, requests: ReadonlyMap<RuntimeId, readonly LabRequest[]>, pricing: Pricing): LabReport {
  const priceModel = run.priceAs ?? run.model;
  const runtimes = run.runtimes.map((rt) =>
    summarizeRuntime(rt, requests.get(rt.runtime) ?? [], pricing, priceModel, run.priceAs !== null),
  );
  const best = Math.min(...runtimes.filter((r) => r.completed && r.costUsd !== null).map((r) => r.costUsd!));
  for (const r of runtimes) r.costRatio = r.completed && r.costUsd !== null && Number.isFinite(best) && best > 0 ? r.costUsd / best : null;
  const { explanations, summary } = explainCosts(runtimes);
  runtimes.forEach((r, i) => (r.explanation = explanations[i]!));
  return {
    run: {
      id: run.id,
      dir: run.dir,
      scenario: run.scenario.name,
      delivery: run.scenario.delivery,
      model: run.model,
      priceModel,
      clean: run.clean,
      startedAt: run.startedAt,
    },
    estimates: true,
    summary,
    runtimes,
  };
}

/** The report of a stored run, from the requests it recorded. */
export function reportOf(run: LabRun, pricing: Pricing): LabReport {
  return summarize(run, new Map(run.runtimes.map((r) => [r.runtime, loadRequests(run, r.runtime)])), pricing);
}

function summarizeRuntime(
  rt: RuntimeRun,
  requests: readonly LabRequest[],
  pricing: Pricing,
  priceModel: string,
  priceAs: boolean,
): RuntimeSummary {
  const main = requests.filter((r) => r.kind === "main" && r.usage);
  const sum = (f: (r: LabRequest) => number) => main.reduce((a, r) => a + f(r), 0);
  const read = sum((r) => r.usage!.cacheRead);
  const write5m = sum((r) => r.usage!.cacheWrite5m);
  const write1h = sum((r) => r.usage!.cacheWrite1h);
  const input = sum((r) => r.usage!.input);
  let cost: number | null = 0;
  for (const r of requests) {
    if (!r.usage || cost === null) continue;
    const model = pricedModel(priceAs ? priceModel : null, r);
    const row = pricing.lookup(model, r.at);
    cost = row ? cost + requestCost(row, r.usage) : null;
  }
  const prompt = read + write5m + write1h + input;
  const rejected = requests
    .filter((r) => r.status !== 200)
    .map((r) => ({ n: r.n, turn: r.turn, kind: r.kind, status: r.status, message: r.error ?? `status ${r.status}` }));
  const tax = labCacheTax({ requests, pricing, priceModel: (model) => pricedModel(priceAs ? priceModel : null, { kind: "main", model }) });
  return {
    runtime: rt.runtime,
    completed: rt.completed,
    ...(rt.failure ? { failure: rt.failure } : {}),
    ...(rt.binary ? { binary: rt.binary } : {}),
    configuration: rt.configuration,
    mainRequests: main.length,
    auxiliaryRequests: requests.filter((r) => r.kind === "auxiliary").length,
    rejectedRequests: rejected.length,
    promptTokens: prompt,
    cacheReadTokens: read,
    cacheWriteTokens: write5m + write1h,
    cacheWrite5mTokens: write5m,
    cacheWrite1hTokens: write1h,
    uncachedInputTokens: input,
    outputTokens: sum((r) => r.usage!.output),
    hitRate: prompt > 0 ? read / prompt : null,
    costUsd: cost,
    costRatio: null,
    cacheTaxUsd: round6(tax.totalUsd),
    explanation: "",
    rejected,
    breaks: requests
      .filter((r) => r.break)
      .map((r) => labBreak(r, { ...r.break!, sections: sectionsOf(r, requests) }, tax.byRequest.get(r.n) ?? null)),
    perRequest: requests.flatMap((r) =>
      r.usage
        ? [
            {
              n: r.n,
              kind: r.kind,
              cacheReadTokens: r.usage.cacheRead,
              cacheWriteTokens: r.usage.cacheWrite5m + r.usage.cacheWrite1h,
              uncachedInputTokens: r.usage.input,
            },
          ]
        : [],
    ),
  };
}

/**
 * The sections a system change touched. Runs recorded before breaks carried them have them found again
 * from the bodies of the request and of the one before it in its conversation.
 */
function sectionsOf(r: LabRequest, requests: readonly LabRequest[]): PromptSection[] | undefined {
  if (r.break?.cause !== "system-changed" || r.break.sections || !r.body) return r.break?.sections;
  const prev = requests.filter((x) => x.kind === "main" && x.usage && x.conversation === r.conversation && x.n < r.n).at(-1);
  if (!prev?.body) return undefined;
  const sections = systemSections(requestBlocks(prev.body), requestBlocks(r.body));
  return sections.length > 0 ? sections : undefined;
}

function labBreak(r: LabRequest, b: NonNullable<LabRequest["break"]>, taxUsd: number | null): LabBreak {
  const advice = adviseBreak(b);
  return {
    n: r.n,
    turn: r.turn,
    cause: b.cause,
    reason: advice.reason,
    causeText: advice.text,
    hint: advice.hint,
    lostTokens: b.lostTokens,
    taxUsd: round6(taxUsd),
    ...(b.block ? { block: b.block } : {}),
    ...(b.detail ? { detail: b.detail } : {}),
    ...(b.sections ? { sections: b.sections } : {}),
    ...(b.excerpt ? { excerpt: b.excerpt } : {}),
    ...(b.changed ? { changed: b.changed } : {}),
  };
}
