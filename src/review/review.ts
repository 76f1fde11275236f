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
import { observe, relaunchSession, sendToSession, startSession, stopSession, type SessionsContext } from "../sessions/sessions.js";
import { storedLine, treeChangeFiles, worktreeDiff, worktreeSummary, type DiffSummary, type TaskDiff } from "./diff.js";
import { ReviewStore, type Comment, type Task, type TaskStatus } from "./store.js";

export const MergeConflictError = NamedError.create<"MergeConflictError", { message: string; files: string[] }>("MergeConflictError");

/** The task's work changed after the reviewer saw it: `commits` and `files` say how. Nothing was merged. */
export const ChangedSinceReviewError = NamedError.create<
  "ChangedSinceReviewError",
  { message: string; commits: string[]; files: string[]; tree: string }
>("ChangedSinceReviewError");

/** Approving now would need a confirmation: the agent is still working, or asking the person something. */
export const AgentBusyError = NamedError.create<"AgentBusyError", { message: string; state: string }>("AgentBusyError");

/** The merge would create or replace files the user has in the base checkout that git does not track. */
export const WouldOverwriteError = NamedError.create<"WouldOverwriteError", { message: string; files: string[]; checkout: string }>(
  "WouldOverwriteError",
);

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

/**
 * A cache break of one of a task's requests, as `quartet cache <session>` shows it: explained by the gateway
 * (block, cause, diff) where it saw the request, else by the logs' inference (from the ledger, injected too).
 */
export interface TaskCacheBreak {
  ts: number;
  model: string;
  source: "gateway" | "log";
  /** `tool description changed at tools[Bash] (Bash) [gateway]`, `TTL expired (idle gap) [log]`. */
  text: string;
  /** The gateway's diff excerpt of the changed block. */
  excerpt: string | null;
  taxUsd: number | null;
}

export interface ReviewContext {
  store: ReviewStore;
  sessions: SessionsContext;
  cost?(sessions: readonly SessionRow[]): CostFigures | null;
  cacheBreaks?(sessions: readonly SessionRow[]): TaskCacheBreak[];
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

/** How a task's agent starts: its runtime and model, and whether its requests go through the running gateway. */
export interface TaskStart {
  runtime: RuntimeAdapter;
  model?: string;
  bin?: string;
  gateway?: boolean;
}

export async function startTask(ctx: ReviewContext, id: number, o: TaskStart): Promise<Task> {
  const task = getTask(ctx, id);
  if (task.status === "exited") return restartTask(ctx, task, o);
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
    gateway: o.gateway,
  });
  ctx.store.updateTask(task.id, { status: "running", runtime: o.runtime.id, sessionName: row.name, startedAt: Date.now() });
  return getTask(ctx, id);
}

/**
 * Starts an exited task's agent again: in its own worktree, on its conversation where the runtime can
 * resume it, asked to carry on; or, when its worktree is gone (`gc`), as a new session like a task never
 * started.
 */
