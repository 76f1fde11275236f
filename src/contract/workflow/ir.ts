/**
 * The neutral model (IR) of a workflow: what Claude Code, OpenCode and Codex configurations describe, in one
 * shape, so a port is read → IR → write and never runtime-to-runtime.
 *
 * Conventions of the neutral form (each reader converts into them, each writer out of them):
 * - tool ids are neutral (tools.ts beside this file: spelled `Read`, `Edit`, `Bash`, `mcp__server__tool`); a tool
 *   only one runtime has is `<runtime>:<name>`;
 * - command bodies use Claude Code's argument syntax (`$0` is the first argument);
 * - variables in MCP configs use Claude Code's `${VAR}` / `${VAR:-default}`;
 * - paths in permission patterns are relative to the project root, or absolute, or `~/…`.
 * A field with no neutral slot is kept under `extras.<runtime>`, so writing back to the same runtime loses
 * nothing.
 */
import { z } from "zod";

/** A runtime's id (RuntimeId): any runtime with a workflow part can be ported, so the IR names none up front. */
export const WorkflowRuntime = z.string().regex(/^[a-z][a-z0-9-]*$/);
export type WorkflowRuntime = z.infer<typeof WorkflowRuntime>;

export const ASSET_KINDS = ["instructions", "agents", "commands", "skills", "mcp", "permissions", "hooks", "settings"] as const;
export const AssetKind = z.enum(ASSET_KINDS);
export type AssetKind = z.infer<typeof AssetKind>;

/** Project scope (a repository) or user scope (`--global`: the home folder's configuration). */
export type Scope = "project" | "user";

/**
 * Where an asset was read from: a path relative to the root that was read, and a line when known; for an
 * agent or command file, `path` is where it sits below its runtime's folder for them, without `.md`
 * (`review/security`), so that a port puts it at the same place and a port back finds it there.
 */
export const Source = z.object({ file: z.string(), line: z.number().int().positive().optional(), path: z.string().optional() });
export type Source = z.infer<typeof Source>;

const Extras = z.record(z.string(), z.unknown());
/** Fields one runtime has and the IR does not model, keyed by runtime id. */
export const RuntimeExtras = z.partialRecord(WorkflowRuntime, Extras);
export type RuntimeExtras = z.infer<typeof RuntimeExtras>;

/** A model: a provider's id, or a Claude Code alias (`sonnet`) that floats with the provider. */
export const ModelRef = z.union([z.object({ provider: z.string().min(1), id: z.string().min(1) }), z.object({ alias: z.string().min(1) })]);
export type ModelRef = z.infer<typeof ModelRef>;

export const PermissionAction = z.enum(["allow", "ask", "deny"]);
export type PermissionAction = z.infer<typeof PermissionAction>;

/** One permission rule: a tool (neutral name, or `*` for every tool), an optional pattern, an action. */
export const PermissionRule = z.object({
  tool: z.string().min(1),
  /** Command glob for Bash, path glob for Read/Edit, `domain:host` for WebFetch, agent name for Task. */
  pattern: z.string().optional(),
  action: PermissionAction,
});
export type PermissionRule = z.infer<typeof PermissionRule>;

/**
 * How a list of rules is decided: Claude Code takes deny over ask over allow whatever the order
 * ("action"); OpenCode takes the last matching rule ("order").
 */
export const Precedence = z.enum(["action", "order"]);
export type Precedence = z.infer<typeof Precedence>;

export const PermissionMode = z.enum(["default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto"]);
export type PermissionMode = z.infer<typeof PermissionMode>;

export const Permissions = z.object({
  rules: z.array(PermissionRule),
  precedence: Precedence,
  defaultMode: PermissionMode.optional(),
  additionalDirectories: z.array(z.string()).optional(),
  extras: RuntimeExtras,
  source: Source,
});
export type Permissions = z.infer<typeof Permissions>;

export const Agent = z.object({
  /** Claude Code's `name`; OpenCode's file path without `.md` (`team/reviewer`). */
  name: z.string().min(1),
  description: z.string().optional(),
  prompt: z.string(),
  model: ModelRef.optional(),
  /** Allowlist: only these tools. Absent: every tool. */
  tools: z.array(z.string()).optional(),
  disallowedTools: z.array(z.string()).optional(),
  /** Finer rules for this agent (OpenCode's per-agent `permission` patterns). */
  permission: z.array(PermissionRule).optional(),
  permissionMode: PermissionMode.optional(),
  /** As written: a Claude Code colour name, an OpenCode `#rrggbb` or theme colour. */
  color: z.string().optional(),
  /** Claude Code `maxTurns`, OpenCode `steps`. */
  maxTurns: z.number().int().positive().optional(),
  /** OpenCode's mode; Claude Code agents are subagents. */
  mode: z.enum(["primary", "subagent", "all"]).optional(),
  temperature: z.number().optional(),
  topP: z.number().optional(),
  hidden: z.boolean().optional(),
  disabled: z.boolean().optional(),
  extras: RuntimeExtras,
  source: Source,
});
export type Agent = z.infer<typeof Agent>;

