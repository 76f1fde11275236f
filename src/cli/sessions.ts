/**
 * Layer 2 commands: `run`, `ps`, `attach`, `send`, `grid`, `stop`, `gc`. The sessions live in quartet's
 * database; `ps` joins each one to its usage in the Layer 1 ledger by the runtime's session id.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import type { Command } from "commander";
import { openDatabase, type Db } from "../core/db.js";
import { UsageError } from "../core/errors.js";
import {
  colors,
  fmtDuration,
  fmtPercent,
  fmtTokens,
  fmtUsd,
  plural,
  renderJson,
  renderTable,
  round6,
  type Column,
} from "../core/output.js";
import { lookupEnv, quartetPaths } from "../core/paths.js";
import type { Figures } from "../ledger/ledger.js";
import { RUNTIMES, runtimeById, runtimesWith } from "../runtimes/registry.js";
import { mapLimited } from "../core/map-limited.js";
import { addBinOptions, binsGiven } from "./runtime-options.js";
import { diffStat, type DiffStat } from "../sessions/git.js";
import { Registry, type SessionRow } from "../sessions/registry.js";
import {
  attachTarget,
  collectGarbage,
  findSession,
  gridSessions,
  listSessions,
  planGarbage,
  pressKeys,
  relaunchSession,
  resumableSessions,
  sendToSession,
  SESSION_KEYS_HELP,
  startSession,
  stopSession,
  type SessionsContext,
} from "../sessions/sessions.js";
import { confidenceOf } from "../sessions/state.js";
import { Tmux } from "../sessions/tmux.js";
import { SessionUsage } from "./session-usage.js";

export function openSessions(): { db: Db; ctx: SessionsContext } {
  const paths = quartetPaths();
  const db = openDatabase(paths.dbFile);
  let tmux: Tmux | undefined;
  const ctx: SessionsContext = {
    registry: new Registry(db),
    tmux: () => (tmux ??= new Tmux(process.env)),
    paths,
    lookup: lookupEnv(),
    env: process.env,
    runtimes: RUNTIMES,
    log: (m) => process.stderr.write(`${colors.dim(m)}\n`),
  };
  return { db, ctx };
}

interface RunFlags {
  runtime: string;
  name?: string;
  task?: string;
  base?: string;
  inPlace?: boolean;
  model?: string;
  gateway?: boolean;
  /** And `--<id>-bin` for each runtime (runtime-options.ts). */
  json?: boolean;
}

