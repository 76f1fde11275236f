/** `quartet lab`: the cache lab's commands (run, show, runs, compare, prune, serve, scenarios). */
import type { Command } from "commander";
import { renderJson, renderTable } from "../core/output.js";
import { builtInScenarios } from "../lab/scenario.js";
import { registerLabCompare } from "./lab-compare.js";
import { registerLabRun } from "./lab-run.js";
import { registerLabRuns } from "./lab-runs.js";
import { registerLabServe } from "./lab-serve.js";
import { registerLabShow } from "./lab-show.js";

export function registerLab(program: Command): void {
  const lab = program
    .command("lab")
    .description("run the real runtimes through one scripted task against a local endpoint that simulates prompt caching");
  registerLabRun(lab);
  registerLabShow(lab);
  registerLabRuns(lab);
  registerLabCompare(lab);
  registerLabServe(lab);
  lab
    .command("scenarios")
    .description("list the built-in scenarios")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }) => {
      const all = builtInScenarios();
      if (flags.json) {
        process.stdout.write(renderJson(all.map((s) => ({ ...s.scenario, file: s.file }))));
        return;
      }
      process.stdout.write(
        (await renderTable(all, [
          { header: "Scenario", value: (s) => s.name },
          { header: "Delivery", value: (s) => s.scenario.delivery },
          { header: "Turns", value: (s) => s.scenario.steps.filter((step) => "prompt" in step).length, align: "right" },
          { header: "Description", value: (s) => s.scenario.description },
        ])) + "\n",
      );
    });
}
