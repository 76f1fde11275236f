/** `quartet lab runs` and `quartet lab prune`: the lab runs kept on disk, and removing old ones. */
import type { Command } from "commander";
import { fmtBytes } from "../core/bytes.js";
import { errorMessage, formatWarning } from "../core/errors.js";
import { colors, fmtUsd, plural, renderJson, renderTable, round6 } from "../core/output.js";
import { quartetPaths } from "../core/paths.js";
import { userPricing, type Pricing } from "../core/pricing.js";
import { planIncomplete, planPrune, parseAge, parseKeep, removeRun, type Removal } from "../lab/prune.js";
import { reportOf } from "../lab/report.js";
import { listIncompleteRuns, listRuns, runInfo, runsDir, type IncompleteRun, type RunInfo } from "../lab/runs.js";
import { withExamples } from "./examples.js";
import { PRICING_FLAG, PRICING_HELP } from "./pricing-flag.js";

export function registerLabRuns(lab: Command): void {
  withExamples(
    lab
      .command("runs")
      .description(
        "list the lab runs kept on disk: when (UTC, as in the run ids), scenario, runtimes, size and total cost; a folder a killed run left without run.json shows as incomplete",
      )
      .option(PRICING_FLAG, PRICING_HELP)
      .option("--json", "print JSON")
      .action((flags: { json?: boolean; pricing?: string }) => labRunsCommand(flags)),
    [
      "quartet lab runs                                 # every run, oldest first",
      "quartet lab runs --json | jq '.runs[-1].id'      # the id of the latest run",
    ],
  );
  withExamples(
    lab
      .command("prune")
      .description(
        "remove old lab runs from disk (never one still running), and folders killed runs left without run.json once unused for 10 minutes; times are UTC",
      )
      .option("--keep <n>", "keep the N newest runs")
      .option("--older-than <age>", "remove only runs started longer ago than this: 90m, 12h, 7d, 2w")
      .option("--dry-run", "list what would be removed, and remove nothing")
      .option("--json", "print JSON")
      .action((flags: PruneFlags) => labPruneCommand(flags)),
    [
      "quartet lab prune --keep 5                       # remove all but the 5 newest runs",
      "quartet lab prune --older-than 7d --dry-run      # list the runs older than a week, remove nothing",
      "quartet lab prune --keep 3 --older-than 2w       # remove runs older than two weeks, but always keep 3",
    ],
  );
}

/** Every readable run; a run whose run.json cannot be read is reported on stderr, not listed (and never pruned). */
function readRuns(dataDir: string): RunInfo[] {
  const infos: RunInfo[] = [];
  for (const id of listRuns(dataDir)) {
    try {
      infos.push(runInfo(dataDir, id));
    } catch (e) {
      process.stderr.write(`${colors.yellow("warning:")} ${formatWarning({ code: "unreadable-run", message: errorMessage(e) })}\n`);
    }
  }
  return infos;
}

function totalCost(info: RunInfo, pricing: Pricing): number | null {
  const costs = reportOf(info.run, pricing).runtimes.map((r) => r.costUsd);
  return costs.some((c) => c === null) ? null : costs.reduce<number>((a, c) => a + c!, 0);
}

/** `2026-11-30 09:55`, in UTC like the stamp that starts a run id, whatever the local time zone. */
function when(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16).replace("T", " ");
}

export async function labRunsCommand(flags: { json?: boolean; pricing?: string }): Promise<void> {
  const paths = quartetPaths();
  const pricing = await userPricing(flags.pricing);
  const rows = readRuns(paths.dataDir).map((info) => ({
    id: info.run.id,
    startedAt: info.run.startedAt,
    finishedAt: info.run.finishedAt ?? null,
    status: info.status,
    scenario: info.run.scenario.name,
    model: info.run.model,
    runtimes: info.run.runtimes.map((r) => r.runtime),
    sizeBytes: info.sizeBytes,
    costUsd: round6(totalCost(info, pricing)),
    dir: info.run.dir,
  }));
  const incomplete = listIncompleteRuns(paths.dataDir);
  if (flags.json) return void process.stdout.write(renderJson({ runs: rows, incomplete }));
  if (rows.length === 0 && incomplete.length === 0)
    return void process.stdout.write(`No lab runs in ${runsDir(paths.dataDir)} yet (quartet lab run makes one).\n`);
  // A folder without run.json is listed too (its size counts), with when it last changed.
  const listed = [
    ...rows,
    ...incomplete.map((r) => ({
      id: r.id,
      startedAt: r.modifiedAt,
      status: "incomplete",
      scenario: "–",
      runtimes: [],
      sizeBytes: r.sizeBytes,
      costUsd: null,
    })),
  ];
  const table = await renderTable(listed, [
    { header: "Run", value: (r) => r.id, fit: "never" },
    { header: "Started (UTC)", value: (r) => when(r.startedAt), fit: "never", hideOrder: 3 },
    { header: "Status", value: (r) => r.status, fit: "never" },
    // The scenario is also in the run id: the first column to go in a narrow terminal.
    { header: "Scenario", value: (r) => r.scenario, hideOrder: 5 },
    { header: "Runtimes", value: (r) => r.runtimes.join(", "), hideOrder: 4 },
    { header: "Size", value: (r) => r.sizeBytes, format: (v) => fmtBytes(v as number), align: "right", hideOrder: 2 },
    { header: "Cost", value: (r) => r.costUsd, format: (v) => fmtUsd(v as number | null), align: "right" },
  ]);
  const size = listed.reduce((a, r) => a + r.sizeBytes, 0);
  const counted = `${plural(rows.length, "run")}${incomplete.length > 0 ? ` and ${plural(incomplete.length, "incomplete folder")}` : ""}`;
  process.stdout.write(
    `${table}\n${colors.dim(`${counted}, ${fmtBytes(size)} in ${runsDir(paths.dataDir)} · quartet lab show <run> · quartet lab compare <run> <run> · quartet lab prune --keep N`)}\n`,
  );
}