export function registerSessions(program: Command): void {
  const startable = runtimesWith("session");
  const run = program
    .command("run")
    .description("start an agent session in its own git worktree and tmux pane")
    .argument("[prompt]", "what the agent should do (delivered at start)")
    .option("--runtime <name>", `runtime: ${startable.map((r) => r.id).join(" | ")}`, "claude")
    .option("--name <name>", "session name (default: from the prompt); the branch is quartet/<name>")
    .option("--task <id>", "the review-board task this session works on")
    .option("--base <branch>", "branch or commit to start from (default: the current branch)")
    .option("--in-place", "work in this folder instead of a new worktree")
    .option("--model <model>", "model for the runtime (its own syntax: sonnet, anthropic/claude-sonnet-4-5, …)")
    .option("--gateway", "send the session's model requests through the running `quartet gateway` (Claude Code, OpenCode)");
  addBinOptions(run, startable)
    .option("--json", "print the new session as JSON")
    .action((prompt: string | undefined, flags: RunFlags) => runCommand(prompt, flags));

  program
    .command("ps")
    .description("every session: state, since when, branch, changes, tokens, cost and cache hit rate")
    .option("--json", "print JSON")
    .option("--no-usage", "skip reading the runtimes' logs for tokens and cost")
    .action((flags: { json?: boolean; usage: boolean }) => psCommand(flags));

  program
    .command("attach")
    .description("open a session's tmux pane in this terminal (detach with Ctrl-b d)")
    .argument("<name>")
    .action((name: string) => {
      const { ctx } = openSessions();
      foreground(attachTarget(ctx, name), name);
    });

  program
    .command("send")
    .description("type a message into a session, exactly as given, then Enter; or press keys (--key)")
    .argument("<name>")
    .argument("[text]")
    .option("--key <keys...>", `press these keys instead (${SESSION_KEYS_HELP}), e.g. --key Down Enter`)
    .action(async (name: string, text: string | undefined, flags: { key?: string[] }) => {
      const { ctx } = openSessions();
      if (flags.key) {
        if (text !== undefined) throw new UsageError("give either a message or --key, not both");
        pressKeys(ctx, name, flags.key);
        process.stdout.write(`pressed ${flags.key.join(" ")} in ${name}\n`);
        return;
      }
      if (text === undefined || text.trim() === "") throw new UsageError("nothing to send: the text is empty");
      await sendToSession(ctx, name, text);
      process.stdout.write(`sent to ${name}\n`);
    });

  program
    .command("resume")
    .description("relaunch ended sessions in their panes, on their own conversations (after a crash or a reboot)")
    .argument("[name]")
    .option("--all", "every ended session whose worktree is still there")
    .option("-m, --message <text>", "a prompt to send as it starts")
    .action(async (name: string | undefined, flags: { all?: boolean; message?: string }) => {
      if ((name === undefined) === (flags.all !== true)) throw new UsageError("name one session, or --all");
      const { ctx } = openSessions();
      const rows = name !== undefined ? [findSession(ctx, name)] : resumableSessions(ctx);
      if (rows.length === 0) process.stdout.write("no ended session to resume\n");
      for (const row of rows) {
        const resumed = await relaunchSession(ctx, row, flags.message ?? null);
        process.stdout.write(`${resumed.name}: relaunched (${resumed.runtime}); \`quartet attach ${resumed.name}\`\n`);
      }
    });

  program
    .command("grid")
    .description("every live session tiled in one tmux window")
    .option("--no-attach", "arrange the grid without attaching to it")
    .action((flags: { attach: boolean }) => {
      const { ctx } = openSessions();
      const grid = gridSessions(ctx);
      if (!flags.attach || !process.stdin.isTTY) {
        process.stdout.write(`${plural(grid.panes, "session")} tiled; attach with: tmux ${grid.attach.args.join(" ")}\n`);
        return;
      }
      foreground(grid.attach, "the grid");
    });

  program
    .command("stop")
    .description("end a session and remove its worktree (kept if it holds uncommitted work, unless --force)")
    .argument("<name>")
    .option("--keep-worktree", "leave the worktree and branch in place")
    .option("--force", "remove the worktree even with uncommitted work in it")
    .option("--discard", "mark the session's branch as discarded: `quartet gc` then deletes it")
    .action((name: string, flags: { keepWorktree?: boolean; force?: boolean; discard?: boolean }) => stopCommand(name, flags));

  program
    .command("gc")
    .description("remove worktrees of ended sessions whose branch is merged or discarded (lists them first)")
    .option("--dry-run", "only list what would be removed")
    .option("--json", "print JSON")
    .action((flags: { dryRun?: boolean; json?: boolean }) => gcCommand(flags));
}

async function runCommand(prompt: string | undefined, flags: RunFlags): Promise<void> {
  const runtime = runtimeById(flags.runtime);
  const bins = binsGiven(flags, [runtime]);
  const { ctx } = openSessions();
  const row = await startSession(ctx, {
    cwd: process.cwd(),
    runtime,
    prompt: prompt ?? null,
    name: flags.name,
    taskId: flags.task,
    base: flags.base,
    inPlace: flags.inPlace,
    model: flags.model,
    bin: bins[runtime.id],
    gateway: flags.gateway,
  });
  if (flags.json) {
    process.stdout.write(renderJson(sessionJson(row, null, null)));
    return;
  }
  const where = row.inPlace ? `in ${row.workdir}` : `on ${row.branch} in ${row.workdir}`;
  process.stdout.write(`started ${colors.bold(row.name)} (${runtime.displayName}) ${where}\n`);
  process.stdout.write(`  quartet attach ${row.name}    quartet send ${row.name} "…"    quartet stop ${row.name}\n`);
}

