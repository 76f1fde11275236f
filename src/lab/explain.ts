/**
 * One plain sentence per runtime on what drives its cost against the cheapest runtime, from the figures.
 *
 * Without output tokens, a runtime's cost is (requests) × (prompt tokens per request) × (price per prompt
 * token), and the last factor falls as more of the prompt is read from cache. So the ratio of two runtimes'
 * costs is the product of three ratios, and the sentence names the ones that differ by 10% or more, the
 * largest first, with the breaks that lowered the hit rate:
 *
 *   "opencode costs 3.62× claude: its prompt is 2.9× larger (41.0k vs 14.0k tokens per request) and it read
 *    85.0% from cache vs 93.0%, with 2 cache breaks vs none ($0.04 of cache tax)"
 */
import { fmtPercent, fmtTokens, fmtUsd, plural } from "../core/output.js";
import type { RuntimeSummary } from "./report.js";

type Figures = Pick<RuntimeSummary, "runtime" | "completed" | "mainRequests" | "promptTokens" | "hitRate" | "costUsd" | "cacheTaxUsd"> & {
  breaks: readonly unknown[];
  /** Requests the simulated API refused: in none of the figures, so the sentence says they are missing. */
  rejectedRequests?: number;
};

/** A difference smaller than this (as a ratio) is not worth a clause. */
const NOTABLE = 1.1;

function breaksText(n: number): string {
  return n === 0 ? "no cache breaks" : n === 1 ? "1 cache break" : `${n} cache breaks`;
}

function taxText(r: Figures): string {
  return r.breaks.length > 0 && r.cacheTaxUsd !== null && r.cacheTaxUsd > 0 ? ` (${fmtUsd(r.cacheTaxUsd)} of cache tax)` : "";
}

/** The figures leave out what the API refused: said after the sentence, so no comparison hides it. */
function rejectedText(r: Figures): string {
  const n = r.rejectedRequests ?? 0;
  return n === 0
    ? ""
    : ` ${plural(n, "request")} ${n === 1 ? "was" : "were"} rejected by the API and ${n === 1 ? "is" : "are"} not counted.`;
}

function perRequest(r: Figures): number {
  return r.mainRequests > 0 ? r.promptTokens / r.mainRequests : 0;
}

/** The runtime on its own: what it sent, how much came from cache, and what broke. */
function describe(r: Figures, lead: string): string {
  if (r.mainRequests === 0) return `${r.runtime} made no requests${r.completed ? "" : " (it did not complete)"}.`;
  return `${lead}${fmtTokens(perRequest(r))} prompt tokens per request over ${r.mainRequests} requests, ${fmtPercent(r.hitRate)} read from cache, ${breaksText(r.breaks.length)}${taxText(r)}.`;
}

function compare(r: Figures, best: Figures): string {
  const clauses: { weight: number; text: string }[] = [];
  const size = perRequest(r) / perRequest(best);
  if (size >= NOTABLE || size <= 1 / NOTABLE)
    clauses.push({
      weight: Math.abs(Math.log(size)),
      text: `its prompt is ${size >= 1 ? `${size.toFixed(1)}× larger` : `${(1 / size).toFixed(1)}× smaller`} (${fmtTokens(perRequest(r))} vs ${fmtTokens(perRequest(best))} tokens per request)`,
    });
  const count = r.mainRequests / best.mainRequests;
  if (count >= NOTABLE || count <= 1 / NOTABLE)
    clauses.push({ weight: Math.abs(Math.log(count)), text: `it made ${r.mainRequests} requests vs ${best.mainRequests}` });
  // What the prompt cost per token, relative: the cache's part of the difference.
  const perToken = r.costUsd! / r.promptTokens / (best.costUsd! / best.promptTokens);
  const breaksDiffer = r.breaks.length !== best.breaks.length;
  if (perToken >= NOTABLE || perToken <= 1 / NOTABLE || breaksDiffer) {
    const hit = `it read ${fmtPercent(r.hitRate)} from cache vs ${fmtPercent(best.hitRate)}`;
    const theirs = best.breaks.length === 0 ? "none" : String(best.breaks.length);
    const breaks = breaksDiffer ? `, with ${breaksText(r.breaks.length)} vs ${theirs}${taxText(r)}` : "";
    clauses.push({ weight: Math.abs(Math.log(perToken)), text: hit + breaks });
  }
  const ratio = r.costUsd! / best.costUsd!;
  const head = `${r.runtime} costs ${ratio.toFixed(2)}× ${best.runtime}`;
  if (clauses.length === 0)
    return `${head}: its prompt size, request count and hit rate are within 10% of ${best.runtime}'s; the rest is output.`;
  const texts = clauses.sort((a, b) => b.weight - a.weight).map((c) => c.text);
  return `${head}: ${texts.length === 1 ? texts[0] : `${texts.slice(0, -1).join(", ")} and ${texts.at(-1)}`}.`;
}

/**
 * A sentence per runtime (same order), and the run's summary: the costliest runtime against the cheapest,
 * or the one runtime described on its own.
 */
export function explainCosts(runtimes: readonly Figures[]): { explanations: string[]; summary: string } {
  const priced = runtimes.filter((r) => r.completed && r.costUsd !== null && r.costUsd > 0 && r.mainRequests > 0);
  const best = priced.length > 1 ? priced.reduce((a, b) => (b.costUsd! < a.costUsd! ? b : a)) : undefined;
  const explanations = runtimes.map((r) => {
    if (!best) return describe(r, `${r.runtime}: `);
    if (r === best) return describe(r, `${r.runtime} is the cheapest: `);
    if (!priced.includes(r)) return describe(r, `${r.runtime} (not compared${r.completed ? ", no known price" : ", incomplete"}): `);
    return compare(r, best);
  });
  runtimes.forEach((r, i) => (explanations[i] += rejectedText(r)));
  const worst = best ? priced.reduce((a, b) => (b.costUsd! > a.costUsd! ? b : a)) : undefined;
  const summary = worst && worst !== best ? explanations[runtimes.indexOf(worst)]! : (explanations[0] ?? "No runtime ran.");
  return { explanations, summary };
}