interface PruneFlags {
  keep?: string;
  olderThan?: string;
  dryRun?: boolean;
  json?: boolean;
}

export async function labPruneCommand(flags: PruneFlags): Promise<void> {
  const rule = {
    ...(flags.keep !== undefined ? { keep: parseKeep(flags.keep) } : {}),
    ...(flags.olderThan !== undefined ? { olderThanMs: parseAge(flags.olderThan) } : {}),
    now: Date.now(),
  };
  const dataDir = quartetPaths().dataDir;
  const runs = readRuns(dataDir);
  const plan = planPrune(runs, rule);
  // Folders killed runs left without run.json go whatever the rule: they hold no run to keep.
  const leftovers = planIncomplete(listIncompleteRuns(dataDir), rule.now);
  // A run is its folder: removed by the folder's name. One another prune removed meanwhile is already gone.
  const outcome = new Map<string, Removal>();
  for (const id of [...plan.remove.map((info) => info.run.id), ...leftovers.map((r) => r.id)])
    outcome.set(id, flags.dryRun ? "removed" : removeRun(dataDir, id));
  const removed = plan.remove.filter((info) => outcome.get(info.run.id) === "removed");
  const removedLeftovers = leftovers.filter((r) => outcome.get(r.id) === "removed");
  const gone = [...outcome].filter(([, o]) => o === "gone").map(([id]) => id);
  // A run that started between the listing and its removal holds its lock: it is kept, as in progress.
  const busy = [...plan.inProgress, ...plan.remove.filter((info) => outcome.get(info.run.id) === "running")];
  const freed = [...removed, ...removedLeftovers].reduce((a, r) => a + r.sizeBytes, 0);
  const kept = runs.length - removed.length - plan.remove.filter((info) => outcome.get(info.run.id) === "gone").length;
  if (flags.json) {
    const item = (info: RunInfo) => ({ id: info.run.id, startedAt: info.run.startedAt, sizeBytes: info.sizeBytes });
    const leftover = (r: IncompleteRun) => ({ id: r.id, startedAt: null, sizeBytes: r.sizeBytes, incomplete: true });
    return void process.stdout.write(
      renderJson({
        dryRun: flags.dryRun === true,
        removed: [...removed.map(item), ...removedLeftovers.map(leftover)],
        freedBytes: freed,
        kept,
        inProgress: busy.map(item),
        alreadyGone: gone,
      }),
    );
  }
  const lines: string[] = [];
  const count = removed.length + removedLeftovers.length;
  if (count === 0) lines.push(`No lab run to remove (${plural(kept, "run")} kept).`);
  else {
    const what = `${plural(removed.length, "run")}${removedLeftovers.length > 0 ? ` and ${plural(removedLeftovers.length, "incomplete folder")}` : ""}`;
    const verb = flags.dryRun ? `Would remove ${what}, freeing` : `Removed ${what},`;
    lines.push(`${verb} ${fmtBytes(freed)}${flags.dryRun ? "" : " freed"}:`);
    const width = Math.max(...removed.map((info) => info.run.id.length), ...removedLeftovers.map((r) => r.id.length));
    for (const info of removed)
      lines.push(`  ${info.run.id.padEnd(width)}  ${when(info.run.startedAt)} UTC  ${fmtBytes(info.sizeBytes).padStart(6)}`);
    for (const r of removedLeftovers)
      lines.push(
        `  ${r.id.padEnd(width)}  incomplete (no run.json, last changed ${when(r.modifiedAt)} UTC)  ${fmtBytes(r.sizeBytes).padStart(6)}`,
      );
    lines.push(`${plural(kept, "run")} kept.${flags.dryRun ? " Nothing was removed (--dry-run)." : ""}`);
  }
  for (const id of gone) lines.push(`${id} was already gone (removed by another prune).`);
  for (const info of busy) lines.push(`${info.run.id} is still running: kept.`);
  process.stdout.write(lines.join("\n") + "\n");
}