interface PsRow {
  row: SessionRow;
  diff: DiffStat | null;
  usage: Figures | null;
}

async function psCommand(flags: { json?: boolean; usage: boolean }): Promise<void> {
  const { db, ctx } = openSessions();
  const sessions = listSessions(ctx);
  const usage = new SessionUsage(db);
  if (flags.usage && sessions.some((s) => s.runtimeSessionId)) await usage.refresh(sessions);
  const rows: PsRow[] = await mapLimited(sessions, 4, async (row) => ({
    row,
    diff: row.baseCommit && row.removedAt === null && fs.existsSync(row.workdir) ? await diffStat(row.workdir, row.baseCommit) : null,
    usage: flags.usage ? usage.figures(row) : null,
  }));
  if (flags.json) {
    process.stdout.write(renderJson({ sessions: rows.map((r) => sessionJson(r.row, r.diff, r.usage)) }));
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('No sessions. Start one with: quartet run "what to do"\n');
    return;
  }
  process.stdout.write((await renderTable(rows, PS_COLUMNS)) + "\n");
  if (rows.some((r) => confidenceOf(r.row.stateSource) === "low")) {
    process.stdout.write(colors.dim("? = read from the screen, not reported by the runtime\n"));
  }
}

function stateLabel(row: SessionRow): string {
  const guess = confidenceOf(row.stateSource) === "low" ? "?" : "";
  const text = `${row.state}${guess}`;
  if (row.state === "needs-input") return colors.bold(colors.yellow(text));
  if (row.state === "working") return colors.green(text);
  if (row.state === "exited") return colors.dim(text);
  return text;
}

function ago(ts: number): string {
  return `${fmtDuration(Math.max(0, Date.now() - ts))} ago`;
}

function diffLabel(d: DiffStat | null): string {
  if (!d) return "";
  if (d.files === 0) return "no changes";
  return `+${d.insertions} -${d.deletions} (${d.files} file${d.files === 1 ? "" : "s"})`;
}

const PS_COLUMNS: Column<PsRow>[] = [
  { header: "NAME", value: (r) => r.row.name },
  { header: "RUNTIME", value: (r) => r.row.runtime, hideOrder: 1 },
  { header: "STATE", value: (r) => r.row.state, format: (_v, r) => stateLabel(r.row), fit: "never" },
  { header: "SINCE", value: (r) => ago(r.row.stateSince), fit: "never" },
  { header: "BRANCH", value: (r) => (r.row.inPlace ? `${r.row.branch ?? "-"} (in place)` : (r.row.branch ?? "")), fit: "middle" },
  { header: "CHANGES", value: (r) => diffLabel(r.diff), hideOrder: 2 },
  { header: "TOKENS", value: (r) => (r.usage ? fmtTokens(tokensOf(r.usage)) : ""), align: "right", hideOrder: 3 },
  { header: "COST", value: (r) => (r.usage ? fmtUsd(r.usage.costUsd) : ""), align: "right" },
  { header: "CACHE HIT", value: (r) => (r.usage ? fmtPercent(r.usage.cacheHitRate) : ""), align: "right" },
];

function tokensOf(f: Figures): number {
  return f.inputTokens + f.cacheWriteTokens + f.cacheReadTokens + f.outputTokens;
}

