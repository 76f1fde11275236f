/**
 * Layer 2: agent sessions of any runtime, each in its own git worktree and tmux pane, with their state.
 *
 * `startSession` creates the worktree (or uses the folder as it is with `inPlace`), writes the hook
 * scripts, starts the runtime's TUI with the prompt and watches its first seconds; a runtime that exits at
 * once is reported with its last output and everything it was given is undone. `observe` brings a
 * session's state up to date from its events, its process and, where events are missing, its screen.
 * `stopSession` and `collectGarbage` never delete uncommitted work unless told to.
 */
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { findBinary } from "../core/binaries.js";
import { MissingToolError, NamedError, UsageError } from "../core/errors.js";
import { awaitExit } from "../core/process.js";
import type { LookupEnv, QuartetPaths } from "../core/paths.js";
import type { RuntimeAdapter, SessionCommand, SessionDriver } from "../runtimes/types.js";
import {
  addWorktree,
  branchExists,
  commitOf,
  commitsAhead,
  copyWorktreeIncludes,
  currentBranch,
  deleteBranch,
  isMerged,
  removeWorktree,
  repositoryRoot,
  uncommitted,
  worktreeOfBranch,
} from "./git.js";
import { sessionGateway, type SessionGateway } from "./gateway.js";
import { writeLauncher } from "./launcher.js";
import type { Registry, SessionRow } from "./registry.js";
import { notifyNeedsInput, recordScreenState, recordScript, stateSeen, writeSessionScripts } from "./scripts.js";
import { appendEvent, confidenceOf, eventsFile, foldEvents, readEvents, type Observed } from "./state.js";
import type { PaneStatus, Tmux } from "./tmux.js";

/**
 * The sessions' settings, read only where a session starts: their schema needs zod, whose loading was a third of
 * `quartet ps`'s start-up (about 70 ms), and `ps`, `send` and `stop` never read them.
 */
const loadSettings = () => import("./settings.js");

/** The runtime ended during its first seconds; `output` is the end of what its pane showed. */
export const RuntimeExitedError = NamedError.create<"RuntimeExitedError", { message: string; output: string }>("RuntimeExitedError");

/** A session whose tmux pane no longer exists (the tmux server was killed, or the machine restarted). */
export const StaleSessionError = NamedError.create<"StaleSessionError", { message: string }>("StaleSessionError");

