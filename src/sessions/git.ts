/**
 * The git operations sessions need: finding the repository, creating and removing a session's worktree and
 * branch, copying `.worktreeinclude` files, and the facts `ps`, `stop` and `gc` decide on (uncommitted
 * work, commits ahead of the base, merged or not, diff stat).
 *
 * Everything goes through the real `git` binary, so the user's hooks, config and attributes apply.
 */
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findBinary } from "../core/binaries.js";
import { MissingToolError, UsageError } from "../core/errors.js";
import { acquireLockSync } from "../core/file-lock.js";
import { privateDir } from "../core/files.js";

export class GitError extends Error {}

type GitOptions = { allowFailure?: boolean; input?: string; env?: NodeJS.ProcessEnv; maxBuffer?: number };
const MAX_BUFFER = 256 * 1024 * 1024;

function gitFailed(cwd: string, args: readonly string[], code: string | undefined, env: NodeJS.ProcessEnv | undefined, stderr: string) {
  // Looked into only when git could not be started, not before every call (ps and the board make many).
  if (code === "ENOENT" && !findBinary("git", undefined, env ?? process.env)) {
    return new MissingToolError({ message: "git is not installed (Debian/Ubuntu: apt-get install git)" });
  }
  return new GitError(`git ${args.join(" ")} failed in ${cwd}: ${stderr.trim()}`);
}

export function git(cwd: string, args: readonly string[], options: GitOptions = {}) {
  const r = spawnSync("git", args, {
    cwd,
    encoding: "utf8",
    input: options.input,
    env: options.env,
    maxBuffer: options.maxBuffer ?? MAX_BUFFER,
  });
  const ok = r.status === 0;
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (!ok && (code === "ENOENT" || !options.allowFailure)) {
    const error = gitFailed(cwd, args, code, options.env, r.stderr || r.error?.message || "");
    if (!(error instanceof GitError) || !options.allowFailure) throw error;
  }
  return { ok, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/**
 * `git` without blocking the event loop, for the board, which serves many pages while git reads large
 * trees. Output beyond `maxBuffer` ends the command; what was read is returned with ok false.
 */
export function gitAsync(cwd: string, args: readonly string[], options: Omit<GitOptions, "input"> = {}) {
  return new Promise<{ ok: boolean; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd, encoding: "utf8", env: options.env, maxBuffer: options.maxBuffer ?? MAX_BUFFER },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (error && (typeof code !== "number" || !options.allowFailure) && code !== "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
          const failure = gitFailed(cwd, args, typeof code === "string" ? code : undefined, options.env, stderr || error.message);
          if (!(failure instanceof GitError) || !options.allowFailure) return reject(failure);
        }
        resolve({ ok: !error, stdout: stdout ?? "", stderr: stderr ?? "" });
      },
    );
  });
}

/** The top folder of the repository holding `dir` (the main checkout, even when run inside a worktree). */
export function repositoryRoot(dir: string): string {
  const r = git(dir, ["rev-parse", "--path-format=absolute", "--git-common-dir", "--show-toplevel"], { allowFailure: true });
  if (!r.ok)
    throw new UsageError(
      `${dir} is not inside a git repository; run quartet in a repository, or use --in-place to run there without a worktree`,
    );
  const [commonDir, top] = r.stdout.trim().split("\n");
  // The common dir of a normal repository is <root>/.git; inside a linked worktree it still points there.
  return path.basename(commonDir!) === ".git" ? path.dirname(commonDir!) : top!;
}

export function currentBranch(dir: string): string | null {
  const r = git(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"], { allowFailure: true });
  return r.ok ? r.stdout.trim() : null;
}

export function commitOf(dir: string, rev: string): string | null {
  const r = git(dir, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], { allowFailure: true });
  return r.ok ? r.stdout.trim() : null;
}

export function branchExists(dir: string, branch: string): boolean {
  return git(dir, ["show-ref", "--verify", "--quiet", `refs/heads/${branch}`], { allowFailure: true }).ok;
}

