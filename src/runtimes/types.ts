/**
 * The contract every agent runtime implements. A layer talks to runtimes only through these types;
 * adding a runtime means adding a folder under src/runtimes/ and one line in registry.ts.
 */
import type { Warning } from "../core/errors.js";
import type { LookupEnv } from "../core/paths.js";
import type { StoreReadContext } from "../contract/log-records.js";
import type { RuntimeFidelity } from "../contract/workflow/fidelity.js";
import type { AssetKind, Diagnostic, Scope, Workflow } from "../contract/workflow/ir.js";
import type { Loss, Output } from "../contract/workflow/outputs.js";
import type { PortSettings } from "../contract/workflow/port-settings.js";
import type { SessionState } from "../contract/session-state.js";

/**
 * A runtime's name (`claude`, `opencode`, `codex`, or one registered at startup, see registry.ts): open, so a
 * runtime added outside src/ type-checks; which ids exist is the registry's to say, at run time.
 */
export type RuntimeId = string;

export interface RuntimeAdapter {
  id: RuntimeId;
  displayName: string;
  /**
   * The colour the runtime is drawn in wherever quartet draws runtimes (the usage report, the lab report): one
   * runtime, one colour, so a reader who learned it on one chart reads it on the next. A CSS hex colour.
   */
  color: string;
  // The optional parts below are the runtime's capabilities: a part is present or it is not (registry.ts's
  // runtimesWith lists the runtimes that have one), so no separate declaration can disagree with them.
  /** Usage logs (Layer 1). */
  logs?: LogSource;
  /** Driving the runtime without a person, against a local endpoint (the lab). */
  headless?: HeadlessDriver;
  /** Reading and writing agents, commands, skills, MCP, permissions, hooks and instructions (Layer 3), loaded on demand. */
  workflow?: () => Promise<WorkflowAdapter>;
  /** Running the interactive TUI as a tracked session in tmux (Layer 2). */
  session?: SessionDriver;
  /** Sending the runtime's model requests through quartet's gateway, or why it cannot. */
  gateway?: GatewayClient;
}

/**
 * Whether a runtime can talk to quartet's gateway (the Anthropic Messages API on 127.0.0.1), and how: a tagged
 * value, so a runtime that cannot (Codex speaks OpenAI's Responses API) says why instead of failing later.
 */
export type GatewayClient =
  | {
      supported: true;
      /** Matches the `user-agent` header of this runtime's model requests: how the gateway tells runtimes apart. */
      userAgent: RegExp;
      /**
       * The variables that send a process's Anthropic requests to the gateway at `url` (`http://127.0.0.1:PORT`),
       * given the environment it would otherwise have (the user's, with the session's own variables): a value
       * the runtime merges, such as an inline config, is returned merged.
       */
      env(o: { url: string; env: NodeJS.ProcessEnv }): Record<string, string>;
    }
  | { supported: false; reason: string };

export interface SessionLaunch {
  bin: string;
  /** The worktree (or folder) the agent works in. */
  workdir: string;
  prompt: string | null;
  model: string | null;
  /** quartet's id for the session, a UUID; runtimes that accept one use it as their own session id. */
  sessionId: string;
  /** The session's private folder: the runtime's hook configuration is written here. */
  stateDir: string;
  /** `record.sh SOURCE EVENT STATE [SID] [DETAIL]`: what a hook runs to report an event (see sessions/scripts.ts). */
  recordScript: string;
  /** The environment the runtime would get without quartet (the user's). */
  env: NodeJS.ProcessEnv;
  /**
   * The gateway's URL when the session's requests go through quartet's gateway. Its GatewayClient's variables
   * are in the session's environment already; a runtime whose own settings files can override them sets it
   * again where it wins over those files.
   */
  gatewayUrl?: string | null;
}

export interface SessionCommand {
  argv: string[];
  /** Variables to add to the user's environment. */
  env: Record<string, string>;
  /** The runtime's own session id when it is fixed up front (the ledger's key for this session). */
  runtimeSessionId: string | null;
  /**
   * A prompt the runtime would misread on its command line even after "--": it is typed into the TUI once
   * the TUI is ready, as the person would.
   */
  typedPrompt?: string;
}

export interface SessionDriver {
  binary: string;
  install: string;
  /**
   * True when the runtime's events report every change between working, idle and needs-input; otherwise
   * (Codex reports only finished turns) the screen is read as well, and its verdict shown as a guess.
   */
  eventsComplete: boolean;
  /**
   * Arms of record.sh's `case "$state" in` (sessions/scripts.ts), for a STATE its hooks cannot name up front:
   * each reads the event's JSON on stdin with `field NAME` and sets `state` and `detail`. Without one, stdin
   * is drained and STATE is recorded as given.
   */
  stateRules?: string;
  /** Builds the command line, writing the hook configuration into `stateDir`. */
  launch(o: SessionLaunch): SessionCommand;
  /** A guess from the visible screen, for when no event has arrived yet; null when nothing is recognized. */
  screen(text: string): SessionState | null;
  /** The keys that answer the runtime's permission prompt: allow this once, or deny. Absent: answer in the pane. */
  answers?: { allow: readonly string[]; deny: readonly string[] };
  /**
   * The command that relaunches an ended session's TUI on its own conversation (`quartet resume`, request
   * changes on an ended session), with a prompt or none. Its hooks report as `launch`'s do.
   */
  resume?(o: SessionLaunch & { runtimeSessionId: string }): SessionCommand;
  /** Finds the runtime's session id after the start, when it cannot be fixed up front. */
  discoverSessionId?(o: { workdir: string; since: number; env: LookupEnv }): string | null;
}