export interface SessionsContext {
  registry: Registry;
  tmux: () => Tmux;
  paths: QuartetPaths;
  lookup: LookupEnv;
  /** The environment the runtimes get (the user's). */
  env: NodeJS.ProcessEnv;
  runtimes: ReadonlyMap<string, RuntimeAdapter>;
  log?(message: string): void;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;

/** Where the worktree of session `name` of repository `repo` goes: under quartet's data folder, per repository. */
export function worktreeDir(dataDir: string, repo: string, name: string): string {
  const key = `${path.basename(repo).replace(/[^A-Za-z0-9._-]/g, "_")}-${crypto.createHash("sha256").update(repo).digest("hex").slice(0, 8)}`;
  return path.join(dataDir, "worktrees", key, name);
}

export function tmuxSessionName(name: string): string {
  return `q-${name}`;
}

/** A short name from the prompt's first words: "Fix the login bug in auth.ts" → fix-the-login-bug. */
export function nameFromPrompt(prompt: string | null, taken: (name: string) => boolean): string {
  const words = (prompt ?? "session")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter(Boolean);
  let base = "";
  for (const w of words) {
    if (base && base.length + w.length + 1 > 24) break;
    base = base ? `${base}-${w}` : w.slice(0, 24);
  }
  base ||= "session";
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}

export interface StartOptions {
  cwd: string;
  runtime: RuntimeAdapter;
  prompt: string | null;
  name?: string;
  taskId?: string;
  base?: string;
  inPlace?: boolean;
  model?: string;
  bin?: string;
  /** How long to watch for a runtime that exits at once. */
  startupMs?: number;
  /** Send the runtime's requests through the gateway running for this data folder (see gateway.ts). */
  gateway?: boolean;
}

function driverOf(runtime: RuntimeAdapter): SessionDriver {
  if (!runtime.session) throw new UsageError(`${runtime.displayName} cannot be run as a session yet`);
  return runtime.session;
}

export async function startSession(ctx: SessionsContext, o: StartOptions): Promise<SessionRow> {
  const driver = driverOf(o.runtime);
  const bin = findBinary(driver.binary, o.bin, ctx.env);
  if (!bin) {
    throw new MissingToolError({
      message: o.bin ? `${o.bin} is not an executable file` : `${driver.binary} is not installed: ${driver.install}`,
    });
  }
  // Before anything is created: a missing gateway leaves nothing to undo.
  const gateway = o.gateway ? sessionGateway({ dataDir: ctx.paths.dataDir, runtime: o.runtime }) : null;
  const tmux = ctx.tmux();
  const taken = (n: string) => ctx.registry.byName(n) !== undefined;
  const name = o.name ?? nameFromPrompt(o.prompt, (n) => taken(n) || tmux.sessionExists(tmuxSessionName(n)));
  if (!NAME.test(name))
    throw new UsageError(`--name "${name}": use letters, digits, - and _ (at most 48, starting with a letter or digit)`);
  const existing = ctx.registry.byName(name);
  if (existing) {
    throw new UsageError(
      `a session named "${name}" already exists (${existing.state}, ${existing.workdir}); choose another --name, or remove it with \`quartet stop ${name}\``,
    );
  }

  const id = crypto.randomUUID();
  const stateDir = path.join(ctx.paths.dataDir, "sessions", id);
  const undo: (() => void)[] = [];
  const rollback = () => {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        // Best effort: the message that follows says what failed first.
      }
    }
  };

  let repo: string | null = null;
  let workdir: string;
  let branch: string | null = null;
  let baseBranch: string | null = null;
  let baseCommit: string | null = null;
  /** The checkout whose `.worktreeinclude` files a new worktree gets. */
  let includeFrom: string | null = null;
  if (o.inPlace) {
    try {
      repo = repositoryRoot(o.cwd);
    } catch {
      repo = null;
    }
    workdir = path.resolve(o.cwd);
    branch = repo ? currentBranch(workdir) : null;
    baseCommit = repo ? commitOf(workdir, "HEAD") : null;
  } else {
    repo = repositoryRoot(o.cwd);
    baseBranch = o.base ?? currentBranch(o.cwd);
    if (!baseBranch) throw new UsageError(`${o.cwd} is on a detached HEAD; name the branch to start from with --base`);
    baseCommit = commitOf(repo, baseBranch);
    if (!baseCommit) throw new UsageError(`--base ${baseBranch}: no such branch or commit in ${repo}`);
    const checkout = worktreeOfBranch(repo, baseBranch);
    if (checkout) {
      // Untracked files are not counted: they are not on the base branch either way.
      const dirty = uncommitted(checkout).filter((l) => !l.startsWith("??"));
      if (dirty.length > 0) {
        const files = dirty.slice(0, 5).map((l) => l.slice(3));
        throw new UsageError(
          `${baseBranch} has uncommitted changes in ${checkout} (${files.join(", ")}${dirty.length > 5 ? `, and ${dirty.length - 5} more` : ""}); ` +
            `the new worktree starts from the last commit and would not have them. Commit or stash them, or run with --in-place.`,
        );
      }
    }
    branch = `quartet/${name}`;
    if (branchExists(repo, branch)) {
      throw new UsageError(
        `the branch ${branch} already exists in ${repo}; choose another --name, or delete the branch (git branch -D ${branch})`,
      );
    }
    workdir = worktreeDir(ctx.paths.dataDir, repo, name);
    if (fs.existsSync(workdir)) throw new UsageError(`${workdir} already exists; remove it or choose another --name`);
    addWorktree(repo, { dir: workdir, branch, base: baseCommit });
    const createdRepo = repo;
    const createdBranch = branch;
    undo.push(() => deleteBranch(createdRepo, createdBranch, true));
    undo.push(() => removeWorktree(createdRepo, workdir, true));
    includeFrom = checkout ?? repo;
  }

  let started: { row: SessionRow; typedPrompt?: string };
  try {
    if (includeFrom) {
      const copied = copyWorktreeIncludes(includeFrom, workdir);
      if (copied.length > 0) ctx.log?.(`copied from .worktreeinclude: ${copied.join(", ")}`);
    }
    const settings = (await loadSettings()).sessionSettings({ configDir: ctx.paths.configDir, projectRoot: workdir });
    // The setup command prepares a new worktree; an --in-place folder is already the user's working copy.
    if (!o.inPlace && settings.setup) runSetup(settings.setup, workdir, ctx);
    writeSessionScripts(stateDir, {
      name,
      runtime: o.runtime.id,
      tmuxSocket: tmux.socket,
      notify: settings.notify,
      stateRules: driver.stateRules,
    });
    undo.push(() => fs.rmSync(stateDir, { recursive: true, force: true }));
    const command = driver.launch({
      bin: bin.path,
      workdir,
      prompt: o.prompt,
      model: o.model ?? null,
      sessionId: id,
      stateDir,
      recordScript: recordScript(stateDir),
      env: ctx.env,
      gatewayUrl: gateway?.url ?? null,
    });
    const now = Date.now();
    const tmuxSession = tmuxSessionName(name);
    // A tmux session of that name without a registry row is left over from a removed session.
    if (tmux.sessionExists(tmuxSession)) tmux.killSession(tmuxSession);
    const row: SessionRow = {
      id,
      name,
      runtime: o.runtime.id,
      runtimeSessionId: command.runtimeSessionId,
      model: o.model ?? null,
      prompt: o.prompt,
      taskId: o.taskId ?? null,
      repo,
      workdir,
      inPlace: o.inPlace === true,
      branch,
      baseBranch,
      baseCommit,
      stateDir,
      tmuxSocket: tmux.socket,
      tmuxSession,
      tmuxPane: null,
      createdAt: now,
      state: o.prompt !== null ? "working" : "idle",
      stateSince: now,
      stateSource: "quartet",
      stateDetail: o.prompt !== null ? "prompt delivered at start" : null,
      eventsOffset: 0,
      endedAt: null,
      exitStatus: null,
      stopped: false,
      discarded: false,
      removedAt: null,
      gateway: gateway !== null,
    };
    ctx.registry.insert(row);
    undo.push(() => ctx.registry.delete(id));
    if (gateway) ctx.log?.(`through the gateway at ${gateway.url}`);
    const pane = startPane(tmux, {
      session: tmuxSession,
      cwd: workdir,
      stateDir,
      argv: command.argv,
      env: sessionEnv(ctx, command, gateway),
    });
    undo.push(() => tmux.killSession(tmuxSession));
    tmux.setTitle(pane, `${name} (${o.runtime.id})`);
    ctx.registry.update(id, { tmuxPane: pane });
    row.tmuxPane = pane;
    await watchStartup(tmux, pane, {
      stateDir,
      eventsOffset: 0,
      ms: o.startupMs ?? envMs(ctx.env, "QUARTET_STARTUP_WAIT_MS", 3000),
      driver,
      after: o.inPlace ? "Nothing was changed." : "The worktree and branch made for it were removed.",
    });
    started = { row, typedPrompt: command.typedPrompt };
  } catch (e) {
    rollback();
    throw e;
  }
  if (started.typedPrompt !== undefined) {
    // The session runs whatever happens now: a prompt that could not be typed is said, not undone.
    const ready = envMs(ctx.env, "QUARTET_READY_WAIT_MS", 60_000);
    const typed = await typeWhenReady(tmux, started.row.tmuxPane!, driver, started.typedPrompt, ready);
    if (typed !== true) ctx.log?.(`${typed}; type the prompt with \`quartet send ${name}\``);
  }
  return started.row;
}