/** Files with uncommitted changes (tracked or untracked, not ignored), as `git status --porcelain` lines. */
export function uncommitted(dir: string): string[] {
  return git(dir, ["status", "--porcelain=v1", "--untracked-files=all"])
    .stdout.split("\n")
    .filter((l) => l.trim() !== "");
}

/**
 * Where the branch is checked out, if anywhere. Listed under the repository's lock: git reads every worktree's
 * bookkeeping, and one that another process is adding is half-written for a moment (withRepoLock).
 */
export function worktreeOfBranch(dir: string, branch: string): string | null {
  const out = withRepoLock(dir, () => git(dir, ["worktree", "list", "--porcelain"])).stdout;
  let current: string | null = null;
  for (const line of out.split("\n")) {
    if (line.startsWith("worktree ")) current = line.slice("worktree ".length);
    if (line === `branch refs/heads/${branch}` && current) return current;
  }
  return null;
}

/**
 * Runs `fn` holding quartet's lock on the repository. git does not guard `worktree add` against itself:
 * two at once can read each other's half-written bookkeeping ("failed to read .git/worktrees/x/commondir"),
 * which is exactly what several `quartet run` started together do. The lock is released by the OS if its
 * holder dies (core/file-lock.ts).
 */
export function withRepoLock<T>(repo: string, fn: () => T): T {
  const commonDir = git(repo, ["rev-parse", "--path-format=absolute", "--git-common-dir"]).stdout.trim();
  const lock = acquireLockSync(path.join(commonDir, "quartet-worktree.lock"), { timeoutMs: 60_000 });
  try {
    return fn();
  } finally {
    lock.release();
  }
}

export function addWorktree(repo: string, o: { dir: string; branch: string; base: string }): void {
  privateDir(path.dirname(o.dir));
  withRepoLock(repo, () => git(repo, ["worktree", "add", "--quiet", "-b", o.branch, o.dir, o.base]));
}

/** Removes a worktree folder and its git bookkeeping; `force` also discards uncommitted work in it. */
export function removeWorktree(repo: string, dir: string, force: boolean): void {
  withRepoLock(repo, () => {
    const r = git(repo, ["worktree", "remove", ...(force ? ["--force", "--force"] : []), dir], { allowFailure: true });
    if (!r.ok) {
      if (fs.existsSync(dir)) throw new GitError(`could not remove the worktree ${dir}: ${r.stderr.trim()}`);
      // The folder is already gone (deleted by hand): forget it.
      git(repo, ["worktree", "prune"], { allowFailure: true });
    }
  });
}

export function deleteBranch(repo: string, branch: string, force = false): boolean {
  // git looks through every worktree for the branch first (see worktreeOfBranch).
  return withRepoLock(repo, () => git(repo, ["branch", force ? "-D" : "-d", branch], { allowFailure: true })).ok;
}

/** Commits on `branch` that are not on `base`. */
export function commitsAhead(repo: string, base: string, branch: string): number {
  const r = git(repo, ["rev-list", "--count", `${base}..${branch}`], { allowFailure: true });
  return r.ok ? Number(r.stdout.trim()) : 0;
}

/**
 * Whether everything on `branch` has reached `base`: by ancestry (merge, fast-forward), or as one squashed
 * or rebased change (every commit's patch is already on the base, which `git cherry` finds).
 */
