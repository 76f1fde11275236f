/** `quartet lab compare A B`: what changed between two lab runs, per runtime, and which breaks came or went. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { fmtPercent, fmtTokens, fmtUsd, renderJson, renderTable } from "../core/output.js";
import { quartetPaths } from "../core/paths.js";
import { compareReports, type BreakRef, type ComparedFigures, type RuntimeComparison } from "../lab/compare.js";
import { reportOf } from "../lab/report.js";
import { loadRun } from "../lab/runs.js";
import { withExamples } from "./examples.js";
import { userPricing } from "../core/pricing.js";
import { PRICING_FLAG, PRICING_HELP } from "./pricing-flag.js";

export function registerLabCompare(lab: Command): void {
  withExamples(
    lab
      .command("compare")
      .description("show what changed between two lab runs: cost, prompt, hit rate, cache tax and breaks per runtime")
      .argument("<before>", "a run id, the start of one, or `last` (quartet lab runs lists them)")
      .argument("<after>", "the run to compare it with")
      .option(PRICING_FLAG, PRICING_HELP)
      .option("--json", "print JSON")
      .action((a: string, b: string, flags: CompareFlags) => labCompareCommand(a, b, flags)),
    [
      "quartet lab compare 20261130-0959 last           # the latest run against an earlier one",
      "quartet lab compare 20261130-0959 20261130-1000 --json",
    ],
  );
}

interface CompareFlags {
  json?: boolean;
  pricing?: string;
}

export async function labCompareCommand(a: string, b: string, flags: CompareFlags): Promise<void> {
  const paths = quartetPaths();
  const before = loadRun(paths.dataDir, a);
  const after = loadRun(paths.dataDir, b);
  if (before.id === after.id) throw new UsageError(`"${a}" and "${b}" are the same run (${before.id}); give two different runs`);
  const pricing = await userPricing(flags.pricing);
  const comparison = compareReports(reportOf(before, pricing), reportOf(after, pricing));
  if (flags.json) return void process.stdout.write(renderJson(comparison));
  const out = [`quartet lab compare · ${comparison.before.id} → ${comparison.after.id}`];
  if (comparison.differences.length > 0) out.push(`The runs differ in ${comparison.differences.join(", ")}.`);
  const cell =
    <K extends keyof ComparedFigures>(key: K, fmt: (v: ComparedFigures[K]) => string, fmtDelta: (d: number) => string) =>
    (r: RuntimeComparison) => {
      const d = r.delta[key];
      return `${r.before ? fmt(r.before[key]) : "–"} → ${r.after ? fmt(r.after[key]) : "–"}${d === null || d === 0 ? "" : ` (${fmtDelta(d)})`}`;
    };
  out.push(
    await renderTable(comparison.runtimes, [
      { header: "Runtime", value: (r) => r.runtime },
      { header: "Cost", value: cell("costUsd", fmtUsd, (d) => signed(d, fmtUsd)), align: "right" },
      { header: "Prompt", value: cell("promptTokens", fmtTokens, (d) => signed(d, fmtTokens)), align: "right", hideOrder: 2 },
      {
        header: "Hit rate",
        value: cell("hitRate", fmtPercent, (d) => signed(d * 100, (v) => `${v.toFixed(1)} pts`)),
        align: "right",
        hideOrder: 0.5,
      },
      { header: "Cache tax", value: cell("cacheTaxUsd", fmtUsd, (d) => signed(d, fmtUsd)), align: "right" },
      { header: "Breaks", value: cell("breaks", String, (d) => signed(d, String)), align: "right", hideOrder: 1 },
    ]),
  );
  const listed = (title: string, pick: (r: RuntimeComparison) => BreakRef[]) => {
    const items = comparison.runtimes.flatMap((r) => pick(r).map((x) => `  ${r.runtime} ${breakLine(x)}`));
    out.push("", `${title}:`, ...(items.length > 0 ? items : ["  none"]));
  };
  listed(`Breaks in ${comparison.after.id} but not in ${comparison.before.id} (appeared)`, (r) => r.appeared);
  listed(`Breaks in ${comparison.before.id} but not in ${comparison.after.id} (disappeared)`, (r) => r.disappeared);
  process.stdout.write(out.join("\n") + "\n");
}

function signed(d: number, fmt: (v: number) => string): string {
  return `${d > 0 ? "+" : "−"}${fmt(Math.abs(d))}`;
}

function breakLine(b: BreakRef): string {
  return `request #${b.n}${b.turn !== null ? ` (turn ${b.turn + 1})` : ""}: ${b.block ?? "–"}: ${b.causeText}`;
}
