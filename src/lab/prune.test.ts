import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { copyRecordedRuns } from "../../test/lab.js";
import { parseAge, parseKeep, planIncomplete, planPrune, removeRun } from "./prune.js";
import { runsDir, tryLockRun, type IncompleteRun, type RunInfo, type RunStatus } from "./runs.js";

const DAY = 86_400_000;
const NOW = Date.parse("2026-12-10T12:00:00Z");

function info(id: string, daysAgo: number, status: RunStatus = "finished"): RunInfo {
  const run = { id, startedAt: new Date(NOW - daysAgo * DAY).toISOString() } as RunInfo["run"];
  return { run, status, sizeBytes: 1000 };
}

const runs = [info("a", 30), info("b", 10), info("c", 8, "running"), info("d", 2), info("e", 0.1)];
const ids = (list: readonly RunInfo[]) => list.map((r) => r.run.id);

describe("which runs a prune removes", () => {
  it("keeps the N newest", () => {
    expect(ids(planPrune(runs, { keep: 2, now: NOW }).remove)).toEqual(["a", "b"]);
  });

  it("removes only runs older than the age, and with --keep only those outside the newest N", () => {
    expect(ids(planPrune(runs, { olderThanMs: 7 * DAY, now: NOW }).remove)).toEqual(["a", "b"]);
    expect(ids(planPrune(runs, { keep: 4, olderThanMs: 7 * DAY, now: NOW }).remove)).toEqual(["a"]);
  });

  it("never removes a run in progress, and says so", () => {
    const plan = planPrune(runs, { keep: 0, now: NOW });
    expect(ids(plan.remove)).toEqual(["a", "b", "d", "e"]);
    expect(ids(plan.inProgress)).toEqual(["c"]);
  });

  it("refuses to guess when given no rule, and refuses nonsense", () => {
    expect(() => planPrune(runs, { now: NOW })).toThrow(
      "say which runs to remove: --keep N (keep the N newest) and/or --older-than AGE (e.g. 7d)",
    );
    expect(parseAge("90m")).toBe(90 * 60_000);
    expect(parseAge("2w")).toBe(14 * DAY);
    for (const bad of ["7", "7 days", "-7d", "0d", "1y", ""])
      expect(() => parseAge(bad), bad).toThrow(
        `--older-than takes an age such as 90m, 12h, 7d or 2w (minutes, hours, days, weeks); got "${bad}"`,
      );
    expect(parseKeep("0")).toBe(0);
    for (const bad of ["-1", "five", "2.5", ""])
      expect(() => parseKeep(bad), bad).toThrow(`--keep takes how many of the newest runs to keep, such as 5; got "${bad}"`);
  });
});

describe("removing a run", () => {
  it("removes the run's folder and nothing its links point to", () => {
    const dataDir = tempDir();
    const [id] = copyRecordedRuns(dataDir);
    const outside = path.join(dataDir, "keep-me.txt");
    fs.writeFileSync(outside, "not a run");
    fs.symlinkSync(dataDir, path.join(runsDir(dataDir), id!, "link-to-data"));
    expect(removeRun(dataDir, id!)).toBe("removed");
    expect(fs.existsSync(path.join(runsDir(dataDir), id!))).toBe(false);
    expect(fs.readFileSync(outside, "utf8")).toBe("not a run");
  });

  it("leaves a run whose lock is held", () => {
    const dataDir = tempDir();
    const [id] = copyRecordedRuns(dataDir);
    const lock = tryLockRun(path.join(runsDir(dataDir), id!))!;
    expect(removeRun(dataDir, id!)).toBe("running");
    expect(fs.existsSync(path.join(runsDir(dataDir), id!, "run.json"))).toBe(true);
    lock.release();
  });

  it("refuses anything but a folder directly inside the runs folder", () => {
    const dataDir = tempDir();
    copyRecordedRuns(dataDir);
    const elsewhere = tempDir();
    fs.symlinkSync(elsewhere, path.join(runsDir(dataDir), "20261130-000000-linked"));
    expect(() => removeRun(dataDir, "20261130-000000-linked")).toThrow(/not a folder inside/);
    expect(fs.existsSync(elsewhere)).toBe(true);
    for (const id of ["..", "../..", "a/../../b", "/tmp"]) expect(() => removeRun(dataDir, id), id).toThrow(/not a lab run id/);
  });
});

describe("removing a run another prune removed first", () => {
  it("reports it as already gone instead of failing", () => {
    const dataDir = tempDir();
    const [id] = copyRecordedRuns(dataDir);
    expect(removeRun(dataDir, id!)).toBe("removed");
    expect(removeRun(dataDir, id!)).toBe("gone");
  });
});

describe("which incomplete run folders (no run.json) a prune removes", () => {
  const folder = (id: string, minutesAgo: number, locked = false): IncompleteRun => ({
    id,
    dir: `/runs/${id}`,
    modifiedAt: new Date(NOW - minutesAgo * 60_000).toISOString(),
    sizeBytes: 1,
    locked,
  });

  it("only those no process holds and untouched for over ten minutes, whatever --keep says", () => {
    const found = [folder("old", 60), folder("held", 60, true), folder("fresh", 2)];
    expect(planIncomplete(found, NOW).map((r) => r.id)).toEqual(["old"]);
  });
});
