/**
 * Layer 4 commands: `task add|list|show|start`, `review`, `approve`, `reject` and `board`. They share the
 * review store, the session registry and the ledger (for each task's cost) in quartet's database.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { errorMessage, UsageError } from "../core/errors.js";
import { privateDir } from "../core/files.js";
import { mapLimited } from "../core/map-limited.js";
import { processAlive } from "../core/process.js";
import { reportOnce } from "../core/report-once.js";
import { parsePort, PORT_FLAG, PORT_HELP } from "./port-flag.js";
import { colors, fmtDuration, fmtPercent, fmtTokens, fmtUsd, renderJson, renderTable, round6, terminalSafe } from "../core/output.js";
import {
  addTask,
  approveTask,
  recordReview,
  discardTask,
  elapsedMs,
  getTask,
  refreshTask,
  type RefreshedTask,
  requestChanges,
  startTask,
  taskCost,
  type CostFigures,
  type ReviewContext,
} from "../review/review.js";
import { diffTotals, type DiffSummary } from "../review/diff.js";
import { startBoard } from "../review/server.js";
import { COLUMN_TITLE, ReviewStore, type Task } from "../review/store.js";
import { runtimeById, runtimeIds } from "../runtimes/registry.js";
import { repositoryRoot } from "../sessions/git.js";
import { SessionUsage } from "./session-usage.js";
import { openSessions } from "./sessions.js";

function openReview(): { ctx: ReviewContext; usage: SessionUsage } {
  const { db, ctx: sessions } = openSessions();
  const usage = new SessionUsage(db);
  return {
    ctx: { store: new ReviewStore(db), sessions, cost: (rows) => usage.combined(rows), cacheBreaks: (rows) => usage.cacheBreaks(rows) },
    usage,
  };
}

/** Reads the ledger for the task's sessions before its cost is shown. */
async function withCost(ctx: ReviewContext, usage: SessionUsage, tasks: readonly Task[]): Promise<void> {
  const rows = tasks.flatMap((t) => ctx.sessions.registry.byTask(String(t.id)));
  if (rows.some((r) => r.runtimeSessionId)) await usage.refresh(rows);
}

function costText(c: CostFigures | null): string {
  if (!c) return "no usage recorded yet";
  return `${fmtTokens(c.tokens)} tokens, ${fmtUsd(c.costUsd)}, cache hit ${fmtPercent(c.cacheHitRate)}, cache tax ${fmtUsd(c.cacheTaxUsd)}`;
}

function taskJson(ctx: ReviewContext, task: Task) {
  const cost = taskCost(ctx, task);
  return {
    ...task,
    column: COLUMN_TITLE[task.status],
    elapsedMs: elapsedMs(task),
    cost: cost && {
      ...cost,
      costUsd: round6(cost.costUsd),
      cacheHitRate: round6(cost.cacheHitRate),
      cacheTaxUsd: round6(cost.cacheTaxUsd),
    },
  };
}

