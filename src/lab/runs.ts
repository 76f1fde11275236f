/**
 * Where lab runs are kept: `<data dir>/lab/runs/<run id>/`, with `run.json` (what ran and how it ended),
 * `<runtime>.requests.jsonl` (every request the endpoint received, credentials removed, with its cache
 * analysis), each runtime's `home/` and `workspace/` (its own logs, for the ledger), and `.running`, a lock
 * (core/file-lock.ts) the process writing the run holds until it ends, so no prune removes a run in progress.
 */
import fs from "node:fs";
import path from "node:path";
import { diskUsage, privateDir, writeFileAtomic } from "../core/files.js";
import { errorMessage, InputError, UsageError } from "../core/errors.js";
import { tryLock, type HeldLock } from "../core/file-lock.js";
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

/** The lock file the writer of a run holds; the operating system drops it when that process ends, however it ends. */
const RUNNING = ".running";

/**
 * Claims a new run's folder (private), with a suffix when another run of the same second took the id, and
 * holds its lock until `release`; then writes its run.json, so a listed run is already locked.
 */
export function beginRun(run: LabRun): HeldLock {
  const base = run.id;
  privateDir(path.dirname(run.dir));
  for (let n = 2; ; n++) {
    try {
      fs.mkdirSync(run.dir, { mode: 0o700 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      run.id = `${base}-${n}`;
      run.dir = path.join(path.dirname(run.dir), run.id);
    }
  }
  const lock = tryLockRun(run.dir);
  if (!lock) throw new Error(`the new lab run folder ${run.dir} is locked by another process`);
  saveRun(run);
  return lock;
}

/** The lock of the run in `dir` if no process holds it, else null. */
export function tryLockRun(dir: string): HeldLock | null {
  return tryLock(path.join(dir, RUNNING));
}

/** Whether a process is still writing the run in `dir` (it holds the run's lock). */
export function isRunInProgress(dir: string): boolean {
  const file = path.join(dir, RUNNING);
  if (!fs.existsSync(file)) return false;
  let lock: HeldLock | null;
  try {
    lock = tryLockRun(dir);
  } catch {
    // A lock file that cannot be used: whether a process writes the run is unknown, so it counts as in progress.
    return true;
  }
  lock?.release();
  return lock === null;
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

/**
 * A folder in the runs folder without run.json: a run killed between claiming its folder and its first save
 * (beginRun). Only real folders directly inside the runs folder, never links.
 */
export interface IncompleteRun {
  id: string;
  dir: string;
  /** When the folder last changed (ISO): how long ago its writer, if any, touched it. */
  modifiedAt: string;
  sizeBytes: number;
  /** A process holds its run lock (a lab run or serve that has not saved run.json yet). */
  locked: boolean;
}

export function listIncompleteRuns(dataDir: string): IncompleteRun[] {
  const root = runsDir(dataDir);
  if (!fs.existsSync(root)) return [];
  const found: IncompleteRun[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue; // a link, even to a folder, is not a run folder
    const dir = path.join(root, entry.name);
    let stat: fs.Stats;
    try {
      if (fs.existsSync(path.join(dir, "run.json"))) continue;
      stat = fs.lstatSync(dir);
    } catch {
      continue; // removed meanwhile
    }
    found.push({
      id: entry.name,
      dir,
      modifiedAt: stat.mtime.toISOString(),
      sizeBytes: diskUsage(dir),
      locked: isRunInProgress(dir),
    });
  }
  return found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The id of a run given by id, by the start of an id, or as `last`; a UsageError names a wrong one. */
export function resolveRunId(dataDir: string, idOrPrefix: string): string {
  const all = listRuns(dataDir);
  if (all.length === 0) throw new UsageError(`no lab runs yet (quartet lab run makes one)`);
  const exact = all.find((id) => id === idOrPrefix);
  const matches = idOrPrefix === "last" ? [all[all.length - 1]!] : exact ? [exact] : all.filter((id) => id.startsWith(idOrPrefix));
  const latest = all.slice(-3).reverse().join(", ");
  if (matches.length === 0)
    throw new UsageError(`no lab run "${idOrPrefix}"; quartet lab runs lists them (latest: ${latest}, or \`last\`)`);
  if (matches.length > 1)
    throw new UsageError(
      `"${idOrPrefix}" matches ${matches.length} runs (${matches.slice(0, 3).join(", ")}${matches.length > 3 ? ", …" : ""}); give more of the id (quartet lab runs lists them)`,
    );
  return matches[0]!;
}

/** A run by id, by the start of an id, or `last`. */
export function loadRun(dataDir: string, idOrPrefix: string): LabRun {
  const dir = path.join(runsDir(dataDir), resolveRunId(dataDir, idOrPrefix));
  // The folder it is in now, not the one it was written in: a data dir can be moved or copied.
  const file = path.join(dir, "run.json");
  let run: LabRun;
  try {
    run = JSON.parse(fs.readFileSync(file, "utf8")) as LabRun;
  } catch (e) {
    throw new InputError({ message: `cannot read this lab run: ${errorMessage(e)}`, file });
  }
  // Its id is its folder's name too: a copied folder (`…-backup`) is a run of its own, listed, shown and pruned as itself.
  return { ...run, id: path.basename(dir), dir };
}

export type RunStatus = "running" | "finished" | "interrupted";

export interface RunInfo {
  run: LabRun;
  /** running: a process holds its lock; interrupted: it ended without finishing (Ctrl-C, a crash). */
  status: RunStatus;
  /** Bytes the run's folder takes on disk, homes and workspaces included. */
  sizeBytes: number;
}

export function runInfo(dataDir: string, id: string): RunInfo {
  const run = loadRun(dataDir, id);
  const status = isRunInProgress(run.dir) ? "running" : run.finishedAt ? "finished" : "interrupted";
  return { run, status, sizeBytes: diskUsage(run.dir) };
}
