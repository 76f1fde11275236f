/**
 * Layer 4: tasks → sessions → diffs → feedback → merge.
 *
 * A task starts as a Layer 2 session in its own worktree. Its column follows the session: Running while
 * the agent works, Needs input at a prompt, In review once it goes idle (or ends) with changes. Request
 * changes sends every open comment as one prompt; approve commits what is left in the worktree, merges or
 * squashes the branch into the base in the base's own checkout, and removes the worktree. A conflict
 * aborts the merge, leaves everything as it was and is shown with the files, and the agent can be asked
 * to rebase.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { NamedError, UsageError } from "../core/errors.js";
import { readConfigSection, readProjectSection, userConfigFile } from "../core/project-config.js";
import type { RuntimeAdapter } from "../runtimes/types.js";
import {
  branchExists,
  commitOf,
  currentBranch,
  deleteBranch,
  git,
  repositoryRoot,
  uncommitted,
  withRepoLock,
  worktreeOfBranch,
} from "../sessions/git.js";
import type { SessionRow } from "../sessions/registry.js";
import type { PaneStatus } from "../sessions/tmux.js";
import { observe, sendToSession, startResumed, startSession, stopSession, type SessionsContext } from "../sessions/sessions.js";
import { worktreeDiff, type TaskDiff } from "./diff.js";
import { ReviewStore, type Comment, type Task, type TaskStatus } from "./store.js";

export const MergeConflictError = NamedError.create<"MergeConflictError", { message: string; files: string[] }>("MergeConflictError");

const ReviewConfig = z.object({ merge: z.enum(["merge", "squash"]).optional() }).strict();

export function mergeStrategy(configDir: string, repo: string): "merge" | "squash" {
  return (
    readProjectSection(repo, "review", ReviewConfig)?.merge ??
    readConfigSection(userConfigFile(configDir), "review", ReviewConfig)?.merge ??
    "merge"
  );
}

/** Usage figures of a set of runtime sessions, from the Layer 1 ledger (injected: the board and CLI own the ledger). */
export interface CostFigures {
  requests: number;
  tokens: number;
  costUsd: number | null;
  cacheHitRate: number | null;
  cacheTaxUsd: number | null;
}

export interface ReviewContext {
  store: ReviewStore;
  sessions: SessionsContext;
  cost?(sessions: readonly SessionRow[]): CostFigures | null;
}

