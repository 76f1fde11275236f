/**
 * The change a task's agent made: its worktree against the commit the task started from, with commits,
 * staged and unstaged edits and new untracked files all included (see `withWorktreeStaged`).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { gitAsync, withWorktreeStaged } from "../sessions/git.js";

export interface FileDiff {
  /** The exact path (read NUL-separated from git, so any name works: spaces, newlines, non-ASCII). */
  path: string;
  oldPath: string | null;
  status: "added" | "deleted" | "modified" | "renamed";
  additions: number;
  deletions: number;
  binary: boolean;
  /** Left out of the patch: too large to show at once (see LARGE_LINES); `fileDiff` loads it on request. */
  large: boolean;
  /** The file's part of the patch, from its `diff --git` line ("" when large). */
  patch: string;
  /** Identifies this version of the file's change (a viewed mark holds only while it is the same). */
  digest: string;
}

/** What changed, without the patch: cheap enough to take for every task on every board refresh. */
export interface DiffSummary {
  files: FileDiff[];
  /** The worktree's whole content as a git tree (commits, staged, unstaged and untracked work): what this diff shows. */
  tree: string;
  /** The branch head when the diff was taken. */
  head: string;
}

export interface TaskDiff extends DiffSummary {
  patch: string;
}

/** A file with more changed lines than this is summarized, like a code host does, until asked for. */
export const LARGE_LINES = 5000;
/** The most of one file's patch the board ever shows, even when asked. */
const MAX_FILE_PATCH_BYTES = 16 * 1024 * 1024;

/** The files the worktree changes against the base (counts, no patch), its tree and head. */
export function worktreeSummary(workdir: string, baseCommit: string): Promise<DiffSummary> {
  return withWorktreeStaged(workdir, (env) => summaryOf(workdir, baseCommit, env));
}

async function summaryOf(workdir: string, baseCommit: string, env: NodeJS.ProcessEnv): Promise<DiffSummary> {
  const [numstat, tree, head, names] = await Promise.all([
    gitAsync(workdir, ["diff", "--cached", "--numstat", "-z", "--find-renames", baseCommit], { env }).then((r) => r.stdout),
    gitAsync(workdir, ["write-tree"], { env }).then((r) => r.stdout.trim()),
    gitAsync(workdir, ["rev-parse", "HEAD"]).then((r) => r.stdout.trim()),
    gitAsync(workdir, ["diff", "--cached", "--name-status", "-z", "--find-renames", baseCommit], { env }).then((r) => r.stdout),
  ]);
  const status = statuses(names);
  const files = parseNumstat(numstat).map((f) => {
    const changed = f.binary ? 0 : f.additions + f.deletions;
    return {
      ...f,
      status: status.get(f.path) ?? "modified",
      large: changed > LARGE_LINES,
      patch: "",
      digest: crypto.createHash("sha256").update(`${f.path}\0${f.additions}\0${f.deletions}\0${tree}`).digest("hex").slice(0, 16),
    };
  });
  return { files, tree, head };
}

/**
 * The whole change, patch included but for large files (summarized; `fileDiff` loads one). Binary files
 * show as "Binary files differ", not as their content.
 */
export function worktreeDiff(workdir: string, baseCommit: string): Promise<TaskDiff> {
  return withWorktreeStaged(workdir, async (env) => {
    const summary = await summaryOf(workdir, baseCommit, env);
    const shown = summary.files.filter((f) => !f.large);
    if (shown.length === 0) return { ...summary, patch: "" };
    const excluded = summary.files.filter((f) => f.large).map((f) => `:(exclude,literal)${f.path}`);
    const { stdout: patch } = await gitAsync(
      workdir,
      ["diff", "--cached", "--no-color", "--no-ext-diff", "--find-renames", baseCommit, "--", ".", ...excluded],
      { env },
    );
    // git lists files in the same order in --numstat and in the patch: each part belongs to the next shown file.
    const parts = splitParts(patch);
    shown.forEach((f, i) => {
      f.patch = parts[i] ?? "";
      f.digest = crypto.createHash("sha256").update(f.patch).digest("hex").slice(0, 16);
    });
    return { ...summary, patch };
  });
}

