/**
 * Test harness for Layer 2: a git repository, a home seeded so the real Claude Code, OpenCode and Codex TUIs
 * start offline, the lab endpoint as their model (each answer held back a little, so a turn is long enough to
 * be seen working), a private tmux server, and `ps --json` polling.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { processAlive } from "../src/core/process.js";
import { ModelSession, parseScenario, startEndpoint, type Endpoint, type LabRequest } from "../src/lab/lab.js";
import { ResponsesSession } from "../src/lab/responses-session.js";
import { labConfigToml } from "../src/runtimes/codex/headless.js";
import type { ResponsesReply } from "../src/lab/responses-wire.js";
import { ROOT, runCli, tempDir, type CliResult } from "./helpers.js";
import { seedOpencodeHome } from "./runtimes.js";

export const SESSION_SCENARIO = `
name: sessions
description: Turns the session tests drive; the second asks for a command that needs the person's permission.
model: claude-sonnet-4-5
steps:
  - prompt: List the files here.
    actions:
      - glob: "*.js"
      - say: There is one JavaScript file.
  - prompt: Create the marker file.
    actions:
      - bash: touch marker.txt
      - say: Created marker.txt.
`;

export interface PsSession {
  name: string;
  runtime: string;
  runtimeSessionId: string | null;
  state: string;
  stateSource: string;
  confidence: string;
  stateDetail: string | null;
  branch: string | null;
  workdir: string;
  tmux: { socket: string; session: string; pane: string | null };
  /** Started with --gateway. */
  gateway: boolean;
  diff: { files: number; insertions: number; deletions: number; untracked: number } | null;
  usage: { requests: number; costUsd: number | null; cacheHitRate: number | null } | null;
}

