import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { FIXTURES, tempDir } from "../../test/helpers.js";
import { tryLock } from "../core/file-lock.js";
import { diffStat, isMerged, worktreeOfBranch } from "./git.js";

function repoWithCommit(): string {
  const repo = path.join(tempDir(), "repo");
  fs.mkdirSync(repo);
  const git = (...args: string[]) => spawnSync("git", args, { cwd: repo, encoding: "utf8" });
  git("init", "-q", "-b", "main");
  git("config", "user.name", "t");
  git("config", "user.email", "t@t.invalid");
  fs.writeFileSync(path.join(repo, "a.txt"), "a\n");
  git("add", ".");
  git("commit", "-q", "-m", "a");
  return repo;
}

/** Another process that adds worktree `name` (or `count` of them) to `repo` at the moment `at`. */
function addWorktreesInProcess(repo: string, name: string, at: number, count?: number) {
  const script = path.join(FIXTURES, "scripts", "add-worktree.ts");
  const args = ["--import", "tsx", script, repo, name, String(at), ...(count === undefined ? [] : [String(count)])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

test("a branch's worktree is looked up while other processes add worktrees, and never reads one half-written", async () => {
  const repo = repoWithCommit();
  const at = Date.now() + 3000;
  const adders = Array.from({ length: 3 }, (_, i) => addWorktreesInProcess(repo, `p${i}`, at, 15));
  let done = false;
  const finished = Promise.all(adders).finally(() => (done = true));
  // git lists every worktree's bookkeeping, which `worktree add` writes in several steps: read between two of
  // them, it failed ("failed to read .git/worktrees/…/commondir").
  let lookups = 0;
  while (!done) {
    if (Date.now() >= at) {
      expect(worktreeOfBranch(repo, "main")).toBe(repo);
      lookups++;
    }
    // Until `at` the adders are waiting too: sleep rather than spin a core they need.
    await new Promise((resolve) => (Date.now() < at ? setTimeout(resolve, at - Date.now()) : setImmediate(resolve)));
  }
  for (const r of await finished) expect(r.code, r.stderr).toBe(0);
  expect(lookups).toBeGreaterThanOrEqual(3);
  expect(worktreeOfBranch(repo, "quartet/p2-14")).toBe(path.join(path.dirname(repo), "worktrees", "p2-14"));
}, 120_000);

test("worktrees added by several processes at once all succeed", async () => {
  const repo = repoWithCommit();
  const at = Date.now() + 3000;
  const runs = Array.from({ length: 10 }, (_, i) => addWorktreesInProcess(repo, `w${i}`, at));
  for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0);
  const list = spawnSync("git", ["worktree", "list"], { cwd: repo, encoding: "utf8" }).stdout.trim().split("\n");
  expect(list).toHaveLength(11);
  // Nobody holds the lock any more (its file stays, empty: the OS held and released the lock on it).
  const lock = tryLock(path.join(repo, ".git", "quartet-worktree.lock"));
  expect(lock).not.toBeNull();
  lock!.release();
}, 60_000);

test("a squash-merged branch counts as merged; diffStat counts untracked files", async () => {
  const repo = repoWithCommit();
  const git = (...args: string[]) => spawnSync("git", args, { cwd: repo, encoding: "utf8" });
  git("checkout", "-q", "-b", "topic");
  fs.writeFileSync(path.join(repo, "b.txt"), "b\nb\n");
  git("add", ".");
  git("commit", "-q", "-m", "b");
  fs.appendFileSync(path.join(repo, "b.txt"), "b\n");
  git("commit", "-q", "-am", "b again");
  git("checkout", "-q", "main");
  expect(isMerged(repo, "main", "topic")).toBe(false);
  git("merge", "-q", "--squash", "topic");
  git("commit", "-q", "-m", "squashed");
  expect(isMerged(repo, "main", "topic")).toBe(true);

  const base = git("rev-parse", "HEAD").stdout.trim();
  fs.writeFileSync(path.join(repo, "a.txt"), "A\n");
  fs.writeFileSync(path.join(repo, "new.txt"), "1\n2\n3\n");
  fs.writeFileSync(path.join(repo, "empty.txt"), "");
  expect(await diffStat(repo, base)).toEqual({ files: 3, insertions: 4, deletions: 1, untracked: 2 });
});

test("an edit git can only tell by content (same size, same second as the index) still shows in diffStat", async () => {
  // Git trusts a file's stat data unless the entry is "racily clean": modified in the same second the index
  // was written. Times are set by hand here so that the whole story happens "within one second" every run.
  const repo = repoWithCommit();
  const git = (...args: string[]) => spawnSync("git", args, { cwd: repo, encoding: "utf8" });
  git("config", "core.trustctime", "false");
  const base = git("rev-parse", "HEAD").stdout.trim();
  const second = new Date("2020-01-01T00:00:00Z");
  const file = path.join(repo, "a.txt");
  fs.utimesSync(file, second, second);
  git("update-index", "--refresh");
  fs.utimesSync(path.join(repo, ".git", "index"), second, second);
  fs.writeFileSync(file, "A\n");
  fs.utimesSync(file, second, second);
  // Git itself sees the edit (read-only: a plain `status` would rewrite the index and smudge the entry).
  expect(git("--no-optional-locks", "status", "--porcelain").stdout).toBe(" M a.txt\n");
  expect(await diffStat(repo, base)).toEqual({ files: 1, insertions: 1, deletions: 1, untracked: 0 });
});
