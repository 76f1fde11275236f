/** Test helper: running `quartet lab run` with the real pinned runtimes and reading what it recorded. */
import path from "node:path";
import type { LabReport } from "../src/lab/report.js";
import type { LabRequest } from "../src/lab/model-session.js";
import { loadRequests, type LabRun } from "../src/lab/runs.js";
import type { RuntimeId } from "../src/runtimes/types.js";
import { runCli, tempDir, type CliResult } from "./helpers.js";
import fs from "node:fs";

export interface LabResult {
  cli: CliResult;
  report: LabReport;
  run: LabRun;
  requests(runtime: RuntimeId): LabRequest[];
}

export async function labRun(args: readonly string[]): Promise<LabResult> {
  const dataDir = tempDir("quartet-lab-data-");
  const cli = await runCli(["lab", "run", "--clean", "--json", ...args], { dataDir });
  const report = JSON.parse(cli.stdout) as LabReport;
  const run = JSON.parse(fs.readFileSync(path.join(report.run.dir, "run.json"), "utf8")) as LabRun;
  return { cli, report, run, requests: (rt) => loadRequests(run, rt) };
}