export function registerReview(program: Command): void {
  const task = program.command("task").description("tasks on the review board: each becomes an agent session in its own worktree");
  task
    .command("add")
    .description("add a task to the Todo column")
    .argument("<title>")
    .option("--body <text>", "details for the agent")
    .option("--file <file>", "read the details from a file")
    .option("--base <branch>", "branch the task starts from and merges into (default: the current branch)")
    .option("--json", "print the task as JSON")
    .action((title: string, flags: { body?: string; file?: string; base?: string; json?: boolean }) => {
      if (flags.body !== undefined && flags.file !== undefined) throw new UsageError("choose one of --body and --file");
      let body = flags.body ?? "";
      if (flags.file !== undefined) {
        if (!fs.existsSync(flags.file)) throw new UsageError(`--file ${flags.file}: no such file`);
        body = fs.readFileSync(flags.file, "utf8");
      }
      const { ctx } = openReview();
      const t = addTask(ctx, { title, body, cwd: process.cwd(), base: flags.base });
      process.stdout.write(
        flags.json ? renderJson(taskJson(ctx, t)) : `added task ${t.id}: ${terminalSafe(t.title)}\n  quartet task start ${t.id}\n`,
      );
    });

  task
    .command("list")
    .description("every task with its column, runtime, elapsed time and cost")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }) => {
      const { ctx, usage } = openReview();
      const tasks = await mapLimited(ctx.store.tasks(), 4, async (t) => (await refreshTask(ctx, t)).task);
      await withCost(ctx, usage, tasks);
      if (flags.json) return void process.stdout.write(renderJson({ tasks: tasks.map((t) => taskJson(ctx, t)) }));
      if (tasks.length === 0) return void process.stdout.write('No tasks. Add one with: quartet task add "title"\n');
      const rows = tasks.map((t) => ({ t, cost: taskCost(ctx, t) }));
      process.stdout.write(
        (await renderTable(rows, [
          { header: "ID", value: (r) => r.t.id, align: "right" },
          { header: "TITLE", value: (r) => r.t.title },
          { header: "COLUMN", value: (r) => COLUMN_TITLE[r.t.status], fit: "never" },
          { header: "RUNTIME", value: (r) => r.t.runtime ?? "", hideOrder: 1 },
          { header: "ELAPSED", value: (r) => (elapsedMs(r.t) === null ? "" : fmtDuration(elapsedMs(r.t)!)), hideOrder: 2 },
          { header: "TOKENS", value: (r) => (r.cost ? fmtTokens(r.cost.tokens) : ""), align: "right", hideOrder: 3 },
          { header: "COST", value: (r) => (r.cost ? fmtUsd(r.cost.costUsd) : ""), align: "right" },
          { header: "CACHE HIT", value: (r) => (r.cost ? fmtPercent(r.cost.cacheHitRate) : ""), align: "right" },
          { header: "CACHE TAX", value: (r) => (r.cost ? fmtUsd(r.cost.cacheTaxUsd) : ""), align: "right" },
        ])) + "\n",
      );
    });

  task
    .command("show")
    .description("one task: its details, session and cost")
    .argument("<id>")
    .option("--json", "print JSON")
    .action(async (id: string, flags: { json?: boolean }) => reviewCommand(id, { json: flags.json, diff: false }));

  task
    .command("start")
    .description("start the task's agent session (Layer 2) in its own worktree")
    .argument("<id>")
    .option("--runtime <name>", `runtime: ${runtimeIds().join(" | ")}`, "claude")
    .option("--model <model>", "model for the runtime")
    .option("--gateway", "send the session's model requests through the running `quartet gateway` (Claude Code, OpenCode)")
    .action(async (id: string, flags: { runtime: string; model?: string; gateway?: boolean }) => {
      const runtime = runtimeById(flags.runtime);
      const { ctx } = openReview();
      const t = await startTask(ctx, getTask(ctx, id).id, { runtime, model: flags.model, gateway: flags.gateway });
      process.stdout.write(`started task ${t.id} as session ${t.sessionName} (${runtime.displayName})\n`);
    });

  task
    .command("discard")
    .description("throw the task's work away: stop its session, delete its worktree and branch")
    .argument("<id>")
    .action(async (id: string) => {
      const { ctx } = openReview();
      const t = await discardTask(ctx, getTask(ctx, id).id);
      process.stdout.write(`discarded task ${t.id}\n`);
    });

  program
    .command("review")
    .description("a task's change: diff stat, open comments, state and cost")
    .argument("<id>")
    .option("--patch", "print the whole diff")
    .option("--json", "print JSON")
    .action(async (id: string, flags: { json?: boolean; patch?: boolean }) =>
      reviewCommand(id, { json: flags.json, diff: true, patch: flags.patch === true }),
    );

  program
    .command("approve")
    .description("merge (or squash) a task's branch into its base, remove its worktree, mark it Done")
    .argument("<id>")
    .option("--squash", "squash into one commit")
    .option("--merge", "merge commit (the default unless the config says squash)")
    .option("--while-working", "approve although the agent is still working or asking something")
    .action(async (id: string, flags: { squash?: boolean; merge?: boolean; whileWorking?: boolean }) => {
      if (flags.squash && flags.merge) throw new UsageError("choose one of --squash and --merge");
      const { ctx } = openReview();
      const r = await approveTask(ctx, getTask(ctx, id).id, {
        strategy: flags.squash ? "squash" : flags.merge ? "merge" : undefined,
        whileWorking: flags.whileWorking === true,
      });
      process.stdout.write(
        `task ${r.task.id} ${r.strategy === "squash" ? "squashed" : "merged"} into ${r.task.baseBranch} as ${r.commit.slice(0, 10)}; worktree removed\n`,
      );
    });

  program
    .command("reject")
    .description("request changes: send the open comments and a message to the task's agent")
    .argument("<id>")
    .requiredOption("-m, --message <text>", "what to change")
    .action(async (id: string, flags: { message: string }) => {
      const { ctx } = openReview();
      const r = await requestChanges(ctx, getTask(ctx, id).id, flags.message);
      process.stdout.write(
        `sent ${r.sent} comment${r.sent === 1 ? "" : "s"} and your message to task ${id}'s agent${r.resumed ? " (its session had ended: relaunched in its pane)" : ""}\n`,
      );
    });

  program
    .command("board")
    .description("the review board in your browser, on 127.0.0.1")
    .option(PORT_FLAG, PORT_HELP, parsePort)
    .option("--no-open", "do not open the browser")
    .action(async (flags: { port?: number; open: boolean }) => {
      const port = flags.port ?? 0;
      const { ctx, usage } = openReview();
      const repo = repositoryRoot(process.cwd());
      // The board keeps serving when a refresh fails (it is retried); the terminal says why, once per reason.
      const report = (message: string) => process.stderr.write(`quartet board: ${message}\n`);
      const costFailure = reportOnce((message) => report(`could not read the tasks' cost from the logs: ${message}`));
      const refresh = () =>
        usage.refresh(ctx.sessions.registry.current(), 5000).then(
          () => costFailure.ok(),
          (e: unknown) => costFailure.failed(errorMessage(e)),
        );
      await refresh();
      const board = await startBoard({ ctx, repo, port, onError: report });
      // Only once the board listens: a board that could not (its port taken) would be kept alive by the timer.
      const timer = setInterval(refresh, 5000);
      // Listening before the browser opens: a signal that came between opening it and listening (the opener can
      // run first on a busy machine) ended the board at once and left the redirect file with its token behind.
      let stop = () => {};
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      let redirect: string | null = null;
      try {
        removeDeadBoardsRedirects(ctx.sessions.paths.dataDir);
        process.stdout.write(`quartet board for ${repo}\n  ${board.openUrl}\n(Ctrl-C to stop)\n`);
        redirect = flags.open ? openBrowser(board.openUrl, ctx.sessions.paths.dataDir) : null;
        await stopped;
      } finally {
        // Also when opening the browser failed: the board must not go on serving, deaf to Ctrl-C.
        process.removeListener("SIGINT", stop);
        process.removeListener("SIGTERM", stop);
        clearInterval(timer);
        if (redirect) fs.rmSync(redirect, { force: true });
        await board.close();
      }
    });
}