export const Command = z.object({
  /** The path below the commands folder without `.md`: `review`, `git/commit`. */
  name: z.string().min(1),
  description: z.string().optional(),
  /** The prompt template, in Claude Code's argument syntax. */
  template: z.string(),
  model: ModelRef.optional(),
  agent: z.string().optional(),
  /** Run as a subagent / forked context (OpenCode `subtask`, Claude Code `context: fork`). */
  subtask: z.boolean().optional(),
  argumentHint: z.string().optional(),
  /** Claude Code's named arguments (`arguments:`), in order: `$name` is argument N. */
  argumentNames: z.array(z.string()).optional(),
  allowedTools: z.array(z.string()).optional(),
  disableModelInvocation: z.boolean().optional(),
  extras: RuntimeExtras,
  source: Source,
});
export type Command = z.infer<typeof Command>;

export const Skill = z.object({
  /** The skill's folder name (its identity in both runtimes). */
  name: z.string().min(1),
  /** Folder of the skill relative to the root, e.g. `.claude/skills/pdf`. */
  dir: z.string(),
  /** The SKILL.md frontmatter as written (both runtimes ignore keys they do not know). */
  frontmatter: z.record(z.string(), z.unknown()),
  body: z.string(),
  /** Other files of the skill, relative to its folder. */
  files: z.array(z.string()),
  extras: RuntimeExtras,
  source: Source,
});
export type Skill = z.infer<typeof Skill>;

export const McpServer = z.object({
  name: z.string().min(1),
  /** `remote` is OpenCode's: HTTP or SSE, not said which. */
  transport: z.enum(["stdio", "http", "sse", "ws", "remote"]),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  url: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  oauth: z.record(z.string(), z.unknown()).optional(),
  enabled: z.boolean().optional(),
  extras: RuntimeExtras,
  source: Source,
});
export type McpServer = z.infer<typeof McpServer>;

export const Hook = z.object({
  /** Claude Code's event name: PreToolUse, PostToolUse, SessionStart, Stop, UserPromptSubmit, … */
  event: z.string().min(1),
  /** Tool-name matcher (exact, `A|B`, or a regular expression), for tool events. */
  matcher: z.string().optional(),
  type: z.string(),
  command: z.string().optional(),
  /** Exec form: `command` is the program and these its arguments, with no shell in between. */
  args: z.array(z.string()).optional(),
  /** Seconds. */
  timeout: z.number().positive().optional(),
  /** Shown while the hook runs (Claude Code's and Codex's `statusMessage`). */
  statusMessage: z.string().optional(),
  /** Runs in the background without holding up the session (Claude Code's and Codex's `async`). */
  async: z.boolean().optional(),
  extras: RuntimeExtras,
  source: Source,
});
export type Hook = z.infer<typeof Hook>;

export const InstructionFile = z.object({
  /** Path relative to the root. */
  file: z.string(),
  text: z.string(),
});
export type InstructionFile = z.infer<typeof InstructionFile>;

export const Instructions = z.object({
  /** CLAUDE.md / AGENTS.md. */
  main: InstructionFile.optional(),
  /** CLAUDE.local.md: personal, usually untracked. */
  local: InstructionFile.optional(),
  /** Files the main file imports (`@path`, kept in `ref`) or the config lists (`instructions`), in order. */
  imports: z.array(InstructionFile.extend({ ref: z.string().optional() })),
  /** Claude Code `.claude/rules/*.md`, with the paths they are scoped to. */
  rules: z.array(InstructionFile.extend({ paths: z.array(z.string()).optional() })),
  /** OpenCode `instructions` entries that are URLs. */
  urls: z.array(z.string()),
  extras: RuntimeExtras,
  source: Source,
});
export type Instructions = z.infer<typeof Instructions>;

/**
 * The runtime's own settings (Claude Code's settings.json, OpenCode's config) beyond the assets above:
 * the models, the default agent, the environment; every other key is kept in extras and reported.
 */
export const Settings = z.object({
  model: ModelRef.optional(),
  smallModel: ModelRef.optional(),
  defaultAgent: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  extras: RuntimeExtras,
  source: Source,
});
export type Settings = z.infer<typeof Settings>;

export const Workflow = z.object({
  runtime: WorkflowRuntime,
  scope: z.enum(["project", "user"]),
  instructions: Instructions.optional(),
  agents: z.array(Agent),
  commands: z.array(Command),
  skills: z.array(Skill),
  mcp: z.array(McpServer),
  permissions: Permissions.optional(),
  hooks: z.array(Hook),
  settings: Settings.optional(),
  /** What was found but cannot port at all (an OpenCode plugin that is code, personal settings, …). */
  unportable: z.array(z.object({ kind: AssetKind, name: z.string(), reason: z.string(), source: Source })),
});
export type Workflow = z.infer<typeof Workflow>;

export function emptyWorkflow(runtime: WorkflowRuntime, scope: Scope): Workflow {
  return { runtime, scope, agents: [], commands: [], skills: [], mcp: [], hooks: [], unportable: [] };
}

/** A problem with one input file; the asset is skipped (or the field dropped), the rest still ports. */
export interface Diagnostic {
  severity: "error" | "warning";
  file: string;
  line?: number;
  field?: string;
  message: string;
}
