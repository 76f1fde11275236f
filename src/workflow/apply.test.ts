import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { snapshotTree, tempDir } from "../../test/helpers.js";
import { applyChanges, nodeApplyFs, type ApplyFs } from "./apply.js";

/** The real file system, except that the Nth rename fails (a full disk, a file locked by an editor). */
function failingRename(n: number): ApplyFs {
  let calls = 0;
  return {
    ...nodeApplyFs,
    rename: (from, to) => {
      if (++calls === n) throw new Error(`injected failure on rename ${n}`);
      nodeApplyFs.rename(from, to);
    },
  };
}

function project(): string {
  const dir = tempDir("quartet-apply-");
  fs.writeFileSync(path.join(dir, "opencode.jsonc"), '{\n  // mine\n  "model": "x"\n}\n');
  fs.mkdirSync(path.join(dir, ".opencode"));
  return dir;
}

describe("applying a port", () => {
  it("writes new files, replaces existing ones and keeps their mode", () => {
    const dir = project();
    fs.chmodSync(path.join(dir, "opencode.jsonc"), 0o640);
    applyChanges([
      { file: path.join(dir, "opencode.jsonc"), content: "{}\n" },
      { file: path.join(dir, ".opencode", "agents", "team", "reviewer.md"), content: "review\n" },
    ]);
    expect(fs.readFileSync(path.join(dir, "opencode.jsonc"), "utf8")).toBe("{}\n");
    expect(fs.statSync(path.join(dir, "opencode.jsonc")).mode & 0o777).toBe(0o640);
    expect(fs.readFileSync(path.join(dir, ".opencode", "agents", "team", "reviewer.md"), "utf8")).toBe("review\n");
    expect(fs.readdirSync(dir).filter((f) => f.includes(".quartet-"))).toEqual([]);
  });

  it("leaves every target as it was when a rename fails half-way", () => {
    for (const failAt of [1, 2, 3, 4]) {
      const dir = project();
      const before = snapshotTree(dir);
      const changes = [
        { file: path.join(dir, "opencode.jsonc"), content: "{}\n" },
        { file: path.join(dir, ".opencode", "agents", "reviewer.md"), content: "review\n" },
        { file: path.join(dir, "AGENTS.md"), content: "# agents\n" },
      ];
      expect(() => applyChanges(changes, failingRename(failAt)), `rename ${failAt}`).toThrow(/injected failure/);
      expect(snapshotTree(dir), `rename ${failAt}`).toEqual(before);
    }
  });

  it("writes nothing when a file cannot even be staged", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "blocker"), "a file where a folder should be");
    const before = snapshotTree(dir);
    expect(() =>
      applyChanges([
        { file: path.join(dir, "AGENTS.md"), content: "x" },
        { file: path.join(dir, "blocker", "agents", "x.md"), content: "x" },
      ]),
    ).toThrow();
    expect(snapshotTree(dir)).toEqual(before);
  });
});
