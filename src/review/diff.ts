/**
 * The change a task's agent made: its worktree against the commit the task started from, with commits,
 * staged and unstaged edits and new untracked files all included. Untracked files are staged into a
 * throw-away index (the worktree's own index is never touched), so `git diff` sees them like any other.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { git } from "../sessions/git.js";

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
}

export function worktreeDiff(workdir: string, baseCommit: string): TaskDiff {
  const indexFile = git(workdir, ["rev-parse", "--path-format=absolute", "--git-path", "index"]).stdout.trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "quartet-diff-"));
  const tmpIndex = path.join(tmp, "index");
  try {
    if (fs.existsSync(indexFile)) fs.copyFileSync(indexFile, tmpIndex);
    const env = { ...process.env, GIT_INDEX_FILE: tmpIndex };
    const run = (args: string[]) => git(workdir, args, { env }).stdout;
    run(["add", "--all", "--", "."]);
    const patch = run(["diff", "--cached", "--no-color", "--no-ext-diff", "--find-renames", "--binary", baseCommit]);
    return { patch, files: splitPatch(patch) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
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
