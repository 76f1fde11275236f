/**
 * The change a task's agent made: its worktree against the commit the task started from, with commits,
 * staged and unstaged edits and new untracked files all included (see `withWorktreeStaged`).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { git, withWorktreeStaged } from "../sessions/git.js";

export interface FileDiff {
  path: string;
  oldPath: string | null;
  status: "added" | "deleted" | "modified" | "renamed";
  additions: number;
  deletions: number;
  binary: boolean;
  /** The file's part of the patch, from its `diff --git` line. */
  patch: string;
  /** Identifies this version of the file's change (a viewed mark holds only while it is the same). */
  digest: string;
}

export interface TaskDiff {
  patch: string;
  files: FileDiff[];
  /** The worktree's whole content as a git tree (commits, staged, unstaged and untracked work): what this diff shows. */
  tree: string;
  /** The branch head when the diff was taken. */
  head: string;
}

export function worktreeDiff(workdir: string, baseCommit: string): TaskDiff {
  return withWorktreeStaged(workdir, (env) => {
    const patch = git(workdir, ["diff", "--cached", "--no-color", "--no-ext-diff", "--find-renames", "--binary", baseCommit], {
      env,
    }).stdout;
    const tree = git(workdir, ["write-tree"], { env }).stdout.trim();
    const head = git(workdir, ["rev-parse", "HEAD"]).stdout.trim();
    return { patch, files: splitPatch(patch), tree, head };
  });
}

/** Files, added and deleted lines of a whole diff. */
export function diffTotals(diff: TaskDiff): { files: number; additions: number; deletions: number } {
  return {
    files: diff.files.length,
    additions: diff.files.reduce((a, f) => a + f.additions, 0),
    deletions: diff.files.reduce((a, f) => a + f.deletions, 0),
  };
}

/** Splits a `git diff` patch into its files, with their counts. */
export function splitPatch(patch: string): FileDiff[] {
  const files: FileDiff[] = [];
  const parts = patch.split(/^(?=diff --git )/m).filter((p) => p.startsWith("diff --git "));
  for (const part of parts) {
    const header = /^diff --git a\/(.*) b\/(.*)$/m.exec(part);
    const to = /^\+\+\+ b\/(.*)$/m.exec(part)?.[1];
    const from = /^--- a\/(.*)$/m.exec(part)?.[1];
    const renameFrom = /^rename from (.*)$/m.exec(part)?.[1];
    const renameTo = /^rename to (.*)$/m.exec(part)?.[1];
    const added = /^new file mode/m.test(part);
    const deleted = /^deleted file mode/m.test(part);
    const filePath = renameTo ?? to ?? (deleted ? from : undefined) ?? header?.[2] ?? "";
    let additions = 0;
    let deletions = 0;
    let inHunk = false;
    for (const line of part.split("\n")) {
      if (line.startsWith("@@")) inHunk = true;
      else if (inHunk && line.startsWith("+")) additions++;
      else if (inHunk && line.startsWith("-")) deletions++;
    }
    files.push({
      path: filePath,
      oldPath: renameFrom ?? null,
      status: added ? "added" : deleted ? "deleted" : renameFrom ? "renamed" : "modified",
      additions,
      deletions,
      binary: /^(Binary files|GIT binary patch)/m.test(part),
      patch: part,
      digest: crypto.createHash("sha256").update(part).digest("hex").slice(0, 16),
    });
  }
  return files;
}

/**
 * A path inside the worktree, for reading a file: relative, without `..`, and still inside after symlinks
 * are resolved. Anything else is refused.
 */
export function confinedPath(workdir: string, rel: string): string | null {
  if (!rel || path.isAbsolute(rel) || rel.split(/[\\/]/).includes("..") || rel.includes("\0")) return null;
  const root = fs.realpathSync(workdir);
  const full = path.resolve(root, rel);
  let real: string;
  try {
    real = fs.realpathSync(full);
  } catch {
    return null;
  }
  return real === root || real.startsWith(root + path.sep) ? real : null;
}