export interface SessionLab {
  home: string;
  dataDir: string;
  repo: string;
  socket: string;
  notifyLog: string;
  /** Where the person's own Codex notify program (in the seeded ~/.codex/config.toml) writes each event. */
  codexNotifyLog: string;
  /** The lab endpoint; `holdMs` holds every answer that much longer (a turn the test wants to see working). */
  endpoint: Endpoint & { model: ModelSession; holdMs: number };
  env: NodeJS.ProcessEnv;
  cli(args: readonly string[], o?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** `ps --json --no-usage`, with extra environment variables if given. */
  ps(env?: NodeJS.ProcessEnv): Promise<PsSession[]>;
  /** Polls `ps --json` until the session matches, or fails with the states seen on the way. */
  waitFor(
    name: string,
    match: (s: PsSession) => boolean,
    what: string,
    timeoutMs?: number,
    /** Extra environment for `ps`. */
    env?: NodeJS.ProcessEnv,
  ): Promise<{ session: PsSession; seen: string[] }>;
  /**
   * Calls `onSessions` with `ps --json` until it returns true or `timeoutMs` passes (then false); `ps` is asked
   * when something changed, as in waitFor.
   */
  watchPs(onSessions: (sessions: PsSession[]) => boolean, timeoutMs: number): Promise<boolean>;
  /** Every user message text the endpoint received. */
  userTexts(): string[];
  /** What a session's pane shows, the last requests to the model and the sessions' last events: for a failure. */
  whatHappened(session: PsSession): string;
  close(): Promise<void>;
}

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

/**
 * How long a test waits for a runtime's first turn (or its first after a relaunch): OpenCode's took 60-90 s in
 * full runs on a slow two-core host, where three test files drive real runtimes at once (10-20 s alone).
 */
export const FIRST_TURN_MS = 150_000;

export async function sessionLab(
  o: {
    delayMs?: number;
    scenario?: string;
    /** The folder the scripted model's file paths point into (default: the repository). */
    workspace?: (repo: string, dataDir: string) => string;
  } = {},
): Promise<SessionLab> {
  const home = tempDir("quartet-sessions-home-", "file");
  seedOpencodeHome(home);
  const dataDir = tempDir("quartet-sessions-data-", "file");
  const repo = fs.realpathSync(tempDir("quartet-sessions-repo-", "file"));
  const socket = `quartet-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const notifyLog = path.join(dataDir, "notified.log");

  const scenario = parseScenario(o.scenario ?? SESSION_SCENARIO, "sessions.yaml");
  const model = new ModelSession(scenario, o.workspace ? o.workspace(repo, dataDir) : repo);
  const delay = o.delayMs ?? 2500;
  const endpoint = Object.assign({ model, holdMs: 0 }, {} as Endpoint);
  const responses = new ResponsesSession(scenario, o.workspace ? o.workspace(repo, dataDir) : repo, model.clock, model.requests);
  const escalated = new Set(
    scenario.steps.flatMap((st) => ("actions" in st ? st.actions : [])).flatMap((a) => ("bash" in a ? [a.bash] : [])),
  );
  const hold = () => new Promise((r) => setTimeout(r, delay + endpoint.holdMs));
  const inner = await startEndpoint({
    responder: { reply: async (req, ctx) => (await hold(), model.reply(req, ctx)) },
    responses: { reply: async (req, ctx) => (await hold(), askToEscalate(responses.reply(req, ctx), escalated)) },
  });
  Object.assign(endpoint, inner);

  // Claude Code: onboarding done, the lab key approved, the repository trusted.
  fs.writeFileSync(
    path.join(home, ".claude.json"),
    JSON.stringify({
      hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: [LAB_API_KEY.slice(-20)], rejected: [] },
      projects: { [repo]: { hasTrustDialogAccepted: true } },
    }),
  );
  fs.writeFileSync(
    path.join(dataDir, "config.jsonc"),
    JSON.stringify({
      sessions: {
        notify: { bell: false, desktop: false, command: `printf '%s %s\\n' "$QUARTET_SESSION" "$QUARTET_DETAIL" >> ${notifyLog}` },
      },
    }),
  );

  const codexNotifyLog = path.join(dataDir, "codex-user-notify.log");
  fs.mkdirSync(path.join(home, ".codex"), { mode: 0o700 });
  fs.writeFileSync(path.join(home, ".codex", "config.toml"), codexConfig({ url: endpoint.url, repo, notifyLog: codexNotifyLog }), {
    mode: 0o600,
  });

  git(repo, "init", "-q", "-b", "main");
  git(repo, "config", "user.name", "Quartet Test");
  git(repo, "config", "user.email", "test@quartet.invalid");
  fs.writeFileSync(path.join(repo, "app.js"), "console.log('hello');\n");
  fs.writeFileSync(path.join(repo, ".gitignore"), ".env\n");
  fs.writeFileSync(path.join(repo, ".worktreeinclude"), ".env\n");
  fs.writeFileSync(path.join(repo, ".env"), "TOKEN=local-only\n");
  // OpenCode: the endpoint as the anthropic provider, and shell commands asked for.
  fs.writeFileSync(
    path.join(repo, "opencode.json"),
    JSON.stringify({
      $schema: "https://opencode.ai/config.json",
      provider: { anthropic: { options: { baseURL: `${endpoint.url}/v1`, apiKey: LAB_API_KEY } } },
      model: "anthropic/claude-sonnet-4-5",
      autoupdate: false,
      share: "disabled",
      permission: { bash: "ask", edit: "allow", read: "allow", glob: "allow", grep: "allow" },
    }),
  );
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "start");

  const env: NodeJS.ProcessEnv = {
    PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`,
    HOME: home,
    LANG: "C.UTF-8",
    QUARTET_TMUX_SOCKET: socket,
    ANTHROPIC_BASE_URL: endpoint.url,
    ANTHROPIC_API_KEY: LAB_API_KEY,
    // Codex: its provider's env_key (see codexConfig).
    QUARTET_LAB_API_KEY: LAB_API_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    // OpenCode: its bundled model list and no update check, rather than a fetch that fails offline.
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    GIT_CONFIG_NOSYSTEM: "1",
  };
  const cli = (args: readonly string[], c: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
    runCli(args, { dataDir, cwd: c.cwd ?? repo, env: { ...env, ...c.env } });
  const ps = async (extra?: NodeJS.ProcessEnv) => {
    const r = await cli(["ps", "--json", "--no-usage"], { env: extra });
    if (r.code !== 0) throw new Error(`ps failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { sessions: PsSession[] }).sessions;
  };
  // `ps` is a Node process (about 0.2 s of CPU), and a full run has many tests waiting at once on two cores: it is
  // asked again when the sessions' events or quartet's database changed, else once a second (for what only a
  // screen shows).
  const watchPs = async (onSessions: (sessions: PsSession[]) => boolean, timeoutMs: number, extra?: NodeJS.ProcessEnv) => {
    const deadline = Date.now() + timeoutMs;
    let stamp = "";
    let asked = 0;
    for (;;) {
      if (sessionsStamp(dataDir) !== stamp || Date.now() - asked >= 1000) {
        asked = Date.now();
        const sessions = await ps(extra);
        // Taken after `ps`, which may write the database itself (an event seen during it waits a second).
        stamp = sessionsStamp(dataDir);
        if (onSessions(sessions)) return true;
      }
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  return {
    home,
    dataDir,
    repo,
    socket,
    notifyLog,
    codexNotifyLog,
    endpoint,
    env,
    cli,
    ps,
    async waitFor(name, match, what, timeoutMs = 60_000, extra) {
      const seen: string[] = [];
      let s: PsSession | undefined;
      const done = await watchPs(
        (sessions) => {
          s = sessions.find((x) => x.name === name);
          if (!s) return false;
          const label = `${s.state}/${s.stateSource}`;
          if (seen.at(-1) !== label) seen.push(label);
          return match(s);
        },
        timeoutMs,
        extra,
      );
      if (done) return { session: s!, seen };
      throw new Error(
        `${name} did not become ${what} within ${timeoutMs / 1000}s; states seen: ${seen.join(" → ")}\n` +
          whatHappened(socket, s?.tmux.pane ?? null, endpoint.model.requests, dataDir),
      );
    },
    watchPs: (onSessions, timeoutMs) => watchPs(onSessions, timeoutMs),
    whatHappened: (session) => whatHappened(socket, session.tmux.pane, endpoint.model.requests, dataDir),
    userTexts() {
      const out: string[] = [];
      for (const r of endpoint.model.requests) {
        const body = r.body as { messages?: { role: string; content: unknown }[]; input?: unknown };
        // The Responses API (Codex): user messages among the input items, their text in `input_text` parts.
        const messages =
          body.messages ??
          (Array.isArray(body.input) ? (body.input as { role?: string; content: unknown }[]) : []).map((m) => ({
            role: m.role ?? "",
            content: Array.isArray(m.content)
              ? (m.content as { type: string; text?: string }[]).map((c) => ({ ...c, type: c.type === "input_text" ? "text" : c.type }))
              : m.content,
          }));
        for (const m of messages) {
          if (m.role !== "user") continue;
          if (typeof m.content === "string") out.push(m.content);
          else if (Array.isArray(m.content))
            for (const c of m.content as { type: string; text?: string }[]) if (c.type === "text" && c.text) out.push(c.text);
        }
      }
      return out;
    },
    async close() {
      // The runtimes write into the temporary home until they have exited; wait for them before it is removed.
      const pids = spawnSync("tmux", ["-L", socket, "list-panes", "-a", "-F", "#{pane_pid}"], { encoding: "utf8" })
        .stdout.split("\n")
        .filter(Boolean)
        .map(Number);
      spawnSync("tmux", ["-L", socket, "kill-server"]);
      const deadline = Date.now() + 10_000;
      while (pids.some(processAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // A runtime's children (OpenCode's server, a hook still running, a pane killed mid-test) can outlive
      // the pane and keep writing into the home; every process still holding it is ended too.
      await endProcessesWithHome(home);
      removeTmuxSocket(socket);
      await inner.close();
    },
  };
}

/**
 * For a failed wait: the pane's screen and the last requests the scripted model answered (which turn each
 * matched, and the end of its last user message), so a failure on a slow machine says what the runtime saw.
 */
function whatHappened(socket: string, pane: string | null, requests: readonly LabRequest[], dataDir: string): string {
  const screen = pane
    ? spawnSync("tmux", ["-L", socket, "capture-pane", "-p", "-t", pane], { encoding: "utf8" }).stdout.replace(/\s+$/, "")
    : "(no pane)";
  const asked = requests.slice(-4).map((r) => {
    const body = r.body as { messages?: { role: string; content: unknown }[] };
    const lastUser = [...(body.messages ?? [])].reverse().find((m) => m.role === "user");
    const text = lastUser ? JSON.stringify(lastUser.content).slice(-160) : "-";
    return `  #${r.n} ${r.kind} turn=${r.turn ?? "-"} status=${r.status}${r.error ? ` (${r.error})` : ""}: ${text}`;
  });
  // Each session's last events: which hooks (or plugin events) the runtime reported, in order.
  const sessions = path.join(dataDir, "sessions");
  const events = (fs.existsSync(sessions) ? fs.readdirSync(sessions) : []).flatMap((dir) => {
    const file = path.join(sessions, dir, "events.jsonl");
    if (!fs.existsSync(file)) return [];
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-10);
    return [`  ${dir}:`, ...lines.map((l) => `    ${l}`)];
  });
  return `screen:\n${screen}\nlast requests to the model:\n${asked.join("\n") || "  (none)"}\nlast events:\n${events.join("\n") || "  (none)"}`;
}