/** One file's patch, for a large file the reviewer asks to see anyway (up to MAX_FILE_PATCH_BYTES). */
export function fileDiff(workdir: string, baseCommit: string, file: string): Promise<{ patch: string; truncated: boolean }> {
  return withWorktreeStaged(workdir, async (env) => {
    const r = await gitAsync(workdir, ["diff", "--cached", "--no-color", "--no-ext-diff", baseCommit, "--", `:(literal)${file}`], {
      env,
      maxBuffer: MAX_FILE_PATCH_BYTES,
      allowFailure: true,
    });
    const truncated = !r.ok && r.stdout.length >= MAX_FILE_PATCH_BYTES - 1024;
    if (!r.ok && !truncated) throw new Error(`git diff ${file} failed: ${r.stderr.trim()}`);
    return { patch: r.stdout, truncated };
  });
}

/**
 * The files (paths only) that an earlier version of the change touches, by the tree a diff of it gave: the board
 * may still show that version after the agent moved on. Null when git no longer has the tree.
 */
export async function treeChangeFiles(
  workdir: string,
  baseCommit: string,
  tree: string,
): Promise<Pick<FileDiff, "path" | "oldPath">[] | null> {
  const r = await gitAsync(workdir, ["diff", "--numstat", "-z", "--find-renames", baseCommit, tree, "--"], { allowFailure: true });
  return r.ok ? parseNumstat(r.stdout) : null;
}

/**
 * Line `line` (from 1) of a file as git stores it at `rev` (a commit or tree), without its line ending; null
 * when there is no such file or line, or the file is binary.
 */
export async function storedLine(workdir: string, rev: string, file: string, line: number): Promise<string | null> {
  const r = await gitAsync(workdir, ["cat-file", "blob", `${rev}:${file}`], { allowFailure: true, maxBuffer: MAX_FILE_PATCH_BYTES });
  if (!r.ok || r.stdout.includes("\0")) return null;
  const lines = r.stdout.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const text = lines[line - 1];
  return text === undefined ? null : text.replace(/\r$/, "");
}

/** Files, added and deleted lines of a whole diff. */
export function diffTotals(diff: DiffSummary): { files: number; additions: number; deletions: number } {
  return {
    files: diff.files.length,
    additions: diff.files.reduce((a, f) => a + f.additions, 0),
    deletions: diff.files.reduce((a, f) => a + f.deletions, 0),
  };
}

/** `--numstat -z`: "A\tD\tpath\0", or for a rename "A\tD\t\0old\0new\0"; "-" counts for binary files. */
function parseNumstat(out: string): Pick<FileDiff, "path" | "oldPath" | "additions" | "deletions" | "binary">[] {
  const fields = out.split("\0");
  const files: Pick<FileDiff, "path" | "oldPath" | "additions" | "deletions" | "binary">[] = [];
  for (let i = 0; i < fields.length; i++) {
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(fields[i]!);
    if (!m) continue;
    const binary = m[1] === "-";
    const counts = { additions: binary ? 0 : Number(m[1]), deletions: binary ? 0 : Number(m[2]), binary };
    if (m[3] === "") {
      files.push({ ...counts, oldPath: fields[i + 1]!, path: fields[i + 2]! });
      i += 2;
    } else {
      files.push({ ...counts, oldPath: null, path: m[3]! });
    }
  }
  return files;
}

/** `--name-status -z`: each file's status letter, by its (new) path. */
function statuses(out: string): Map<string, FileDiff["status"]> {
  const fields = out.split("\0");
  const map = new Map<string, FileDiff["status"]>();
  for (let i = 0; i < fields.length; i++) {
    const code = fields[i]!;
    if (!code) continue;
    if (code.startsWith("R") || code.startsWith("C")) {
      map.set(fields[i + 2]!, "renamed");
      i += 2;
    } else {
      map.set(fields[i + 1]!, code === "A" ? "added" : code === "D" ? "deleted" : "modified");
      i += 1;
    }
  }
  return map;
}

/** A patch cut at each file's `diff --git` line (which can only start a line there: content lines are prefixed). */
function splitParts(patch: string): string[] {
  return patch.split(/^(?=diff --git )/m).filter((p) => p.startsWith("diff --git "));
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