export function getTask(ctx: ReviewContext, id: number | string): Task {
  const n = typeof id === "number" ? id : Number(String(id).replace(/^#/, ""));
  const task = Number.isInteger(n) ? ctx.store.task(n) : undefined;
  if (!task) throw new UsageError(`no task ${id} (\`quartet task list\` shows them)`);
  return task;
}

export function addTask(ctx: ReviewContext, o: { title: string; body?: string; cwd: string; base?: string }): Task {
  if (o.title.trim() === "") throw new UsageError("a task needs a title");
  const repo = repositoryRoot(o.cwd);
  const base = o.base ?? currentBranch(o.cwd);
  if (base && !commitOf(repo, base)) throw new UsageError(`--base ${base}: no such branch in ${repo}`);
  return ctx.store.addTask({ title: o.title.trim(), body: o.body ?? "", repo, baseBranch: base });
}

function taskPrompt(task: Task): string {
  return task.body.trim() ? `${task.title}\n\n${task.body.trim()}` : task.title;
}

export async function startTask(
  ctx: ReviewContext,
  id: number,
  o: { runtime: RuntimeAdapter; model?: string; bin?: string },
): Promise<Task> {
  const task = getTask(ctx, id);
  if (task.status !== "todo") throw new UsageError(`task ${id} has already been started (${task.status})`);
  const row = await startSession(ctx.sessions, {
    cwd: task.repo,
    runtime: o.runtime,
    prompt: taskPrompt(task),
    name: `task-${task.id}`,
    taskId: String(task.id),
    base: task.baseBranch ?? undefined,
    model: o.model,
    bin: o.bin,
  });
  ctx.store.updateTask(task.id, { status: "running", runtime: o.runtime.id, sessionName: row.name, startedAt: Date.now() });
  return getTask(ctx, id);
}

/**
 * The task's session, observed now; undefined when it never had one or it was removed. `panes` lets a
 * caller that refreshes many tasks (the board) ask tmux once.
 */
export function taskSession(ctx: ReviewContext, task: Task, panes?: ReadonlyMap<string, PaneStatus>): SessionRow | undefined {
  const rows = ctx.sessions.registry.byTask(String(task.id)).filter((r) => r.removedAt === null);
  const row = rows.at(-1);
  return row ? observe(ctx.sessions, row, panes ?? ctx.sessions.tmux().panes()) : undefined;
}

/** What all of the task's sessions cost, from the ledger (null when nothing is recorded yet). */
export function taskCost(ctx: ReviewContext, task: Task): CostFigures | null {
  const rows = ctx.sessions.registry.byTask(String(task.id));
  return rows.length > 0 ? (ctx.cost?.(rows) ?? null) : null;
}

export function taskDiff(task: Task, session: SessionRow | undefined): TaskDiff | null {
  if (!session?.baseCommit || !fs.existsSync(session.workdir)) return null;
  return worktreeDiff(session.workdir, session.baseCommit);
}

/** Moves a started task to the column its session's state calls for. */
export function refreshTask(
  ctx: ReviewContext,
  task: Task,
  panes?: ReadonlyMap<string, PaneStatus>,
): { task: Task; session: SessionRow | undefined; diff: TaskDiff | null } {
  if (task.status === "todo" || task.status === "done" || task.status === "discarded") return { task, session: undefined, diff: null };
  const session = taskSession(ctx, task, panes);
  const diff = taskDiff(task, session);
  let status: TaskStatus = task.status;
  if (session) {
    if (session.state === "working") status = "running";
    else if (session.state === "needs-input") status = "needs-input";
    else if (diff && diff.files.length > 0) status = "in-review";
    else status = task.status === "in-review" ? "in-review" : "running";
  }
  if (status !== task.status) {
    ctx.store.updateTask(task.id, { status });
    task = { ...task, status };
  }
  return { task, session, diff };
}

/** All open comments as one prompt, in file and line order, each with the line it is about. */
export function reviewPrompt(comments: readonly Comment[], diff: TaskDiff | null): string {
  const lines = [`Review comments on your changes (${comments.length}). Address each one, then stop.`, ""];
  for (const c of comments) {
    const quoted = diff ? lineOf(diff, c) : null;
    lines.push(`- ${c.path}:${c.line}${c.side === "old" ? " (removed line)" : ""}: ${c.body.trim()}`);
    if (quoted !== null) lines.push(`  > ${quoted}`);
  }
  return lines.join("\n");
}

function lineOf(diff: TaskDiff, c: Comment): string | null {
  const file = diff.files.find((f) => f.path === c.path);
  if (!file) return null;
  let oldNo = 0;
  let newNo = 0;
  for (const line of file.patch.split("\n")) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldNo = Number(hunk[1]);
      newNo = Number(hunk[2]);
      continue;
    }
    if (!oldNo && !newNo) continue;
    const kind = line[0];
    if (kind === "+") {
      if (c.side === "new" && newNo === c.line) return line.slice(1);
      newNo++;
    } else if (kind === "-") {
      if (c.side === "old" && oldNo === c.line) return line.slice(1);
      oldNo++;
    } else if (kind === " ") {
      if ((c.side === "new" && newNo === c.line) || (c.side === "old" && oldNo === c.line)) return line.slice(1);
      oldNo++;
      newNo++;
    }
  }
  return null;
}

/**
 * Sends the open comments (and an optional message) to the agent as one prompt: typed into the live
 * session, or, when the session has ended, a new run of the runtime that resumes the same conversation.
 */
export async function requestChanges(ctx: ReviewContext, id: number, message?: string): Promise<{ sent: number; resumed: boolean }> {
  const task = getTask(ctx, id);
  const session = taskSession(ctx, task);
  if (!session) throw new UsageError(`task ${id} has no session to send the review to`);
  const open = ctx.store.comments(task.id).filter((c) => c.sentAt === null);
  if (open.length === 0 && !message?.trim()) throw new UsageError(`task ${id}: no open comments and no message to send`);
  const diff = taskDiff(task, session);
  const prompt = [open.length > 0 ? reviewPrompt(open, diff) : "", message?.trim() ?? ""].filter(Boolean).join("\n\n");
  let resumed = false;
  if (session.state === "exited") {
    await startResumed(ctx.sessions, session, prompt);
    resumed = true;
  } else {
    await sendToSession(ctx.sessions, session.name, prompt);
  }
  ctx.store.markSent(open.map((c) => c.id));
  ctx.store.updateTask(task.id, { status: "running", conflict: null });
  return { sent: open.length, resumed };
}

/** Asks the agent to bring its branch up to date with the base and resolve the conflicts itself. */
export async function askToRebase(ctx: ReviewContext, id: number): Promise<void> {
  const task = getTask(ctx, id);
  const files = task.conflict?.split("\n").filter(Boolean) ?? [];
  const base = task.baseBranch ?? "the base branch";
  await requestChanges(
    ctx,
    id,
    `Your branch no longer merges cleanly into ${base}${files.length > 0 ? ` (conflicts in ${files.join(", ")})` : ""}. ` +
      `Commit your work, run \`git rebase ${base}\`, resolve every conflict keeping both intents, finish the rebase, and stop.`,
  );
}

export interface ApproveResult {
  task: Task;
  commit: string;
  strategy: "merge" | "squash";
}