/**
 * The person's ~/.codex/config.toml: the lab endpoint as a model provider whose key comes from an env
 * variable (the dummy key), approvals on request in a read-only sandbox (so a write asks the person), the
 * repository trusted, the model offer already seen, and a notify program of their own that quartet must
 * keep running.
 */
function codexConfig(o: { url: string; repo: string; notifyLog: string }): string {
  return [
    `notify = ["sh", "-c", ${JSON.stringify(`printf '%s\\n' "$1" >> '${o.notifyLog}'`)}, "user-notify"]`,
    labConfigToml({ endpointUrl: o.url, model: "gpt-5.5", approvalPolicy: "on-request", sandboxMode: "read-only" }),
    `[projects.${JSON.stringify(o.repo)}]`,
    'trust_level = "trusted"',
    "",
    "[notice.model_migrations]",
    '"gpt-5.5" = "gpt-6-sol"',
    "",
  ].join("\n");
}

/**
 * The scenario's shell commands, as Codex's model would send them in a read-only sandbox: asking to run
 * outside it (`sandbox_permissions: "require_escalated"`), which Codex puts to the person.
 */
function askToEscalate(reply: ResponsesReply, commands: ReadonlySet<string>): ResponsesReply {
  if (reply.kind !== "response") return reply;
  for (const item of reply.output) {
    if (item.type !== "function_call" || item.name !== "exec_command") continue;
    const args = JSON.parse(item.arguments) as { cmd?: string };
    if (args.cmd && commands.has(args.cmd))
      item.arguments = JSON.stringify({ ...args, sandbox_permissions: "require_escalated", justification: "Write in the workspace" });
  }
  return reply;
}

