/**
 * `quartet gc` removes the worktrees (and branches) of ended sessions whose branch is merged, squashed
 * into the base or discarded, lists what it would remove first, and keeps everything else: live
 * sessions, unmerged branches and uncommitted work. Sessions start the real `claude` without a prompt.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git, sessionLab, type SessionLab } from "./sessions.js";

let lab: SessionLab;
beforeAll(async () => {
  lab = await sessionLab();
});
afterAll(async () => {
  await lab?.close();
});

async function start(name: string): Promise<string> {
  const r = await lab.cli(["run", "--name", name, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { workdir: string }).workdir;
}

function commit(workdir: string, file: string): void {
  fs.writeFileSync(path.join(workdir, file), `${file}\n`);
  git(workdir, "add", file);
  git(workdir, "commit", "-q", "-m", `add ${file}`);
}

interface GcJson {
  dryRun: boolean;
  items: { name: string; action: "remove" | "keep"; reason: string }[];
}

test("gc removes only merged, squashed and discarded sessions, after listing them", { timeout: 120_000 }, async () => {
  const dirs: Record<string, string> = {};
  for (const name of ["merged", "squashed", "unmerged", "dirty", "discarded", "live"]) dirs[name] = await start(name);

  commit(dirs.merged!, "merged.txt");
  git(lab.repo, "merge", "-q", "--no-ff", "-m", "merge", "quartet/merged");
  commit(dirs.squashed!, "squashed.txt");
  git(lab.repo, "merge", "-q", "--squash", "quartet/squashed");
  git(lab.repo, "commit", "-q", "-m", "squashed");
  commit(dirs.unmerged!, "unmerged.txt");
  commit(dirs.dirty!, "dirty.txt");
  git(lab.repo, "merge", "-q", "--no-ff", "-m", "merge dirty", "quartet/dirty");
  fs.writeFileSync(path.join(dirs.dirty!, "notes.txt"), "not committed\n");
  commit(dirs.discarded!, "discarded.txt");

  expect((await lab.cli(["stop", "merged"])).stdout).toContain("kept branch quartet/merged (1 commit)");
  for (const name of ["squashed", "unmerged", "dirty"]) expect((await lab.cli(["stop", name, "--keep-worktree"])).code).toBe(0);
  expect((await lab.cli(["stop", "discarded", "--discard", "--keep-worktree"])).code).toBe(0);

  const dry = await lab.cli(["gc", "--dry-run", "--json"]);
  expect(dry.code, dry.stderr).toBe(0);
  const plan = JSON.parse(dry.stdout) as GcJson;
  const action = Object.fromEntries(plan.items.map((i) => [i.name, i.action]));
  expect(action).toEqual({ merged: "remove", squashed: "remove", unmerged: "keep", dirty: "keep", discarded: "remove", live: "keep" });
  const reason = Object.fromEntries(plan.items.map((i) => [i.name, i.reason]));
  expect(reason.merged).toContain("merged into main");
  expect(reason.squashed).toContain("merged into main");
  expect(reason.unmerged).toContain("not merged");
  expect(reason.dirty).toContain("uncommitted work in 1 file(s) (notes.txt)");
  expect(reason.discarded).toContain("discarded");
  expect(reason.live).toContain("still idle");
  // The dry run changed nothing.
  for (const name of ["squashed", "unmerged", "dirty", "discarded", "live"]) expect(fs.existsSync(dirs[name]!)).toBe(true);

  const human = await lab.cli(["gc"]);
  expect(human.code, human.stderr).toBe(0);
  expect(human.stdout).toMatch(/remove\s+squashed\s+branch quartet\/squashed is merged into main/);
  expect(human.stdout).toContain("removed 3 sessions");
  for (const name of ["squashed", "discarded"]) expect(fs.existsSync(dirs[name]!)).toBe(false);
  for (const name of ["unmerged", "dirty", "live"]) expect(fs.existsSync(dirs[name]!)).toBe(true);
  expect(fs.readFileSync(path.join(dirs.dirty!, "notes.txt"), "utf8")).toBe("not committed\n");
  expect(
    git(lab.repo, "branch", "--list", "quartet/*")
      .split("\n")
      .map((b) => b.trim())
      .sort(),
  ).toEqual(["+ quartet/dirty", "+ quartet/live", "+ quartet/unmerged"]);
  expect((await lab.ps()).map((s) => s.name).sort()).toEqual(["dirty", "live", "unmerged"]);
  // Merged work reached main; the discarded change did not.
  expect(fs.existsSync(path.join(lab.repo, "merged.txt"))).toBe(true);
  expect(fs.existsSync(path.join(lab.repo, "squashed.txt"))).toBe(true);
  expect(git(lab.repo, "log", "--all", "--oneline").includes("add discarded.txt")).toBe(false);
});