function sessionJson(row: SessionRow, diff: DiffStat | null, usage: Figures | null) {
  return {
    name: row.name,
    id: row.id,
    runtime: row.runtime,
    runtimeSessionId: row.runtimeSessionId,
    state: row.state,
    since: new Date(row.stateSince).toISOString(),
    stateSource: row.stateSource,
    confidence: confidenceOf(row.stateSource),
    stateDetail: row.stateDetail,
    branch: row.branch,
    baseBranch: row.baseBranch,
    workdir: row.workdir,
    inPlace: row.inPlace,
    taskId: row.taskId,
    model: row.model,
    gateway: row.gateway,
    createdAt: new Date(row.createdAt).toISOString(),
    endedAt: row.endedAt ? new Date(row.endedAt).toISOString() : null,
    exitStatus: row.exitStatus,
    tmux: { socket: row.tmuxSocket, session: row.tmuxSession, pane: row.tmuxPane },
    diff,
    usage: usage
      ? {
          requests: usage.requests,
          inputTokens: usage.inputTokens,
          cacheWriteTokens: usage.cacheWriteTokens,
          cacheReadTokens: usage.cacheReadTokens,
          outputTokens: usage.outputTokens,
          costUsd: round6(usage.costUsd),
          cacheHitRate: round6(usage.cacheHitRate),
          cacheTaxUsd: round6(usage.cacheTaxUsd),
        }
      : null,
  };
}

async function stopCommand(name: string, flags: { keepWorktree?: boolean; force?: boolean; discard?: boolean }): Promise<void> {
  const { ctx } = openSessions();
  const out = await stopSession(ctx, name, flags);
  process.stdout.write(`stopped ${name}\n`);
  if (out.worktree === "removed") process.stdout.write(`  removed worktree ${out.row.workdir}\n`);
  if (out.worktree === "kept") process.stdout.write(`  kept worktree ${out.row.workdir}\n`);
  if (out.branch === "deleted") process.stdout.write(`  deleted branch ${out.row.branch} (it had no commits of its own)\n`);
  if (out.branch === "kept" && (out.worktree === "removed" || out.worktree === "missing")) {
    process.stdout.write(
      `  kept branch ${out.row.branch} (${out.commitsAhead} commit${out.commitsAhead === 1 ? "" : "s"}); \`quartet gc\` removes it once merged${out.row.discarded ? " — marked discarded, so gc deletes it" : ""}\n`,
    );
  }
  if (out.worktree === "kept-dirty") {
    const files = out.dirtyFiles.slice(0, 5).join(", ") + (out.dirtyFiles.length > 5 ? `, and ${out.dirtyFiles.length - 5} more` : "");
    process.stderr.write(
      `${colors.yellow("warning:")} kept worktree ${out.row.workdir}: it has uncommitted work (${files}); commit it there, or \`quartet stop ${name} --force\` to delete it\n`,
    );
  }
}

function gcCommand(flags: { dryRun?: boolean; json?: boolean }): void {
  const { ctx } = openSessions();
  const items = planGarbage(ctx);
  const remove = items.filter((i) => i.action === "remove");
  if (flags.json) {
    if (!flags.dryRun) collectGarbage(ctx, items);
    process.stdout.write(
      renderJson({
        dryRun: flags.dryRun === true,
        items: items.map((i) => ({ name: i.row.name, action: i.action, reason: i.reason, workdir: i.row.workdir, branch: i.row.branch })),
      }),
    );
    return;
  }
  if (items.length === 0) {
    process.stdout.write("Nothing to clean up: no sessions.\n");
    return;
  }
  for (const i of items) {
    const verb = i.action === "remove" ? (flags.dryRun ? "would remove" : "remove") : "keep";
    process.stdout.write(`${(i.action === "remove" ? colors.red : colors.dim)(verb.padEnd(12))} ${i.row.name.padEnd(24)} ${i.reason}\n`);
    if (i.action === "remove" && !i.row.inPlace) process.stdout.write(`${" ".repeat(13)}${i.row.workdir} (${i.row.branch})\n`);
  }
  if (flags.dryRun || remove.length === 0) return;
  collectGarbage(ctx, items);
  process.stdout.write(`removed ${remove.length} session${remove.length === 1 ? "" : "s"}\n`);
}

/** Runs tmux attach in this terminal; only a terminal can attach. */
export function foreground(target: { bin: string; args: string[] }, what: string): void {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UsageError(`attaching to ${what} needs a terminal; from a script, run: tmux ${target.args.join(" ")}`);
  }
  const env = { ...process.env };
  delete env.TMUX;
  spawnSync(target.bin, target.args, { stdio: "inherit", env });
}
