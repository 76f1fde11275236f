/**
 * What changed between two lab runs, per runtime: cost, prompt tokens, hit rate, cache tax and the number
 * of breaks, before → after with the difference, and which breaks appeared or disappeared.
 *
 * Breaks are matched by what broke and where (reason and block), not by request number or turn: the same
 * `git status` break one turn later is the same break, while a break at another block is a new one.
 */
import type { LabBreak, LabReport, RuntimeSummary } from "./report.js";

export interface ComparedFigures {
  costUsd: number | null;
  promptTokens: number;
  hitRate: number | null;
  cacheTaxUsd: number | null;
  breaks: number;
}

export type BreakRef = Pick<LabBreak, "n" | "turn" | "reason" | "causeText" | "block">;

export interface RuntimeComparison {
  runtime: string;
  /** null when the runtime was not in that run. */
  before: ComparedFigures | null;
  after: ComparedFigures | null;
  /** after − before; null where either side is missing or unknown. */
  delta: { [K in keyof ComparedFigures]: number | null };
  appeared: BreakRef[];
  disappeared: BreakRef[];
}

export interface RunComparison {
  before: LabReport["run"];
  after: LabReport["run"];
  /** What differs in how the two runs were made (scenario, model, delivery, configuration). */
  differences: string[];
  runtimes: RuntimeComparison[];
}

function figures(s: RuntimeSummary): ComparedFigures {
  return { costUsd: s.costUsd, promptTokens: s.promptTokens, hitRate: s.hitRate, cacheTaxUsd: s.cacheTaxUsd, breaks: s.breaks.length };
}

function ref(b: LabBreak): BreakRef {
  return { n: b.n, turn: b.turn, reason: b.reason, causeText: b.causeText, ...(b.block ? { block: b.block } : {}) };
}

/** Breaks of `a` with no counterpart in `b`, each counterpart used once. */
function unmatched(a: readonly LabBreak[], b: readonly LabBreak[]): BreakRef[] {
  const key = (x: LabBreak) => `${x.reason}@${x.block ?? ""}`;
  const left = b.map(key);
  return a
    .filter((x) => {
      const i = left.indexOf(key(x));
      if (i < 0) return true;
      left.splice(i, 1);
      return false;
    })
    .map(ref);
}

function difference(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined ? null : b - a;
}

export function compareReports(before: LabReport, after: LabReport): RunComparison {
  const names = [...new Set([...before.runtimes, ...after.runtimes].map((r) => r.runtime))];
  const runtimes = names.map((runtime): RuntimeComparison => {
    const a = before.runtimes.find((r) => r.runtime === runtime);
    const b = after.runtimes.find((r) => r.runtime === runtime);
    const fa = a ? figures(a) : null;
    const fb = b ? figures(b) : null;
    return {
      runtime,
      before: fa,
      after: fb,
      delta: {
        costUsd: difference(fa?.costUsd, fb?.costUsd),
        promptTokens: difference(fa?.promptTokens, fb?.promptTokens),
        hitRate: difference(fa?.hitRate, fb?.hitRate),
        cacheTaxUsd: difference(fa?.cacheTaxUsd, fb?.cacheTaxUsd),
        breaks: difference(fa?.breaks, fb?.breaks),
      },
      appeared: unmatched(b?.breaks ?? [], a?.breaks ?? []),
      disappeared: unmatched(a?.breaks ?? [], b?.breaks ?? []),
    };
  });
  return { before: before.run, after: after.run, differences: runDifferences(before.run, after.run), runtimes };
}

function runDifferences(a: LabReport["run"], b: LabReport["run"]): string[] {
  const out: string[] = [];
  const field = (name: string, x: string, y: string) => x !== y && out.push(`${name}: ${x} → ${y}`);
  field("scenario", a.scenario, b.scenario);
  field("delivery", a.delivery, b.delivery);
  field("model", a.model, b.model);
  field("priced as", a.priceModel, b.priceModel);
  field("home", a.clean ? "clean" : "your configuration", b.clean ? "clean" : "your configuration");
  return out;
}
