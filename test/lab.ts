/**
 * Test helpers: running `quartet lab run` with the real pinned runtimes and reading what it recorded, and the
 * lab runs recorded once with them (test/fixtures/lab/runs).
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { parse, stringify } from "yaml";
import type { LabReport } from "../src/lab/report.js";
import type { LabRequest } from "../src/lab/model-session.js";
import { listRuns, loadRequests, loadRun, type LabRun, type RuntimeRun } from "../src/lab/runs.js";
import { loadScenario } from "../src/lab/scenario.js";
import type { RuntimeId } from "../src/runtimes/types.js";
import { FIXTURES, runCli, tempDir, type CliResult } from "./helpers.js";
import { seedOpencodeRipgrep } from "./runtimes.js";

export interface LabResult {
  cli: CliResult;
  report: LabReport;
  run: LabRun;
  requests(runtime: RuntimeId): LabRequest[];
}

export async function labRun(args: readonly string[]): Promise<LabResult> {
  const dataDir = tempDir("quartet-lab-data-");
  // The person's OpenCode has its ripgrep, which the lab gives each run's home: no download in the test.
  const home = tempDir("quartet-lab-userhome-");
  seedOpencodeRipgrep(home);
  const cli = await runCli(["lab", "run", "--clean", "--json", ...args], { dataDir, env: { HOME: home } });
  const report = JSON.parse(cli.stdout) as LabReport;
  const run = JSON.parse(fs.readFileSync(path.join(report.run.dir, "run.json"), "utf8")) as LabRun;
  return { cli, report, run, requests: (rt) => loadRequests(run, rt) };
}

/**
 * Asserts that a runtime went through every turn of a lab run. A failure shows why the lab says it did not: the
 * step, the message (a timeout, an exit code) and the end of the runtime's own output.
 */
export function expectCompleted(rt: Pick<RuntimeRun, "runtime" | "completed" | "failure">): void {
  const failure = rt.failure && { ...rt.failure, output: rt.failure.output.slice(-2000) };
  expect({ runtime: rt.runtime, completed: rt.completed, failure }).toEqual({ runtime: rt.runtime, completed: true, failure: undefined });
}

/**
 * A built-in scenario cut after its first `turns` prompts, as a YAML file of the test's own: a test that looks at
 * one turn's cache break need not pay for the real runtimes' later turns (each an OpenCode process start of many
 * seconds of CPU on a slow host).
 */
export function scenarioThrough(name: string, turns: number): string {
  const scenario = parse(fs.readFileSync(loadScenario(name).file, "utf8")) as { steps: object[] };
  let prompts = 0;
  const end = scenario.steps.findIndex((step) => "prompt" in step && ++prompts === turns);
  if (end < 0) throw new Error(`${name} has fewer than ${turns} prompts`);
  const file = path.join(tempDir("quartet-lab-scenario-"), `${name}.yaml`);
  fs.writeFileSync(file, stringify({ ...scenario, steps: scenario.steps.slice(0, end + 1) }));
  return file;
}

/**
 * The lab runs recorded by `npx tsx test/fixtures/regenerate.ts --only lab-runs` (real claude and opencode,
 * `--clean`), kept under test/fixtures/lab/runs so that test/fixtures reads as a quartet data dir.
 */
export const RECORDED_DATA_DIR = FIXTURES;

const RECORDED = {
  explore: { scenario: "explore-edit-test", model: "claude-sonnet-4-5" },
  pause: { scenario: "explore-edit-test-pause", model: "claude-sonnet-4-5" },
  instructions: { scenario: "explore-edit-test-instructions", model: "claude-sonnet-4-5" },
  /** Claude Code alone, on the model it picks without --model. */
  defaultModel: { scenario: "explore-edit-test", model: "default" },
} as const;

export function recordedRun(name: keyof typeof RECORDED): LabRun {
  const want = RECORDED[name];
  const id = listRuns(FIXTURES).find((runId) => {
    const run = loadRun(FIXTURES, runId);
    return run.scenario.name === want.scenario && run.model === want.model;
  });
  if (!id) throw new Error(`no recorded lab run ${name}: npx tsx test/fixtures/regenerate.ts --only lab-runs`);
  return loadRun(FIXTURES, id);
}

/** Copies the recorded lab runs into a data dir's lab/runs, for commands that change them (prune). */
export function copyRecordedRuns(dataDir: string): string[] {
  fs.cpSync(path.join(FIXTURES, "lab", "runs"), path.join(dataDir, "lab", "runs"), { recursive: true });
  return listRuns(dataDir);
}