/** The runtime's environment: the user's, the driver's own variables, and what points it at the gateway. */
function sessionEnv(ctx: SessionsContext, command: SessionCommand, gateway: SessionGateway | null): NodeJS.ProcessEnv {
  const env = { ...ctx.env, ...command.env };
  return gateway ? { ...env, ...gateway.env(env) } : env;
}

/** Starts the runtime in a new pane through a launcher script, so its environment is on no command line. */
function startPane(
  tmux: Tmux,
  o: { session: string; cwd: string; stateDir: string; argv: readonly string[]; env: NodeJS.ProcessEnv },
): string {
  const launcher = writeLauncher({ dir: o.stateDir, argv: o.argv, env: o.env });
  try {
    return tmux.start({ session: o.session, cwd: o.cwd, argv: launcher.argv });
  } catch (e) {
    launcher.discard();
    throw e;
  }
}

/** A duration in ms from the environment (tests shorten quartet's waits), else the default. */
function envMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = Number(env[name]);
  return env[name] !== undefined && Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** However slow the machine, a runtime that has neither drawn its screen nor reported by then is left to run. */
const STARTUP_LIMIT_MS = 30_000;

/**
 * Waits until the runtime reports its first state-changing event, or `ms` pass with it running and its
 * screen drawn. A pane that died meanwhile means the runtime could not start: its last output becomes the
 * error. A runtime that fails does so before drawing (Claude Code's "No conversation found" for `--resume`),
 * which on a loaded machine can take longer than `ms`: until its screen shows, the watch goes on.
 */
