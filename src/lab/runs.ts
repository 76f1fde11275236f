/**
 * Where lab runs are kept: `<data dir>/lab/runs/<run id>/`, with `run.json` (what ran and how it ended),
 * `<runtime>.requests.jsonl` (every request the endpoint received, credentials removed, with its cache
 * analysis), and each runtime's `home/` and `workspace/` (its own logs, for the ledger).
 */
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../core/files.js";
import { UsageError } from "../core/errors.js";
import type { RuntimeId } from "../runtimes/types.js";
import type { LabRequest } from "./model-session.js";
import type { Scenario } from "./scenario.js";

export interface RuntimeRun {
  runtime: RuntimeId;
  binary?: { path: string; origin: string };
  home: string;
  workspace: string;
  /** What of the user's configuration the run used (nothing with --clean). */
  configuration: string[];
  completed: boolean;
  failure?: { step: number; message: string; output: string };
  turns: { prompt: string; ok: boolean; seconds: number }[];
}

export interface LabRun {
  id: string;
  dir: string;
  scenario: Scenario;
  scenarioFile: string;
  model: string;
  priceAs: string | null;
  clean: boolean;
  startedAt: string;
  finishedAt?: string;
  runtimes: RuntimeRun[];
}

export function runsDir(dataDir: string): string {
  return path.join(dataDir, "lab", "runs");
}

export function newRunId(scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${scenario}`;
}

export function saveRun(run: LabRun): void {
  writeFileAtomic(path.join(run.dir, "run.json"), JSON.stringify(run, null, 2) + "\n");
}

export function saveRequests(run: LabRun, runtime: RuntimeId, requests: readonly LabRequest[]): void {
  writeFileAtomic(
    path.join(run.dir, `${runtime}.requests.jsonl`),
    requests.map((r) => JSON.stringify(r)).join("\n") + (requests.length > 0 ? "\n" : ""),
  );
}

export function loadRequests(run: LabRun, runtime: RuntimeId): LabRequest[] {
  const file = path.join(run.dir, `${runtime}.requests.jsonl`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LabRequest);
}

export function listRuns(dataDir: string): string[] {
  const dir = runsDir(dataDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, "run.json")))
    .sort();
}

/** A run by id, by the start of an id, or `last`. */
export function loadRun(dataDir: string, idOrPrefix: string): LabRun {
  const all = listRuns(dataDir);
  if (all.length === 0) throw new UsageError(`no lab runs yet (quartet lab run makes one)`);
  const matches = idOrPrefix === "last" ? [all[all.length - 1]!] : all.filter((id) => id === idOrPrefix || id.startsWith(idOrPrefix));
  if (matches.length === 0) throw new UsageError(`no lab run "${idOrPrefix}" (runs: ${all.slice(-5).join(", ")})`);
  if (matches.length > 1) throw new UsageError(`"${idOrPrefix}" matches several runs: ${matches.slice(0, 5).join(", ")}`);
  return JSON.parse(fs.readFileSync(path.join(runsDir(dataDir), matches[0]!, "run.json"), "utf8")) as LabRun;
}