async function reviewCommand(id: string, o: { json?: boolean; diff: boolean; patch?: boolean }): Promise<void> {
  const { ctx, usage } = openReview();
  // The patches only when the change is shown.
  const refreshed: RefreshedTask<DiffSummary & { patch?: string }> = await refreshTask(ctx, getTask(ctx, id), { patches: o.diff });
  const { task, session, diff } = refreshed;
  // What `review` showed is what `approve` will merge, or refuse to.
  if (o.diff && diff) recordReview(ctx, task, diff);
  await withCost(ctx, usage, [task]);
  const comments = ctx.store.comments(task.id);
  if (o.json) {
    process.stdout.write(
      renderJson({
        task: taskJson(ctx, task),
        session: session ? { name: session.name, state: session.state, branch: session.branch, workdir: session.workdir } : null,
        files: (diff?.files ?? []).map((f) => ({ path: f.path, status: f.status, additions: f.additions, deletions: f.deletions })),
        ...(o.diff && diff ? { tree: diff.tree, head: diff.head, ...(o.patch ? { patch: diff.patch } : {}) } : {}),
        comments,
      }),
    );
    return;
  }
  const out: string[] = [
    `${colors.bold(`#${task.id} ${terminalSafe(task.title)}`)}  ${COLUMN_TITLE[task.status]}${session ? ` · session ${session.name} ${session.state}` : ""}`,
  ];
  if (task.body) out.push(terminalSafe(task.body.trim(), { multiline: true }));
  if (task.runtime)
    out.push(`${task.runtime}, ${elapsedMs(task) === null ? "" : `${fmtDuration(elapsedMs(task)!)}, `}${costText(taskCost(ctx, task))}`);
  if (session?.branch) out.push(`branch ${session.branch} → ${session.baseBranch}`);
  if (task.conflict)
    out.push(
      colors.red(
        `merge conflict in: ${task.conflict.split("\n").join(", ")} (quartet reject ${task.id} -m "rebase onto ${task.baseBranch}")`,
      ),
    );
  if (o.diff) {
    if (!diff || diff.files.length === 0) out.push("no changes");
    else {
      const width = Math.max(...diff.files.map((f) => f.path.length));
      for (const f of diff.files)
        out.push(
          `  ${terminalSafe(f.path).padEnd(width)}  ${colors.green(`+${f.additions}`)} ${colors.red(`-${f.deletions}`)}${f.status !== "modified" ? ` (${f.status})` : ""}`,
        );
      const t = diffTotals(diff);
      out.push(`  ${t.files} file${t.files === 1 ? "" : "s"} changed, ${t.additions} insertions(+), ${t.deletions} deletions(-)`);
      if (o.patch) out.push("", terminalSafe((diff.patch ?? "").trimEnd(), { multiline: true }));
      out.push(colors.dim(`approve ${task.id} merges exactly this (tree ${diff.tree.slice(0, 12)}), or refuses if it changes`));
    }
  }
  const open = comments.filter((c) => c.sentAt === null);
  if (open.length > 0) {
    out.push(`${open.length} open comment${open.length === 1 ? "" : "s"}:`);
    for (const c of open) out.push(`  ${terminalSafe(c.path)}:${c.line}  ${terminalSafe(c.body)}`);
  }
  process.stdout.write(out.join("\n") + "\n");
}