async function watchStartup(
  tmux: Tmux,
  pane: string,
  o: { stateDir: string; eventsOffset: number; ms: number; driver: SessionDriver; after: string },
): Promise<void> {
  const { stateDir, ms, driver } = o;
  const settled = Date.now() + ms;
  const limit = Date.now() + Math.max(ms, STARTUP_LIMIT_MS);
  let drawn = false;
  for (;;) {
    let status = tmux.panes().get(pane);
    if (unexplained(status)) {
      // tmux reports a pane dead as its terminal closes, a moment before it has reaped the process; panes()
      // prompts a server that lost the SIGCHLD (tmux.ts), and a busy machine can take seconds.
      const statusBy = Date.now() + 10_000;
      while (unexplained(status) && Date.now() < statusBy) {
        await new Promise((r) => setTimeout(r, 50));
        status = tmux.panes().get(pane);
      }
    }
    if (!status || status.dead) {
      // Blank rows and tmux's own "Pane is dead" line say nothing about why it ended.
      const output = status
        ? tmux
            .capture(pane, 200)
            .split("\n")
            .filter((l) => l.trim() !== "" && !l.startsWith("Pane is dead"))
            .slice(-25)
            .join("\n")
        : "";
      throw new RuntimeExitedError({
        message: `${driver.binary} exited at once${howItEnded(status)}; its last output:\n${output || "(nothing)"}\n${o.after}`,
        output,
      });
    }
    // Only an event that changes the state shows the runtime is under way: Claude Code reports SessionStart
    // for `--resume` of a conversation it then cannot find, and SessionEnd (exited) as it exits a moment later.
    const events = readEvents(stateDir, o.eventsOffset).events;
    if (events.some((e) => e.src !== "quartet" && e.state !== "" && e.state !== "exited")) return;
    drawn ||= driver.screen(tmux.capture(pane)) !== null;
    if ((drawn && Date.now() >= settled) || Date.now() >= limit) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Dead, but tmux has not yet said with which status or signal. */
function unexplained(status: PaneStatus | undefined): boolean {
  return status?.dead === true && status.deadStatus === null && status.deadSignal === null;
}

function howItEnded(status: PaneStatus | undefined): string {
  if (status?.deadStatus !== null && status?.deadStatus !== undefined) return ` with status ${status.deadStatus}`;
  if (status?.deadSignal !== null && status?.deadSignal !== undefined) return `, killed by signal ${status.deadSignal}`;
  return "";
}

/**
 * Types a prompt into the runtime's TUI once its screen shows the prompt box (not a dialog, where the text
 * would answer a question the person should answer), then Enter.
 */
async function typeWhenReady(tmux: Tmux, pane: string, driver: SessionDriver, prompt: string, ms: number): Promise<true | string> {
  const deadline = Date.now() + ms;
  while (driver.screen(tmux.capture(pane)) !== "idle") {
    const status = tmux.panes().get(pane);
    if (!status || status.dead) return `${driver.binary} ended before its prompt could be typed in`;
    if (Date.now() >= deadline)
      return `${driver.binary} did not show its prompt box within ${Math.round(ms / 1000)} s (is it waiting for you?)`;
    await new Promise((r) => setTimeout(r, 200));
  }
  await typeAndEnter(tmux, pane, prompt);
  return true;
}

/** Types `text` as the person would, then Enter. */
async function typeAndEnter(tmux: Tmux, pane: string, text: string): Promise<void> {
  tmux.type(pane, text);
  // The TUIs read a burst of input as a paste; Enter sent in the same burst would become a newline in it.
  await new Promise((r) => setTimeout(r, 300));
  tmux.key(pane, "Enter");
}

function runSetup(command: string, workdir: string, ctx: SessionsContext): void {
  ctx.log?.(`setup: ${command}`);
  const r = spawnSync("sh", ["-c", command], { cwd: workdir, env: ctx.env, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) {
    throw new UsageError(`the setup command "${command}" failed in ${workdir} (exit ${r.status ?? r.signal}); the worktree was removed`);
  }
}

/**
 * Relaunches an ended session's TUI in its own worktree and tmux session, on the runtime's own
 * conversation where the runtime can resume one (else a new conversation in the same worktree), with a
 * prompt or none. Used by `quartet resume`, a task's restart and request changes on an ended session.
 */
export async function relaunchSession(ctx: SessionsContext, row: SessionRow, prompt: string | null): Promise<SessionRow> {
  const runtime = ctx.runtimes.get(row.runtime);
  if (!runtime) throw new UsageError(`${row.name}: unknown runtime ${row.runtime}`);
  const driver = driverOf(runtime);
  const tmux = ctx.tmux();
  const live = row.tmuxPane ? tmux.panes().get(row.tmuxPane) : undefined;
  if (live && !live.dead && !row.stopped) throw new UsageError(`${row.name} is still running (\`quartet attach ${row.name}\`)`);
  if (!fs.existsSync(row.workdir)) throw new UsageError(`${row.name}: its worktree ${row.workdir} is gone; start a new session`);
  const bin = findBinary(driver.binary, undefined, ctx.env);
  if (!bin) throw new MissingToolError({ message: `${driver.binary} is not installed: ${driver.install}` });
  // The gateway may have restarted on another port since: the one running now.
  const gateway = row.gateway ? sessionGateway({ dataDir: ctx.paths.dataDir, runtime }) : null;
  const launch = {
    bin: bin.path,
    workdir: row.workdir,
    prompt,
    model: row.model,
    sessionId: row.id,
    stateDir: row.stateDir,
    recordScript: recordScript(row.stateDir),
    env: ctx.env,
    gatewayUrl: gateway?.url ?? null,
  };
  writeSessionScripts(row.stateDir, {
    name: row.name,
    runtime: row.runtime,
    tmuxSocket: tmux.socket,
    notify: (await loadSettings()).sessionSettings({ configDir: ctx.paths.configDir, projectRoot: row.workdir }).notify,
    stateRules: driver.stateRules,
  });
  const resumable = driver.resume !== undefined && row.runtimeSessionId !== null;
  if (resumable) {
    try {
      return await relaunchWith(ctx, row, driver, prompt, driver.resume!({ ...launch, runtimeSessionId: row.runtimeSessionId! }), gateway);
    } catch (e) {
      // A conversation that never got its first answer has nothing to resume (Claude Code: "No conversation
      // found"); the runtime then exits at once and a new conversation starts in the same worktree.
      if (!RuntimeExitedError.isInstance(e)) throw e;
      ctx.log?.(
        `${runtime.displayName} could not continue ${row.name}'s conversation (${e.data.output.split("\n")[0] || "it exited"}): starting a new one in the same worktree`,
      );
    }
  } else {
    ctx.log?.(`${runtime.displayName} cannot continue ${row.name}'s conversation here: starting a new one in the same worktree`);
  }
  return relaunchWith(ctx, row, driver, prompt, driver.launch({ ...launch, sessionId: crypto.randomUUID() }), gateway);
}

async function relaunchWith(
  ctx: SessionsContext,
  row: SessionRow,
  driver: SessionDriver,
  prompt: string | null,
  command: SessionCommand,
  gateway: SessionGateway | null,
): Promise<SessionRow> {
  const tmux = ctx.tmux();
  if (tmux.sessionExists(row.tmuxSession)) tmux.killSession(row.tmuxSession);
  const now = Date.now();
  appendEvent(row.stateDir, { t: now, src: "quartet", ev: "relaunch", state: prompt !== null ? "working" : "idle" });
  const changes: Partial<SessionRow> = {
    stopped: false,
    state: prompt !== null ? "working" : "idle",
    stateSince: now,
    stateSource: "quartet",
    stateDetail: prompt !== null ? "relaunched with a prompt" : "relaunched",
    runtimeSessionId: command.runtimeSessionId,
    endedAt: null,
    exitStatus: null,
    eventsOffset: fs.statSync(eventsFile(row.stateDir)).size,
  };
  ctx.registry.update(row.id, changes);
  const pane = startPane(tmux, {
    session: row.tmuxSession,
    cwd: row.workdir,
    stateDir: row.stateDir,
    argv: command.argv,
    env: sessionEnv(ctx, command, gateway),
  });
  tmux.setTitle(pane, `${row.name} (${row.runtime})`);
  ctx.registry.update(row.id, { tmuxPane: pane });
  await watchStartup(tmux, pane, {
    stateDir: row.stateDir,
    eventsOffset: changes.eventsOffset!,
    ms: envMs(ctx.env, "QUARTET_STARTUP_WAIT_MS", 3000),
    driver,
    after: `Its worktree ${row.workdir} is kept.`,
  });
  if (command.typedPrompt !== undefined) {
    const typed = await typeWhenReady(tmux, pane, driver, command.typedPrompt, envMs(ctx.env, "QUARTET_READY_WAIT_MS", 60_000));
    if (typed !== true) ctx.log?.(`${typed}; type the prompt with \`quartet send ${row.name}\``);
  }
  return { ...row, ...changes, tmuxPane: pane };
}

/** A session's state now: its new events, its process, and where events are missing, its screen. */
export function observe(ctx: SessionsContext, row: SessionRow, panes: ReadonlyMap<string, PaneStatus>): SessionRow {
  const driver = ctx.runtimes.get(row.runtime)?.session;
  const read = readEvents(row.stateDir, row.eventsOffset);
  let o: Observed = foldEvents(
    { state: row.state, since: row.stateSince, source: row.stateSource, detail: row.stateDetail, runtimeSessionId: row.runtimeSessionId },
    read.events,
  );
  let endedAt = row.endedAt;
  let exitStatus = row.exitStatus;
  const pane = row.tmuxPane ? panes.get(row.tmuxPane) : undefined;
  if (row.stopped) {
    o = { ...o, state: "exited", source: "process" };
  } else if (!pane) {
    if (!(o.state === "exited" && o.source === "process")) {
      const now = Date.now();
      o = { ...o, state: "exited", since: now, source: "process", detail: "its tmux pane is gone" };
      endedAt ??= now;
    }
  } else if (pane.dead) {
    if (!(o.state === "exited" && o.source === "process")) {
      const at = pane.deadAt ?? Date.now();
      o = {
        ...o,
        state: "exited",
        since: at,
        source: "process",
        detail: pane.deadStatus !== null ? `exit status ${pane.deadStatus}` : null,
      };
      endedAt ??= at;
      exitStatus = pane.deadStatus;
    }
  } else if (driver && (o.source === "quartet" || o.source === "screen" || !driver.eventsComplete)) {
    const seen = stateSeen(row.stateDir);
    const guess = driver.screen(ctx.tmux().capture(pane.paneId));
    // A screen that agrees with what the runtime itself reported (Codex's notify: idle) leaves it a fact, and
    // so does one read in the moment after the report, which may not be redrawn yet.
    const reported = confidenceOf(o.source) === "high";
    if (guess && guess !== "exited" && !(reported && (guess === o.state || Date.now() - o.since < 1000))) {
      if (guess === "needs-input" && o.state !== "needs-input") notifyNeedsInput(row.stateDir);
      // For a runtime whose prompts only the screen shows (Codex), whatever the row says: while it cannot be saved
      // (another process holds the database), it still says what the screen showed before the prompt, and the next
      // prompt is news only once the file says this one ended. A runtime whose hooks report every change keeps the
      // file itself, and the screen might lag behind a hook's report.
      else if (guess !== "needs-input" && (guess !== o.state || !driver.eventsComplete)) recordScreenState(row.stateDir, guess, seen);
      o = { ...o, state: guess, since: guess === o.state ? o.since : Date.now(), source: "screen", detail: null };
    }
  } else if (driver && o.state !== "idle" && Date.now() - o.since > envMs(ctx.env, "QUARTET_SCREEN_STALE_MS", 15_000)) {
    // Some ends of a turn send no event (Claude Code fires no Stop when the person interrupts with Esc).
    // A state that has not moved for a while and a screen that plainly shows the prompt say it is idle.
    const seen = stateSeen(row.stateDir);
    if (driver.screen(ctx.tmux().capture(pane.paneId)) === "idle") {
      recordScreenState(row.stateDir, "idle", seen);
      o = { ...o, state: "idle", since: Date.now(), source: "screen", detail: null };
    }
  }
  // Looked for while the runtime may still create it; an ended session is not searched for on every look.
  if (!o.runtimeSessionId && driver?.discoverSessionId && o.state !== "exited") {
    o = { ...o, runtimeSessionId: driver.discoverSessionId({ workdir: row.workdir, since: row.createdAt, env: ctx.lookup }) };
  }
  const observed: Partial<SessionRow> = {
    state: o.state,
    stateSince: o.since,
    stateSource: o.source,
    stateDetail: o.detail,
    runtimeSessionId: o.runtimeSessionId,
    eventsOffset: read.offset,
    endedAt,
    exitStatus,
  };
  // Written only when something changed: a look at sessions that did nothing new writes nothing, so it never
  // waits for another process's write.
  const changed = Object.entries(observed).some(([k, v]) => row[k as keyof SessionRow] !== v);
  if (changed) ctx.registry.saveObserved(row.id, observed);
  return { ...row, ...observed };
}

/** Every session `ps` lists, observed now. */
export function listSessions(ctx: SessionsContext): SessionRow[] {
  const rows = ctx.registry.current();
  if (rows.length === 0) return rows;
  const panes = ctx.tmux().panes();
  return rows.map((r) => observe(ctx, r, panes));
}

export function findSession(ctx: SessionsContext, name: string): SessionRow {
  const row = ctx.registry.byName(name);
  if (row) return row;
  const names = ctx.registry.current().map((r) => r.name);
  throw new UsageError(
    `no session named "${name}"${names.length > 0 ? ` (sessions: ${names.join(", ")})` : "; start one with `quartet run`"}`,
  );
}

/** The session's pane, when its runtime is still running there. */
function livePane(ctx: SessionsContext, row: SessionRow, action: string): string {
  const pane = row.tmuxPane ? ctx.tmux().panes().get(row.tmuxPane) : undefined;
  if (!pane) {
    throw new StaleSessionError({
      message: `cannot ${action} ${row.name}: its tmux pane is gone (was the tmux server stopped?); \`quartet stop ${row.name}\` cleans it up`,
    });
  }
  if (pane.dead)
    throw new UsageError(`cannot ${action} ${row.name}: its runtime has exited; \`quartet attach ${row.name}\` shows its last screen`);
  return pane.paneId;
}

/** Types `text` into the session as the person would, then Enter. */
export async function sendToSession(ctx: SessionsContext, name: string, text: string): Promise<SessionRow> {
  const row = findSession(ctx, name);
  const pane = livePane(ctx, row, "send to");
  await typeAndEnter(ctx.tmux(), pane, text);
  const driver = ctx.runtimes.get(row.runtime)?.session;
  appendEvent(row.stateDir, { t: Date.now(), src: "quartet", ev: "send", state: driver?.eventsComplete ? "" : "working" });
  return row;
}

/** Keys `send --key` may press: enough to answer any runtime's prompt, nothing that runs tmux commands. */
const SESSION_KEY = /^(Enter|Escape|Tab|BTab|Up|Down|Left|Right|Space|BSpace|Home|End|PageUp|PageDown|[A-Za-z0-9]|C-[a-z])$/;
export const SESSION_KEYS_HELP = "Enter, Escape, Tab, Up, Down, Left, Right, Space, BSpace, a letter or digit, C-x";

/** Presses keys in the session's pane (answering a runtime's dialog: OpenCode's needs Enter, which `send` types after text). */
export function pressKeys(ctx: SessionsContext, name: string, keys: readonly string[]): SessionRow {
  const bad = keys.find((k) => !SESSION_KEY.test(k));
  if (bad !== undefined) throw new UsageError(`--key ${JSON.stringify(bad)}: not a key quartet sends (${SESSION_KEYS_HELP})`);
  const row = findSession(ctx, name);
  const pane = livePane(ctx, row, "press keys in");
  const tmux = ctx.tmux();
  for (const key of keys) tmux.key(pane, key);
  return row;
}

/**
 * Answers the runtime's permission prompt as the person would in the pane: allow this once, or deny. Only
 * while the session waits for its person, and only for runtimes whose keys are known.
 */
export function answerSession(ctx: SessionsContext, row: SessionRow, answer: "allow" | "deny"): void {
  const driver = ctx.runtimes.get(row.runtime)?.session;
  if (!driver?.answers) throw new UsageError(`${row.name}: answer ${row.runtime}'s prompt in its pane (\`quartet attach ${row.name}\`)`);
  if (row.state !== "needs-input") throw new UsageError(`${row.name} is not waiting for an answer (it is ${row.state})`);
  const pane = livePane(ctx, row, "answer");
  const tmux = ctx.tmux();
  for (const key of driver.answers[answer]) tmux.key(pane, key);
  appendEvent(row.stateDir, { t: Date.now(), src: "quartet", ev: `answer-${answer}`, state: answer === "allow" ? "working" : "idle" });
}

/** What the session's pane shows now (its last lines), for a person deciding how to answer it. */
export function paneQuestion(ctx: SessionsContext, row: SessionRow, lines = 24): string {
  const pane = row.tmuxPane ? ctx.tmux().panes().get(row.tmuxPane) : undefined;
  if (!pane || pane.dead) return "";
  return ctx
    .tmux()
    .capture(pane.paneId)
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""))
    .filter((l) => l.trim() !== "")
    .slice(-lines)
    .join("\n");
}

/**
 * Sessions that ended without being stopped, whose worktree is still there: what `resume --all` brings back
 * after a crash, a killed tmux server or a reboot. (A session the person stopped is resumed only by name.)
 */
export function resumableSessions(ctx: SessionsContext): SessionRow[] {
  return listSessions(ctx).filter((r) => r.state === "exited" && !r.stopped && !r.discarded && fs.existsSync(r.workdir));
}

/** The session's pane, for `attach`: also a dead one, whose last screen is still worth reading. */
export function attachTarget(ctx: SessionsContext, name: string): { bin: string; args: string[] } {
  const row = findSession(ctx, name);
  const pane = row.tmuxPane ? ctx.tmux().panes().get(row.tmuxPane) : undefined;
  if (!pane) {
    throw new StaleSessionError({
      message: `cannot attach to ${row.name}: its tmux pane is gone (was the tmux server stopped?); \`quartet stop ${row.name}\` cleans it up`,
    });
  }
  return ctx.tmux().attachArgs(pane.paneId);
}

export const GRID_SESSION = "quartet-grid";

/** Moves every session's pane into one tiled window; returns how to attach to it. */
export function gridSessions(ctx: SessionsContext): { panes: number; attach: { bin: string; args: string[] } } {
  const tmux = ctx.tmux();
  const panes = tmux.panes();
  const live = ctx.registry
    .current()
    .map((r) => (r.tmuxPane ? panes.get(r.tmuxPane) : undefined))
    .filter((p): p is PaneStatus => p !== undefined && !p.dead)
    .map((p) => p.paneId);
  if (live.length === 0) throw new UsageError("no live sessions to show; start one with `quartet run`");
  tmux.grid(GRID_SESSION, live);
  return { panes: live.length, attach: tmux.attachArgs(live[0]!) };
}

/**
 * How long a stopped runtime may take to exit on its own before it is killed, and so lose what it saves on the
 * way out: OpenCode 1.18 took 0.5 s in quartet's panes, but 3-5 s after a hangup when started by hand in tmux.
 */
const STOP_GRACE_MS = 15_000;

export interface StopOutcome {
  row: SessionRow;
  worktree: "removed" | "kept" | "kept-dirty" | "in-place" | "missing";
  dirtyFiles: string[];
  branch: "deleted" | "kept" | "none";
  commitsAhead: number;
}

/**
 * Stops a session: its pane is closed, and once the runtime has exited, its worktree is removed (unless it
 * holds uncommitted work and `force` is not given) and its branch too if it has no commits of its own.
 */
export async function stopSession(
  ctx: SessionsContext,
  name: string,
  o: { keepWorktree?: boolean; force?: boolean; discard?: boolean } = {},
): Promise<StopOutcome> {
  const row = findSession(ctx, name);
  const tmux = ctx.tmux();
  const pane = row.tmuxPane ? tmux.panes().get(row.tmuxPane) : undefined;
  if (pane) tmux.killPane(pane.paneId);
  if (tmux.sessionExists(row.tmuxSession)) tmux.killSession(row.tmuxSession);
  // The runtime ends on the hangup, but not at once (Claude Code runs its SessionEnd hooks first): its
  // worktree is removed only once nothing there can still be written. Waited for without blocking, so that the
  // board goes on serving its pages meanwhile.
  if (pane && !pane.dead) await awaitExit(pane.pid, STOP_GRACE_MS, () => ctx.log?.(`waiting for ${row.name}'s ${row.runtime} to exit…`));
  const now = Date.now();
  if (!row.stopped) appendEvent(row.stateDir, { t: now, src: "quartet", ev: "stop", state: "exited" });
  const stopped: Partial<SessionRow> = {
    stopped: true,
    state: "exited",
    stateSince: row.state === "exited" ? row.stateSince : now,
    stateSource: "process",
    stateDetail: row.state === "exited" ? row.stateDetail : "stopped",
    endedAt: row.endedAt ?? now,
    discarded: row.discarded || o.discard === true,
  };
  ctx.registry.update(row.id, stopped);
  const out: StopOutcome = { row: { ...row, ...stopped }, worktree: "kept", dirtyFiles: [], branch: "none", commitsAhead: 0 };
  if (row.inPlace || !row.repo || !row.branch) {
    out.worktree = "in-place";
    ctx.registry.update(row.id, { removedAt: now });
    return out;
  }
  out.commitsAhead = row.baseCommit ? commitsAhead(row.repo, row.baseCommit, row.branch) : 0;
  out.branch = branchExists(row.repo, row.branch) ? "kept" : "none";
  if (o.keepWorktree) return out;
  if (fs.existsSync(row.workdir)) {
    out.dirtyFiles = uncommitted(row.workdir).map((l) => l.slice(3));
    if (out.dirtyFiles.length > 0 && !o.force) {
      out.worktree = "kept-dirty";
      return out;
    }
    removeWorktree(row.repo, row.workdir, out.dirtyFiles.length > 0);
    out.worktree = "removed";
  } else {
    removeWorktree(row.repo, row.workdir, false);
    out.worktree = "missing";
  }
  // A branch with no commits of its own holds nothing; one with commits stays for review (and `gc`).
  if (out.branch === "kept" && out.commitsAhead === 0 && deleteBranch(row.repo, row.branch, true)) out.branch = "deleted";
  if (out.branch !== "kept") {
    fs.rmSync(row.stateDir, { recursive: true, force: true });
    ctx.registry.update(row.id, { removedAt: now });
  }
  return out;
}

export interface GcItem {
  row: SessionRow;
  action: "remove" | "keep";
  reason: string;
}

/** What `gc` would do with each ended session: remove it when its branch is merged or discarded. */
export function planGarbage(ctx: SessionsContext): GcItem[] {
  const items: GcItem[] = [];
  for (const row of listSessions(ctx)) {
    if (row.state !== "exited") {
      items.push({ row, action: "keep", reason: `still ${row.state}` });
      continue;
    }
    if (row.inPlace || !row.repo || !row.branch) {
      items.push({ row, action: "remove", reason: "ended (in place: only quartet's record is removed)" });
      continue;
    }
    const dirty = fs.existsSync(row.workdir) ? uncommitted(row.workdir) : [];
    const hasBranch = branchExists(row.repo, row.branch);
    if (row.discarded) {
      items.push({
        row,
        action: "remove",
        reason: `discarded${dirty.length > 0 ? ` (its ${dirty.length} uncommitted files go too)` : ""}`,
      });
    } else if (dirty.length > 0) {
      items.push({
        row,
        action: "keep",
        reason: `uncommitted work in ${dirty.length} file(s) (${dirty
          .slice(0, 3)
          .map((l) => l.slice(3))
          .join(", ")})`,
      });
    } else if (!hasBranch) {
      items.push({ row, action: "remove", reason: `branch ${row.branch} was deleted` });
    } else if (row.baseBranch && branchExists(row.repo, row.baseBranch) && isMerged(row.repo, row.baseBranch, row.branch)) {
      items.push({ row, action: "remove", reason: `branch ${row.branch} is merged into ${row.baseBranch}` });
    } else if (row.baseCommit && commitsAhead(row.repo, row.baseCommit, row.branch) === 0) {
      items.push({ row, action: "remove", reason: `branch ${row.branch} has no commits of its own` });
    } else {
      items.push({ row, action: "keep", reason: `branch ${row.branch} is not merged into ${row.baseBranch ?? "its base"}` });
    }
  }
  return items;
}

export function collectGarbage(ctx: SessionsContext, items: readonly GcItem[]): void {
  const tmux = ctx.tmux();
  for (const { row, action } of items) {
    if (action !== "remove") continue;
    if (tmux.sessionExists(row.tmuxSession)) tmux.killSession(row.tmuxSession);
    if (row.repo && row.branch && !row.inPlace) {
      if (fs.existsSync(row.workdir) || worktreeOfBranch(row.repo, row.branch)) removeWorktree(row.repo, row.workdir, row.discarded);
      if (branchExists(row.repo, row.branch)) deleteBranch(row.repo, row.branch, true);
    }
    fs.rmSync(row.stateDir, { recursive: true, force: true });
    ctx.registry.update(row.id, { removedAt: Date.now() });
  }
}
