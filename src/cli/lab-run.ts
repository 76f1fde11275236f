/** `quartet lab run`: drive the runtimes through a scenario and compare what their prompts cost. */
import os from "node:os";
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { renderJson } from "../core/output.js";
import { quartetPaths } from "../core/paths.js";
import { stepLine } from "../core/progress.js";
import { renderLabText } from "../lab/render.js";
import { renderLabHtml } from "../lab/report-html.js";
import { reportOf } from "../lab/report.js";
import { runLab } from "../lab/runner.js";
import { loadScenario } from "../lab/scenario.js";
import { runtimeColor, runtimesWith, selectRuntimes } from "../runtimes/registry.js";
import type { Delivery } from "../runtimes/types.js";
import { userPricing } from "../core/pricing.js";
import { PRICING_FLAG, PRICING_HELP } from "./pricing-flag.js";
import { addBinOptions, binsGiven } from "./runtime-options.js";
import { checkReportTarget, writeReportFile } from "./report-file.js";

interface RunFlags {
  scenario: string;
  runtime: string;
  model?: string;
  priceAs?: string;
  pricing?: string;
  clean?: boolean;
  delivery?: string;
  /** And `--<id>-bin` for each runtime the lab can drive (runtime-options.ts). */
  turnTimeout: string;
  json?: boolean;
  html?: string;
}

export function registerLabRun(lab: Command): void {
  const drivable = runtimesWith("headless");
  const run = lab
    .command("run")
    .description("run a scenario through each runtime and report cache reads, writes, breaks and cost")
    .option("--scenario <name|file>", "a built-in scenario (quartet lab scenarios) or a YAML file", "explore-edit-test")
    .option("--runtime <names>", "runtimes to compare", drivable.map((r) => r.id).join(","))
    .option("--model <model>", "the model every runtime uses (default: the scenario's; `default` leaves it to Claude Code)")
    .option("--price-as <model>", "price the main requests at this model's list price")
    .option(PRICING_FLAG, PRICING_HELP)
    .option("--clean", "run with an empty home instead of your configuration")
    .option("--delivery <mode>", "per-turn (a new process per turn) or long-lived (one process)");
  addBinOptions(run, drivable, " to run")
    .option("--turn-timeout <seconds>", "give up on a turn after this long", "180")
    .option("--json", "print JSON")
    .option("--html <file>", "also write a self-contained HTML report (a new file, or a page quartet wrote before)")
    .action((flags: RunFlags) => labRunCommand(flags));
}

export async function labRunCommand(flags: RunFlags): Promise<void> {
  const timeout = Number(flags.turnTimeout);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new UsageError(`--turn-timeout must be a positive number of seconds (got "${flags.turnTimeout}")`);
  if (flags.delivery && flags.delivery !== "per-turn" && flags.delivery !== "long-lived")
    throw new UsageError(`--delivery must be per-turn or long-lived (got "${flags.delivery}")`);
  const runtimes = selectRuntimes(flags.runtime);
  for (const r of runtimes)
    if (!r.headless) {
      const drivable = runtimesWith("headless").map((d) => d.id);
      throw new UsageError(`the lab cannot drive ${r.displayName} yet (it can: ${drivable.join(", ")})`);
    }
  // Before the run: a refusal after minutes of turns would waste them.
  if (flags.html !== undefined) checkReportTarget(flags.html);
  const { scenario, file } = loadScenario(flags.scenario);
  const paths = quartetPaths();
  const pricing = await userPricing(flags.pricing);
  const priceModel = flags.priceAs ?? flags.model ?? scenario.model;
  if (priceModel !== "default" && !pricing.lookup(priceModel, Date.now()))
    throw new UsageError(`no price for model "${priceModel}" (add it to ${pricing.overrideFile})`);
  const binaries = binsGiven(flags, runtimes);
  const progress = stepLine({ prefix: "lab: " });
  const run = await runLab({
    scenario,
    scenarioFile: file,
    runtimes,
    dataDir: paths.dataDir,
    userHome: process.env.HOME || os.homedir(),
    clean: flags.clean === true,
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.priceAs ? { priceAs: flags.priceAs } : {}),
    pricing,
    ...(flags.delivery ? { delivery: flags.delivery as Delivery } : {}),
    binaries,
    turnTimeoutMs: timeout * 1000,
    log: (m) => progress.note(m),
    onTurn: (t) => progress.step(`${t.runtime} turn ${t.turn}/${t.turns}`, t.prompt),
  }).finally(() => progress.stop());
  const report = reportOf(run, pricing);
  process.stdout.write(flags.json ? renderJson(report) : await renderLabText(report));
  if (flags.html !== undefined) {
    try {
      writeReportFile(flags.html, renderLabHtml({ report, color: runtimeColor }));
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      throw new UsageError(`${e.message}. The run is saved: \`quartet lab show ${run.id} --html FILE\` writes its report`);
    }
  }
  if (report.runtimes.some((r) => !r.completed)) process.exitCode = 1;
}