async function restartTask(ctx: ReviewContext, task: Task, o: TaskStart): Promise<Task> {
  const session = taskSession(ctx, task);
  if (session && fs.existsSync(session.workdir)) {
    await relaunchSession(ctx.sessions, session, `Carry on with this task where you left off:\n\n${taskPrompt(task)}`);
    ctx.store.updateTask(task.id, { status: "running" });
    return getTask(ctx, task.id);
  }
  for (const old of ctx.sessions.registry.byTask(String(task.id))) {
    if (old.removedAt === null) ctx.sessions.registry.update(old.id, { removedAt: Date.now() });
  }
  ctx.store.updateTask(task.id, { status: "todo" });
  return startTask(ctx, task.id, { ...o, runtime: o.runtime });
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

/** The cache breaks of all of the task's sessions, oldest first. */
export function taskCacheBreaks(ctx: ReviewContext, task: Task): TaskCacheBreak[] {
  const rows = ctx.sessions.registry.byTask(String(task.id));
  return rows.length > 0 ? (ctx.cacheBreaks?.(rows) ?? []) : [];
}

/** The task's whole change, patches included (large files summarized). */
export async function taskDiff(task: Task, session: SessionRow | undefined): Promise<TaskDiff | null> {
  if (!session?.baseCommit || !fs.existsSync(session.workdir)) return null;
  return worktreeDiff(session.workdir, session.baseCommit);
}

/** What the task's change touches, without patches: cheap enough for every card on every refresh. */
export async function taskSummary(session: SessionRow | undefined): Promise<DiffSummary | null> {
  if (!session?.baseCommit || !fs.existsSync(session.workdir)) return null;
  return worktreeSummary(session.workdir, session.baseCommit);
}

export interface RefreshOptions {
  /** tmux's panes, read once for many tasks. */
  panes?: ReadonlyMap<string, PaneStatus>;
  /** The diff with its patches (one pass over the worktree for a page that shows them). */
  patches?: boolean;
}

export interface RefreshedTask<D extends DiffSummary> {
  task: Task;
  session: SessionRow | undefined;
  diff: D | null;
}

/** Moves a started task to the column its session's state calls for; its diff comes along. */
export async function refreshTask(ctx: ReviewContext, task: Task, o: RefreshOptions & { patches: true }): Promise<RefreshedTask<TaskDiff>>;
export async function refreshTask(ctx: ReviewContext, task: Task, o?: RefreshOptions): Promise<RefreshedTask<DiffSummary>>;
export async function refreshTask(ctx: ReviewContext, task: Task, o: RefreshOptions = {}): Promise<RefreshedTask<DiffSummary>> {
  if (task.status === "todo" || task.status === "done" || task.status === "discarded") return { task, session: undefined, diff: null };
  const session = taskSession(ctx, task, o.panes);
  const diff = o.patches ? await taskDiff(task, session) : await taskSummary(session);
  let status: TaskStatus = task.status;
  if (session) {
    if (session.state === "working") status = "running";
    else if (session.state === "needs-input") status = "needs-input";
    else if (diff && diff.files.length > 0) status = "in-review";
    // An agent that ended with nothing to review is not running: it waits for a restart or a discard.
    else if (session.state === "exited") status = "exited";
    else status = task.status === "in-review" ? "in-review" : "running";
  } else {
    // Its session was removed (`gc`, `stop`): nothing runs, and nothing is left to review.
    status = "exited";
  }
  if (status !== task.status) {
    // What was read may be stale by now: a discard or a merge that came meanwhile is not undone.
    if (ctx.store.moveTask(task.id, task.status, status)) task = { ...task, status };
    else return refreshTask(ctx, getTask(ctx, task.id), o);
  }
  return { task, session, diff };
}

/**
 * Adds a comment on a line of the task's change, as the reviewer was shown it: `tree` names that version (the
 * board's page may still show one the agent has since changed; by default the current one). The line's text
 * is kept with the comment, so the agent is later quoted what the reviewer read.
 */
export async function addReviewComment(
  ctx: ReviewContext,
  id: number,
  c: { path: string; line: number; side: "new" | "old"; body: string; tree?: string },
): Promise<Comment> {
  const body = c.body.trim();
  if (!body) throw new UsageError("a comment needs text");
  if (!Number.isInteger(c.line) || c.line < 1) throw new UsageError("a comment needs a line number");
  const { task, session, diff } = await refreshTask(ctx, getTask(ctx, id));
  if (!session?.baseCommit || !diff) throw new UsageError(`task ${id} has no change to comment on`);
  const tree = c.tree ?? diff.tree;
  const files = tree === diff.tree ? diff.files : await treeChangeFiles(session.workdir, session.baseCommit, tree);
  if (!files)
    throw new ChangedSinceReviewError({
      message: `task ${id} changed since this page showed it, and git no longer has that version: show the new diff, then comment`,
      commits: [],
      files: [],
      tree: diff.tree,
    });
  const file = files.find((f) => f.path === c.path);
  if (!file) throw new UsageError(`${c.path} is not part of task ${task.id}'s change`);
  const quote =
    c.side === "old"
      ? await storedLine(session.workdir, session.baseCommit, file.oldPath ?? file.path, c.line)
      : await storedLine(session.workdir, tree, file.path, c.line);
  return ctx.store.addComment({ taskId: task.id, path: file.path, line: c.line, side: c.side, body, quote });
}

/**
 * All open comments as one prompt, in file and line order, each with the text of its line as the reviewer saw it
 * (kept with the comment; a comment whose line git could not give, or from before lines were kept, has none:
 * taking it from the diff as it is now could quote a line that has moved into its place since).
 */
export function reviewPrompt(comments: readonly Comment[]): string {
  const lines = [`Review comments on your changes (${comments.length}). Address each one, then stop.`, ""];
  for (const c of comments) {
    lines.push(`- ${c.path}:${c.line}${c.side === "old" ? " (removed line)" : ""}: ${c.body.trim()}`);
    if (c.quote !== null) lines.push(`  > ${c.quote}`);
  }
  return lines.join("\n");
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
  const prompt = [open.length > 0 ? reviewPrompt(open) : "", message?.trim() ?? ""].filter(Boolean).join("\n\n");
  let resumed = false;
  if (session.state === "exited") {
    // The agent's TUI again, in its pane, on its own conversation: the person sees the work happen.
    await relaunchSession(ctx.sessions, session, prompt);
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

/**
 * Records what the reviewer was shown (`quartet review`): the worktree's whole content and branch head.
 * A later approve merges exactly that, or refuses.
 */
export function recordReview(ctx: ReviewContext, task: Task, diff: DiffSummary): void {
  ctx.store.updateTask(task.id, { reviewedTree: diff.tree, reviewedHead: diff.head });
}

export interface ApproveOptions {
  strategy?: "merge" | "squash";
  /** The tree the reviewer saw (the board sends the one its page showed); else the one `quartet review` recorded. */
  reviewedTree?: string;
  /** Approve although the agent is working or asking something (the person confirmed it). */
  whileWorking?: boolean;
}

/**
 * Merges (or squashes) the task's branch into its base: exactly the work the reviewer saw, or nothing.
 * Refused, with nothing changed, when the work changed since it was reviewed, when the agent is still at
 * work (unless confirmed), when the merge would replace a file the user has in the base checkout that git
 * does not track (ignored or untracked), or when it conflicts.
 */
export async function approveTask(ctx: ReviewContext, id: number, o: ApproveOptions = {}): Promise<ApproveResult> {
  const task = getTask(ctx, id);
  if (task.status === "done" || task.status === "discarded") throw new UsageError(`task ${id} is already ${task.status}`);
  const session = taskSession(ctx, task);
  if (!session?.branch || !session.repo || !session.baseBranch) throw new UsageError(`task ${id} has no branch to merge`);
  if (!o.whileWorking && (session.state === "working" || session.state === "needs-input")) {
    throw new AgentBusyError({
      message: `task ${id}'s agent is ${session.state === "working" ? "still working" : "waiting for an answer"} (since ${new Date(session.stateSince).toLocaleTimeString()}): its change may not be finished. Approve once it stops, or confirm (CLI: --while-working)`,
      state: session.state,
    });
  }
  const reviewed = o.reviewedTree ?? task.reviewedTree;
  if (!reviewed)
    throw new UsageError(`task ${id} has not been reviewed: \`quartet review ${id}\` shows its change, then approve merges exactly that`);
  if (!fs.existsSync(session.workdir)) throw new UsageError(`task ${id}: its worktree ${session.workdir} is gone`);
  const now = await worktreeSummary(session.workdir, session.baseCommit ?? session.baseBranch);
  if (now.tree !== reviewed) throw changedSinceReview(id, session.workdir, task.reviewedHead, reviewed, now);
  const strategy = o.strategy ?? mergeStrategy(ctx.sessions.paths.configDir, task.repo);
  const base = session.baseBranch;
  // Work the agent left uncommitted is part of what was reviewed.
  if (uncommitted(session.workdir).length > 0) {
    git(session.workdir, ["add", "--all"]);
    git(session.workdir, ["commit", "--quiet", "--no-verify", "-m", `${task.title}\n\nUncommitted work of quartet task ${task.id}.`]);
  }
  // The commit that holds exactly the reviewed tree: merged by its id, so a commit the agent adds meanwhile is not.
  const commit = git(session.workdir, ["rev-parse", "HEAD"]).stdout.trim();
  if (git(session.workdir, ["rev-parse", `${commit}^{tree}`]).stdout.trim() !== reviewed) {
    throw changedSinceReview(
      id,
      session.workdir,
      task.reviewedHead,
      reviewed,
      await worktreeSummary(session.workdir, session.baseCommit ?? base),
    );
  }
  const { dir, cleanup, own } = baseCheckout(session.repo, base, ctx.sessions.paths.dataDir);
  let result: string;
  try {
    if (own) refuseOverwrites(dir, commit);
    const message = `${task.title} (quartet task ${task.id})`;
    const merged =
      strategy === "squash"
        ? git(dir, ["merge", "--squash", commit], { allowFailure: true })
        : git(dir, ["merge", "--no-ff", "--no-edit", "-m", message, commit], { allowFailure: true });
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
    result = git(dir, ["rev-parse", "HEAD"]).stdout.trim();
    // Merged now, whatever happens while its session stops: a discard meanwhile, or a kill, leaves it merged.
    ctx.store.updateTask(task.id, { status: "done", conflict: null, mergedCommit: result, finishedAt: Date.now() });
  } finally {
    // Before the session's stop, which may wait seconds for the runtime: a board killed meanwhile must not leave
    // the temporary checkout of the base branch for a later approve to find as if it were the user's.
    cleanup();
  }
  await retireSession(ctx, session, { discard: false });
  return { task: getTask(ctx, id), commit: result, strategy };
}

function changedSinceReview(id: number, workdir: string, reviewedHead: string | null, reviewedTree: string, now: DiffSummary) {
  const commits = reviewedHead
    ? git(workdir, ["log", "--format=%h %s", `${reviewedHead}..${now.head}`], { allowFailure: true })
        .stdout.split("\n")
        .filter(Boolean)
    : [];
  const files = git(workdir, ["diff", "--name-status", "--no-renames", reviewedTree, now.tree], { allowFailure: true })
    .stdout.split("\n")
    .filter(Boolean)
    .map((l) => l.replace("\t", " "));
  const what = [
    commits.length > 0 ? `new commits: ${commits.join("; ")}` : "",
    files.length > 0 ? `changed files: ${files.slice(0, 10).join(", ")}${files.length > 10 ? ` and ${files.length - 10} more` : ""}` : "",
  ]
    .filter(Boolean)
    .join("; ");
  return new ChangedSinceReviewError({
    message: `task ${id} changed since it was reviewed (${what || "its content differs"}); nothing was merged. Review it again, then approve`,
    commits,
    files,
    tree: now.tree,
  });
}

/**
 * Refuses a merge that would write a file over one the user has in the base checkout that git does not
 * track there: git replaces ignored files silently (an `.env` holding a secret), and stops half-way on
 * untracked ones. The files named are those the merged commit adds or changes since the merge base.
 */
function refuseOverwrites(checkout: string, commit: string): void {
  const mergeBase = git(checkout, ["merge-base", "HEAD", commit]).stdout.trim();
  const written = git(checkout, ["diff", "--name-only", "--no-renames", "-z", "--diff-filter=ACMRT", mergeBase, commit])
    .stdout.split("\0")
    .filter(Boolean);
  if (written.length === 0) return;
  const tracked = new Set(
    git(checkout, ["ls-files", "-z", "--", ...written])
      .stdout.split("\0")
      .filter(Boolean),
  );
  const endangered = written.filter((f) => !tracked.has(f) && existsNoFollow(path.join(checkout, f)));
  if (endangered.length === 0) return;
  throw new WouldOverwriteError({
    message: `approving would replace ${endangered.length === 1 ? "a file" : `${endangered.length} files`} you have in ${checkout} that git does not track: ${endangered.slice(0, 10).join(", ")}${endangered.length > 10 ? ` and ${endangered.length - 10} more` : ""}; nothing was merged. Move ${endangered.length === 1 ? "it" : "them"} aside (or ask the agent not to add ${endangered.length === 1 ? "it" : "them"}), then approve`,
    files: endangered,
    checkout,
  });
}

function existsNoFollow(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where to merge: the checkout that has the base branch (`own`: the user's; it must have no uncommitted
 * changes to tracked files), or a temporary worktree of it when none does.
 */
function baseCheckout(repo: string, base: string, dataDir: string): { dir: string; cleanup: () => void; own: boolean } {
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
    return { dir: existing, cleanup: () => {}, own: true };
  }
  const dir = fs.mkdtempSync(path.join(fs.existsSync(dataDir) ? dataDir : os.tmpdir(), "merge-"));
  fs.rmSync(dir, { recursive: true });
  withRepoLock(repo, () => git(repo, ["worktree", "add", "--quiet", dir, base]));
  return {
    dir,
    cleanup: () => withRepoLock(repo, () => git(repo, ["worktree", "remove", "--force", dir], { allowFailure: true })),
    own: false,
  };
}

/**
 * Ends a task's session for good once its work is merged or thrown away: the session stops, its worktree
 * (committed or merged by now, or discarded) and branch are deleted, and the registry row is finished with.
 */
async function retireSession(ctx: ReviewContext, session: SessionRow, o: { discard: boolean }): Promise<void> {
  await stopSession(ctx.sessions, session.name, { force: true, discard: o.discard });
  if (session.repo && session.branch && branchExists(session.repo, session.branch)) deleteBranch(session.repo, session.branch, true);
  ctx.sessions.registry.update(session.id, { removedAt: Date.now() });
}

export async function discardTask(ctx: ReviewContext, id: number): Promise<Task> {
  const task = getTask(ctx, id);
  if (task.status === "done") throw new UsageError(`task ${id} is already merged`);
  const session = taskSession(ctx, task);
  if (session) await retireSession(ctx, session, { discard: true });
  // An approve of the same task may have merged it while its session stopped: merged stays merged.
  if (getTask(ctx, id).status === "done") throw new UsageError(`task ${id} was merged meanwhile`);
  ctx.store.updateTask(task.id, { status: "discarded", finishedAt: Date.now() });
  return getTask(ctx, id);
}

/** Elapsed time of a task: from its start to its end, or to now. */
export function elapsedMs(task: Task): number | null {
  if (!task.startedAt) return null;
  return (task.finishedAt ?? Date.now()) - task.startedAt;
}