export function isMerged(repo: string, base: string, branch: string): boolean {
  if (git(repo, ["merge-base", "--is-ancestor", branch, base], { allowFailure: true }).ok) return true;
  const cherry = git(repo, ["cherry", base, branch], { allowFailure: true });
  if (cherry.ok && cherry.stdout.trim() !== "" && !cherry.stdout.split("\n").some((l) => l.startsWith("+"))) return true;
  // A squash merge: the base already holds the branch's whole change as one commit.
  const mergeBase = git(repo, ["merge-base", base, branch], { allowFailure: true }).stdout.trim();
  if (!mergeBase) return false;
  const tree = git(repo, ["rev-parse", `${branch}^{tree}`], { allowFailure: true }).stdout.trim();
  const squashed = git(repo, ["commit-tree", tree, "-p", mergeBase, "-m", "quartet: squash probe"], { allowFailure: true }).stdout.trim();
  if (!squashed) return false;
  const probe = git(repo, ["cherry", base, squashed], { allowFailure: true });
  return probe.ok && probe.stdout.trim().startsWith("-");
}

export interface DiffStat {
  files: number;
  insertions: number;
  deletions: number;
  /** New files not yet added to git (counted in `files` and `insertions`). */
  untracked: number;
}

/**
 * Runs `fn` with a git environment whose index is a throw-away copy of the worktree's with all of its work
 * staged, new untracked files included: `git diff --cached <base>` then sees the whole worktree. The
 * worktree's own index is never touched.
 */
export async function withWorktreeStaged<T>(workdir: string, fn: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const indexFile = (await gitAsync(workdir, ["rev-parse", "--path-format=absolute", "--git-path", "index"])).stdout.trim();
  const tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), "quartet-index-"));
  const tmpIndex = path.join(tmp, "index");
  try {
    if (fs.existsSync(indexFile)) {
      // Git re-reads a file whose stat data looks unchanged only when it was modified in the same second the
      // index was written ("racily clean"). A copy stamped "now" would hide such same-size edits from the
      // review diff, so the copy keeps the index's own time. Taken before copying and truncated to the
      // millisecond, it can only be older than the copied content, which makes git check more, never less.
      const { atime, mtime } = await fs.promises.stat(indexFile);
      await fs.promises.copyFile(indexFile, tmpIndex);
      await fs.promises.utimes(tmpIndex, atime, mtime);
    }
    const env = { ...process.env, GIT_INDEX_FILE: tmpIndex };
    await gitAsync(workdir, ["add", "--all", "--", "."], { env });
    return await fn(env);
  } finally {
    await fs.promises.rm(tmp, { recursive: true, force: true });
  }
}

/** The change in the worktree against the base commit: commits, staged, unstaged and untracked work. */
export async function diffStat(dir: string, baseCommit: string): Promise<DiffStat> {
  const untracked = (await gitAsync(dir, ["ls-files", "--others", "--exclude-standard", "-z"], { allowFailure: true })).stdout
    .split("\0")
    .filter(Boolean);
  const stat: DiffStat = { files: 0, insertions: 0, deletions: 0, untracked: untracked.length };
  const numstat = await withWorktreeStaged(dir, (env) =>
    gitAsync(dir, ["diff", "--cached", "--numstat", baseCommit], { env, allowFailure: true }),
  );
  for (const line of numstat.stdout.split("\n")) {
    const [add, del] = line.split("\t");
    if (add === undefined || del === undefined) continue;
    stat.files++;
    // Binary files count as a changed file without lines ("-").
    stat.insertions += Number(add) || 0;
    stat.deletions += Number(del) || 0;
  }
  return stat;
}

/**
 * Copies the ignored files that `.worktreeinclude` names (gitignore patterns: `.env`, `config/*.local`)
 * from the checkout into the new worktree, which git would not carry over. Returns the copied paths.
 */
export function copyWorktreeIncludes(from: string, to: string): string[] {
  const list = path.join(from, ".worktreeinclude");
  if (!fs.existsSync(list)) return [];
  const r = git(from, ["ls-files", "--others", "--ignored", "-z", `--exclude-from=${list}`]);
  const copied: string[] = [];
  for (const rel of r.stdout.split("\0").filter(Boolean)) {
    const target = path.join(to, rel);
    if (fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.cpSync(path.join(from, rel), target, { preserveTimestamps: true, verbatimSymlinks: true });
    copied.push(rel);
  }
  return copied;
}