export function approveTask(ctx: ReviewContext, id: number, o: { strategy?: "merge" | "squash" } = {}): ApproveResult {
  const task = getTask(ctx, id);
  if (task.status === "done" || task.status === "discarded") throw new UsageError(`task ${id} is already ${task.status}`);
  const session = taskSession(ctx, task);
  if (!session?.branch || !session.repo || !session.baseBranch) throw new UsageError(`task ${id} has no branch to merge`);
  const strategy = o.strategy ?? mergeStrategy(ctx.sessions.paths.configDir, task.repo);
  const base = session.baseBranch;
  // Work the agent left uncommitted is part of what was reviewed.
  if (fs.existsSync(session.workdir) && uncommitted(session.workdir).length > 0) {
    git(session.workdir, ["add", "--all"]);
    git(session.workdir, ["commit", "--quiet", "--no-verify", "-m", `${task.title}\n\nUncommitted work of quartet task ${task.id}.`]);
  }
  const { dir, cleanup } = baseCheckout(session.repo, base, ctx.sessions.paths.dataDir);
  try {
    const message = `${task.title} (quartet task ${task.id})`;
    const merged =
      strategy === "squash"
        ? git(dir, ["merge", "--squash", session.branch], { allowFailure: true })
        : git(dir, ["merge", "--no-ff", "--no-edit", "-m", message, session.branch], { allowFailure: true });
    if (!merged.ok) {
      const files = git(dir, ["diff", "--name-only", "--diff-filter=U"], { allowFailure: true }).stdout.split("\n").filter(Boolean);
      git(dir, ["merge", "--abort"], { allowFailure: true });
      git(dir, ["reset", "--merge"], { allowFailure: true });
      ctx.store.updateTask(task.id, { conflict: files.join("\n") || "(unknown)" });
      throw new MergeConflictError({
        message: `task ${id} does not merge cleanly into ${base}${files.length ? `: conflicts in ${files.join(", ")}` : ""}; nothing was changed. Ask the agent to rebase (board: "Ask agent to rebase"; CLI: quartet reject ${id} -m "rebase onto ${base}")`,
        files,
      });
    }
    if (strategy === "squash") git(dir, ["commit", "--quiet", "--no-verify", "-m", message]);
    const commit = git(dir, ["rev-parse", "HEAD"]).stdout.trim();
    retireSession(ctx, session, { discard: false });
    ctx.store.updateTask(task.id, { status: "done", conflict: null, mergedCommit: commit, finishedAt: Date.now() });
    return { task: getTask(ctx, id), commit, strategy };
  } finally {
    cleanup();
  }
}

/**
 * Where to merge: the checkout that has the base branch (it must have no uncommitted changes to tracked
 * files), or a temporary worktree of it when none does.
 */
function baseCheckout(repo: string, base: string, dataDir: string): { dir: string; cleanup: () => void } {
  const existing = worktreeOfBranch(repo, base);
  if (existing) {
    const dirty = uncommitted(existing).filter((l) => !l.startsWith("??"));
    if (dirty.length > 0) {
      throw new UsageError(
        `${base} has uncommitted changes in ${existing} (${dirty
          .slice(0, 3)
          .map((l) => l.slice(3))
          .join(", ")}); commit or stash them before approving`,
      );
    }
    return { dir: existing, cleanup: () => {} };
  }
  const dir = fs.mkdtempSync(path.join(fs.existsSync(dataDir) ? dataDir : os.tmpdir(), "merge-"));
  fs.rmSync(dir, { recursive: true });
  withRepoLock(repo, () => git(repo, ["worktree", "add", "--quiet", dir, base]));
  return { dir, cleanup: () => withRepoLock(repo, () => git(repo, ["worktree", "remove", "--force", dir], { allowFailure: true })) };
}

/**
 * Ends a task's session for good once its work is merged or thrown away: the session stops, its worktree
 * (committed or merged by now, or discarded) and branch are deleted, and the registry row is finished with.
 */
function retireSession(ctx: ReviewContext, session: SessionRow, o: { discard: boolean }): void {
  stopSession(ctx.sessions, session.name, { force: true, discard: o.discard });
  if (session.repo && session.branch && branchExists(session.repo, session.branch)) deleteBranch(session.repo, session.branch, true);
  ctx.sessions.registry.update(session.id, { removedAt: Date.now() });
}

export function discardTask(ctx: ReviewContext, id: number): Task {
  const task = getTask(ctx, id);
  if (task.status === "done") throw new UsageError(`task ${id} is already merged`);
  const session = taskSession(ctx, task);
  if (session) retireSession(ctx, session, { discard: true });
  ctx.store.updateTask(task.id, { status: "discarded", finishedAt: Date.now() });
  return getTask(ctx, id);
}

/** Elapsed time of a task: from its start to its end, or to now. */
export function elapsedMs(task: Task): number | null {
  if (!task.startedAt) return null;
  return (task.finishedAt ?? Date.now()) - task.startedAt;
}
