/**
 * Removing old lab runs: which to remove (`--keep N` newest, `--older-than AGE`, and folders a killed run
 * left without run.json), and removing one run so that nothing outside the lab's runs folder can go, and no
 * run still being written does. A run is its folder: its id is the folder's name.
 */
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../core/errors.js";
import { runsDir, tryLockRun, type IncompleteRun, type RunInfo } from "./runs.js";

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** An age such as `90m`, `12h`, `7d` or `2w`, in milliseconds. */
export function parseAge(value: string): number {
  const m = /^(\d+)([mhdw])$/.exec(value.trim());
  if (!m || Number(m[1]) === 0)
    throw new UsageError(`--older-than takes an age such as 90m, 12h, 7d or 2w (minutes, hours, days, weeks); got "${value}"`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export function parseKeep(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`--keep takes how many of the newest runs to keep, such as 5; got "${value}"`);
  return Number(value);
}

export interface PruneRule {
  /** Keep this many of the newest runs, whatever their age. */
  keep?: number;
  /** Remove only runs that started longer ago than this. */
  olderThanMs?: number;
  now: number;
}

export interface PrunePlan {
  remove: RunInfo[];
  /** Runs the rule selects that are still being written: left alone. */
  inProgress: RunInfo[];
}

/** The runs a rule removes: outside the `keep` newest and, with an age, older than it; never one in progress. */
export function planPrune(runs: readonly RunInfo[], rule: PruneRule): PrunePlan {
  if (rule.keep === undefined && rule.olderThanMs === undefined)
    throw new UsageError("say which runs to remove: --keep N (keep the N newest) and/or --older-than AGE (e.g. 7d)");
  const newestFirst = [...runs].sort((a, b) => b.run.startedAt.localeCompare(a.run.startedAt) || b.run.id.localeCompare(a.run.id));
  const selected = newestFirst
    .slice(rule.keep ?? 0)
    .filter((r) => rule.olderThanMs === undefined || rule.now - Date.parse(r.run.startedAt) > rule.olderThanMs);
  // Listed oldest first, as `lab runs` lists them.
  selected.reverse();
  return { remove: selected.filter((r) => r.status !== "running"), inProgress: selected.filter((r) => r.status === "running") };
}

/**
 * How long a run folder without run.json is left alone: beginRun writes run.json right after claiming the
 * folder, so an unlocked one untouched this long was left by a run killed in between.
 */
export const INCOMPLETE_GRACE_MS = 10 * 60_000;

/** The incomplete run folders a prune removes, whatever its rule: those no process holds, untouched for the grace time. */
export function planIncomplete(found: readonly IncompleteRun[], now: number): IncompleteRun[] {
  return found.filter((r) => !r.locked && now - Date.parse(r.modifiedAt) > INCOMPLETE_GRACE_MS);
}

/** removed; running: a process holds the run's lock, so it stays; gone: not there any more (another prune removed it). */
export type Removal = "removed" | "running" | "gone";

/**
 * Removes the run in folder `id` of `<dataDir>/lab/runs`: only a real folder directly inside it (not a link,
 * not through one), and only while holding the run's lock, so a `lab run` still writing it is never removed.
 */
export function removeRun(dataDir: string, id: string): Removal {
  const root = runsDir(dataDir);
  const dir = path.join(root, id);
  if (!/^[\w][\w.-]*$/.test(id) || id.includes("..") || path.dirname(dir) !== root)
    throw new Error(`refusing to remove "${id}": not a lab run id`);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw e;
  }
  if (!stat.isDirectory() || path.dirname(fs.realpathSync(dir)) !== fs.realpathSync(root))
    throw new Error(`refusing to remove ${dir}: not a folder inside ${root}`);
  const lock = tryLockRun(dir);
  // Held by another prune removing it right now: gone, not running.
  if (!lock) return fs.existsSync(dir) ? "running" : "gone";
  // Another prune removed it between the check and the lock, and taking the lock made an empty folder anew.
  const gone = fs.lstatSync(dir).ino !== stat.ino;
  try {
    // rmSync removes links inside the run as links; it never follows them out of the folder.
    fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    lock.release();
  }
  return gone ? "gone" : "removed";
}