export interface WorkflowReadOptions {
  /** The project folder, or the home folder for user scope. */
  root: string;
  scope: Scope;
  /** The home folder `~/` means. */
  home: string;
  /** $XDG_CONFIG_HOME, else ~/.config: where OpenCode's user configuration lives. */
  configHome: string;
  only: readonly AssetKind[];
}

export interface WorkflowReadResult {
  workflow: Workflow;
  diagnostics: Diagnostic[];
}

export interface WorkflowWriteOptions {
  workflow: Workflow;
  root: string;
  scope: Scope;
  home: string;
  configHome: string;
  settings: PortSettings;
  /** The source runtime's fidelity declaration: with the writer's own, it gives the loss report its reasons. */
  from: RuntimeFidelity;
  /** Whether an existing file is quartet's own (written by a port, unchanged since); anything else is the user's. */
  owns(file: string): boolean;
}

export interface WorkflowWriteResult {
  outputs: Output[];
  losses: Loss[];
  diagnostics: Diagnostic[];
}

export interface WorkflowAdapter {
  /** How this runtime holds each IR field, and how faithfully it reads and writes it. */
  fidelity: RuntimeFidelity;
  read(o: WorkflowReadOptions): WorkflowReadResult;
  /** What it takes to hold `workflow` here: files to write and JSON keys to set; nothing is written. */
  write(o: WorkflowWriteOptions): WorkflowWriteResult;
}

/** How turns reach a headless runtime: a new process per turn that continues the session, or one process. */
export type Delivery = "per-turn" | "long-lived";

export interface HeadlessStart {
  bin: string;
  /** The project folder the runtime works in. */
  workspace: string;
  /** The HOME the runtime runs with (a clean one, or a copy of the user's configuration). */
  home: string;
  /** The local Anthropic-compatible endpoint, e.g. http://127.0.0.1:41234. */
  endpointUrl: string;
  model: string;
  delivery: Delivery;
  turnTimeoutMs: number;
}

export interface TurnOutcome {
  ok: boolean;
  timedOut: boolean;
  exitCode: number | null;
  /** The last lines the runtime printed, for a failed turn. */
  output: string;
}

/** A runtime that could not be started for a lab run; `output` holds its last lines. */
export class RuntimeStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

export interface HeadlessSession {
  turn(prompt: string): Promise<TurnOutcome>;
  close(): Promise<void>;
}

export interface HeadlessDriver {
  /** The executable's name, looked up on PATH and in quartet's node_modules/.bin. */
  binary: string;
  /** How to install the runtime, for the message when it is missing. */
  install: string;
  /** The project instructions file this runtime reads. */
  instructionsFile: string;
  /**
   * Fills `home` for a run: nothing for a clean run, else the user's configuration without credentials.
   * Returns what was copied, for the report.
   */
  prepareHome(o: { home: string; userHome: string; clean: boolean }): string[];
  start(o: HeadlessStart): Promise<HeadlessSession>;
  /**
   * How a person points this runtime at a running lab endpoint by hand (`quartet lab serve` prints it under the
   * runtime's name): lines of text, with the lab's dummy key. Absent: the runtime is driven only by `lab run`.
   */
  pointAt?(o: { endpointUrl: string }): string[];
}

export type SourceSpec =
  /**
   * A JSON-lines log, read with the `parser` exported by the module at `parser` (a file URL, from
   * runtimes/log-parsers.ts), which the ledger loads in its reader threads.
   */
  | { kind: "jsonl"; runtime: RuntimeId; path: string; parser: string }
  | {
      kind: "store";
      runtime: RuntimeId;
      /** A database file or a folder of JSON files. */
      path: string;
      /** Cheap fingerprint (sizes, mtimes); an unchanged fingerprint means nothing new to read. */
      fingerprint(): string;
      /** Reads new or changed records and returns the state to keep for next time. */
      read(ctx: StoreReadContext<any>): Promise<unknown>;
      /** Rough amount of work, in bytes, for the progress bar. */
      size(): number;
    };

/** A place a runtime's logs may be, and whether anything was found there. */
export interface LookedPlace {
  runtime: RuntimeId;
  path: string;
  /** Why this place: a default, or the variable that named it. */
  origin: string;
  found: boolean;
}

export interface Discovery {
  sources: SourceSpec[];
  looked: LookedPlace[];
  warnings: Warning[];
}

export interface LogSource {
  /**
   * Finds the logs. JSON-lines sources name the module of their parser (the runtime's `log-parser.ts`),
   * loaded only when there is something to read.
   */
  discover(env: LookupEnv): Discovery;
}
