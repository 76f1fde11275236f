import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { copyRecordedRuns } from "../../test/lab.js";
import { builtInScenarios } from "./scenario.js";
import { beginRun, isRunInProgress, loadRun, resolveRunId, runInfo, runsDir, type LabRun } from "./runs.js";

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
