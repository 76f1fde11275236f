import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { copyRecordedRuns } from "../../test/lab.js";
import { builtInScenarios } from "./scenario.js";
import {
  beginRun,
  isRunInProgress,
  listIncompleteRuns,
  listRuns,
  loadRun,
  resolveRunId,
  runInfo,
  runsDir,
  tryLockRun,
  type LabRun,
} from "./runs.js";

function newRun(dataDir: string, id: string): LabRun {
  const scenario = builtInScenarios()[0]!.scenario;
  return {
    id,
    dir: path.join(runsDir(dataDir), id),
    scenario,
    scenarioFile: "",
    model: scenario.model,
    priceAs: null,
    clean: true,
    startedAt: new Date().toISOString(),
    runtimes: [],
  };
}

describe("a run in progress", () => {
  it("is locked from its first run.json until it is released, in a private folder", () => {
    const dataDir = tempDir();
    const run = newRun(dataDir, "20261130-100000-explore-edit-test");
    const lock = beginRun(run);
    expect(fs.existsSync(path.join(run.dir, "run.json"))).toBe(true);
    expect(fs.statSync(run.dir).mode & 0o777).toBe(0o700);
    expect(isRunInProgress(run.dir)).toBe(true);
    expect(runInfo(dataDir, run.id).status).toBe("running");
    lock.release();
    expect(isRunInProgress(run.dir)).toBe(false);
    expect(runInfo(dataDir, run.id).status).toBe("interrupted");
  });

  it("gets an id of its own when another run started in the same second", () => {
    const dataDir = tempDir();
    const first = newRun(dataDir, "20261130-100000-x");
    const second = newRun(dataDir, "20261130-100000-x");
    const locks = [beginRun(first), beginRun(second)];
    expect([first.id, second.id]).toEqual(["20261130-100000-x", "20261130-100000-x-2"]);
    expect(second.dir).toBe(path.join(runsDir(dataDir), "20261130-100000-x-2"));
    for (const l of locks) l.release();
  });
});

describe("finding a run", () => {
  it("reads it where it is now, by id, by prefix or as last", () => {
    const dataDir = tempDir();
    const ids = copyRecordedRuns(dataDir);
    const run = loadRun(dataDir, ids[0]!);
    expect(run.dir).toBe(path.join(runsDir(dataDir), ids[0]!));
    expect(resolveRunId(dataDir, "last")).toBe(ids.at(-1));
    expect(resolveRunId(dataDir, ids[0]!.slice(0, 18))).toBe(ids[0]);
  });

  it("names a wrong or ambiguous id and says how to list the runs", () => {
    const dataDir = tempDir();
    expect(() => resolveRunId(dataDir, "last")).toThrow("no lab runs yet (quartet lab run makes one)");
    const ids = copyRecordedRuns(dataDir);
    expect(() => resolveRunId(dataDir, "2025")).toThrow(
      `no lab run "2025"; quartet lab runs lists them (latest: ${ids.slice(-3).reverse().join(", ")}, or \`last\`)`,
    );
    expect(() => resolveRunId(dataDir, "2026")).toThrow(
      /^"2026" matches 4 runs \(.*\); give more of the id \(quartet lab runs lists them\)$/,
    );
  });

  it("reports a run.json that cannot be read with its file", () => {
    const dataDir = tempDir();
    const [id] = copyRecordedRuns(dataDir);
    const file = path.join(runsDir(dataDir), id!, "run.json");
    fs.writeFileSync(file, "{ half");
    expect(() => loadRun(dataDir, id!)).toThrow(/^cannot read this lab run: /);
  });
});

describe("a run's identity", () => {
  it("is its folder's name, not the id written in its run.json (a copied folder is a run of its own)", () => {
    const dataDir = tempDir();
    const [id] = copyRecordedRuns(dataDir);
    const backup = `${id}-backup`;
    fs.cpSync(path.join(runsDir(dataDir), id!), path.join(runsDir(dataDir), backup), { recursive: true });
    expect(loadRun(dataDir, backup)).toMatchObject({ id: backup, dir: path.join(runsDir(dataDir), backup) });
    expect(runInfo(dataDir, id!).run.id).toBe(id);
    expect(runInfo(dataDir, backup).run.id).toBe(backup);
  });
});

describe("a run folder without run.json (killed before its first save)", () => {
  it("is listed as incomplete, with whether a process holds it and how old it is; links and files are not", () => {
    const dataDir = tempDir();
    const [id] = copyRecordedRuns(dataDir);
    const root = runsDir(dataDir);
    const old = path.join(root, "20261130-090000-x");
    fs.mkdirSync(path.join(old, "claude"), { recursive: true });
    fs.writeFileSync(path.join(old, "claude", "big"), "x".repeat(10_000));
    const hour = new Date(Date.now() - 3_600_000);
    fs.utimesSync(old, hour, hour);
    const held = newRun(dataDir, "20261130-100000-held");
    fs.mkdirSync(held.dir);
    const lock = tryLockRun(held.dir)!;
    fs.symlinkSync(tempDir(), path.join(root, "20261130-110000-link"));
    fs.writeFileSync(path.join(root, "20261130-120000-file"), "");
    const found = listIncompleteRuns(dataDir);
    expect(found.map((r) => [r.id, r.locked])).toEqual([
      ["20261130-090000-x", false],
      ["20261130-100000-held", true],
    ]);
    expect(found[0]!.sizeBytes).toBeGreaterThan(10_000);
    expect(Math.abs(Date.parse(found[0]!.modifiedAt) - hour.getTime())).toBeLessThan(2000);
    expect(listRuns(dataDir)).toContain(id);
    lock.release();
  });
});