/** The redirect files of boards that were killed (SIGKILL leaves them behind): their tokens open nothing now. */
function removeDeadBoardsRedirects(dataDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    return; // no data folder yet: no file either
  }
  for (const name of names) {
    const pid = Number(/^board-open-(\d+)\.html$/.exec(name)?.[1]);
    if (pid > 0 && pid !== process.pid && !processAlive(pid)) fs.rmSync(path.join(dataDir, name), { force: true });
  }
}

/**
 * Opens the board in the browser without its token on a command line (any user can read those): the
 * browser is given a private file (0600) that redirects to the tokened URL, as Jupyter does. The file is
 * removed when the board stops. Returns the file.
 */
function openBrowser(url: string, dataDir: string): string {
  const file = path.join(privateDir(dataDir), `board-open-${process.pid}.html`);
  const target = JSON.stringify(url).replaceAll("<", "\\u003c");
  fs.writeFileSync(
    file,
    `<!doctype html><meta charset="utf-8"><title>quartet board</title>` +
      `<meta http-equiv="refresh" content="0;url=${url.replaceAll("&", "&amp;").replaceAll('"', "&quot;")}">` +
      `<script>location.replace(${target})</script><p>Opening the quartet board…</p>\n`,
    { mode: 0o600 },
  );
  const command = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(command, [pathToFileURL(file).href], { detached: true, stdio: "ignore" });
    child.on("error", () =>
      process.stderr.write(`${colors.yellow("warning:")} could not open a browser (${command}); open the URL above\n`),
    );
    child.unref();
  } catch {
    process.stderr.write(`${colors.yellow("warning:")} could not open a browser; open the URL above\n`);
  }
  return file;
}