/** Ends (SIGKILL) every process of this user whose environment has HOME=`home`, and waits until they are gone. */
async function endProcessesWithHome(home: string): Promise<void> {
  const holders = () =>
    fs
      .readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
      .filter((d) => {
        try {
          return fs.readFileSync(`/proc/${d}/environ`, "latin1").split("\0").includes(`HOME=${home}`);
        } catch {
          return false; // gone, or not ours
        }
      })
      .map(Number);
  const deadline = Date.now() + 10_000;
  for (let left = holders(); left.length > 0 && Date.now() < deadline; left = holders()) {
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sizes and times of quartet's database and every session's events file: a change means `ps` may say more. */
function sessionsStamp(dataDir: string): string {
  const files = fs
    .readdirSync(dataDir)
    .filter((f) => f.startsWith("quartet.db"))
    .map((f) => path.join(dataDir, f));
  const sessions = path.join(dataDir, "sessions");
  if (fs.existsSync(sessions)) for (const id of fs.readdirSync(sessions)) files.push(path.join(sessions, id, "events.jsonl"));
  return files
    .map((f) => {
      const st = fs.statSync(f, { throwIfNoEntry: false });
      return st ? `${st.size}:${st.mtimeMs}` : "-";
    })
    .join(",");
}

/**
 * Reads every process's command line over and over until stopped; returns the ones holding `needles`. Without
 * pause while sessions start, which is when quartet's launchers live (for milliseconds); after `started()`, every
 * 100 ms: a scan without pause keeps a core busy, and over a two-minute test on two cores that slowed everything
 * else in a full run. What the running sessions start lives longer than that.
 */
export function watchCommandLines(needles: readonly string[]): { started(): void; stop(): Promise<string[]> } {
  const hits = new Set<string>();
  let running = true;
  let pauseMs = 0;
  const loop = (async () => {
    while (running) {
      for (const pid of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(pid)) continue;
        let cmdline: string;
        try {
          cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        } catch {
          continue;
        }
        if (needles.some((n) => cmdline.includes(n))) hits.add(cmdline);
      }
      await new Promise((r) => (pauseMs > 0 ? setTimeout(r, pauseMs) : setImmediate(r)));
    }
  })();
  return {
    started() {
      pauseMs = 100;
    },
    async stop() {
      running = false;
      await loop;
      return [...hits];
    },
  };
}

/** The pane's process id, to kill the runtime the way a crash would. */
export function panePid(socket: string, pane: string): number {
  const r = spawnSync("tmux", ["-L", socket, "display-message", "-p", "-t", pane, "#{pane_pid}"], { encoding: "utf8" });
  return Number(r.stdout.trim());
}

export function paneText(socket: string, pane: string): string {
  return spawnSync("tmux", ["-L", socket, "capture-pane", "-p", "-t", pane], { encoding: "utf8" }).stdout;
}

/** Running, not merely not yet collected by its parent (tmux reaps a pane's process when it gets to it). */
export { processRunning as isAlive } from "../src/core/process.js";

/** tmux leaves its socket file behind after kill-server; the tests' own sockets are removed. */
export function removeTmuxSocket(socket: string): void {
  fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
}
