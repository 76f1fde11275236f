/**
 * What a lab run found, per runtime: requests (main and auxiliary), prompt tokens, simulated cache reads,
 * writes and uncached input, hit rate, cost at list price and its ratio to the cheapest runtime, and every
 * cache break with the block where the prompt first changed, its cause and a diff excerpt.
 */
import { requestCost, type Pricing } from "../core/pricing.js";
import { CAUSE_TEXT, type Cause } from "../prefix/classify.js";
import type { RuntimeId } from "../runtimes/types.js";
import type { LabRequest } from "./model-session.js";
import type { LabRun, RuntimeRun } from "./runs.js";

export interface LabBreak {
  n: number;
  turn: number | null;
  cause: Cause;
  causeText: string;
  block?: string;
  detail?: string;
  excerpt?: string;
  changed?: string[];
  lostTokens: number;
}

export interface RuntimeSummary {
  runtime: RuntimeId;
  completed: boolean;
  failure?: RuntimeRun["failure"];
  binary?: RuntimeRun["binary"];
  configuration: string[];
  mainRequests: number;
  auxiliaryRequests: number;
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
  breaks: LabBreak[];
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
  runtimes: RuntimeSummary[];
}

export function summarize(run: LabRun, requests: ReadonlyMap<RuntimeId, readonly LabRequest[]>, pricing: Pricing): LabReport {
  const priceModel = run.priceAs ?? run.model;
  const runtimes = run.runtimes.map((rt) =>
    summarizeRuntime(rt, requests.get(rt.runtime) ?? [], pricing, priceModel, run.priceAs !== null),
  );
  const best = Math.min(...runtimes.filter((r) => r.completed && r.costUsd !== null).map((r) => r.costUsd!));
  for (const r of runtimes) r.costRatio = r.completed && r.costUsd !== null && Number.isFinite(best) && best > 0 ? r.costUsd / best : null;
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
    runtimes,
  };
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
    const model = r.kind === "main" && priceAs ? priceModel : r.model;
    const row = pricing.lookup(model, r.at);
    cost = row ? cost + requestCost(row, r.usage) : null;
  }
  const prompt = read + write5m + write1h + input;
  return {
    runtime: rt.runtime,
    completed: rt.completed,
    ...(rt.failure ? { failure: rt.failure } : {}),
    ...(rt.binary ? { binary: rt.binary } : {}),
    configuration: rt.configuration,
    mainRequests: main.length,
    auxiliaryRequests: requests.filter((r) => r.kind === "auxiliary").length,
    rejectedRequests: requests.filter((r) => r.status !== 200).length,
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
    breaks: requests
      .filter((r) => r.break)
      .map((r) => ({
        n: r.n,
        turn: r.turn,
        cause: r.break!.cause,
        causeText: CAUSE_TEXT[r.break!.cause],
        lostTokens: r.break!.lostTokens,
        ...(r.break!.block ? { block: r.break!.block } : {}),
        ...(r.break!.detail ? { detail: r.break!.detail } : {}),
        ...(r.break!.excerpt ? { excerpt: r.break!.excerpt } : {}),
        ...(r.break!.changed ? { changed: r.break!.changed } : {}),
      })),
  };
}
