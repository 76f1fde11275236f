/**
 * How faithfully each field of each asset ports, per direction. This table is the one source for the loss
 * report's standing reasons, for the README's mapping table (generated, see scripts/fidelity-table.ts) and
 * for the round-trip tests, which check that every field marked lossless both ways comes back unchanged.
 */
import type { AssetKind } from "./ir.js";

/** `n/a`: the source runtime has no such field, so there is nothing to port. */
export type FidelityLevel = "lossless" | "lossy" | "unsupported" | "n/a";
export interface Fidelity {
  level: FidelityLevel;
  reason?: string;
}
export type Direction = "claude-to-opencode" | "opencode-to-claude";

export interface FieldFidelity {
  kind: AssetKind;
  /** The IR field (`description`, `tools`, `extras.claude.memory`). */
  field: string;
  /** How the field appears in each runtime, for the README. */
  claude: string;
  opencode: string;
  "claude-to-opencode": Fidelity;
  "opencode-to-claude": Fidelity;
}

const ok: Fidelity = { level: "lossless" };
const na: Fidelity = { level: "n/a" };
const lossy = (reason: string): Fidelity => ({ level: "lossy", reason });
const none = (reason: string): Fidelity => ({ level: "unsupported", reason });
const NOT_IN_OPENCODE = "OpenCode has no such setting";

export const FIDELITY: readonly FieldFidelity[] = [
  // instructions
  {
    kind: "instructions",
    field: "main",
    claude: "CLAUDE.md",
    opencode: "AGENTS.md",
    "claude-to-opencode": ok,
    "opencode-to-claude": lossy("written as a CLAUDE.md that imports @AGENTS.md, so both runtimes read one file"),
  },
  {
    kind: "instructions",
    field: "imports",
    claude: "@path imports",
    opencode: "`instructions` entries",
    "claude-to-opencode": lossy(
      "OpenCode does not expand @imports: the files are listed in `instructions` (or inlined with --imports inline)",
    ),
    "opencode-to-claude": lossy("globs are expanded to the files that exist now, each imported with @path"),
  },
  {
    kind: "instructions",
    field: "local",
    claude: "CLAUDE.local.md",
    opencode: "–",
    "claude-to-opencode": lossy("OpenCode has no personal instructions file; CLAUDE.local.md is listed in `instructions`, which is shared"),
    "opencode-to-claude": na,
  },
  {
    kind: "instructions",
    field: "rules",
    claude: ".claude/rules/*.md (`paths:`)",
    opencode: "`instructions` entries",
    "claude-to-opencode": lossy("listed in `instructions`; OpenCode loads them always, not only for their `paths`"),
    "opencode-to-claude": na,
  },
  {
    kind: "instructions",
    field: "urls",
    claude: "–",
    opencode: "`instructions` URLs",
    "claude-to-opencode": na,
    "opencode-to-claude": none("Claude Code cannot import a URL"),
  },
  // agents
  {
    kind: "agents",
    field: "name",
    claude: "`name`",
    opencode: "`name`, else the file path",
    "claude-to-opencode": ok,
    "opencode-to-claude": ok,
  },
  {
    kind: "agents",
    field: "description",
    claude: "`description`",
    opencode: "`description`",
    "claude-to-opencode": ok,
    "opencode-to-claude": ok,
  },
  {
    kind: "agents",
    field: "prompt",
    claude: "body",
    opencode: "body / `prompt` (`{file:…}` read)",
    "claude-to-opencode": ok,
    "opencode-to-claude": lossy("`{env:…}` in a config prompt stays text (its value is the user's environment)"),
  },
  {
    kind: "agents",
    field: "model",
    claude: "`model` (alias or id)",
    opencode: "`model` (provider/id)",
    "claude-to-opencode": lossy("an alias is pinned to today's id; ids port unchanged"),
    "opencode-to-claude": lossy("only anthropic/… models exist in Claude Code; others are left out"),
  },
  {
    kind: "agents",
    field: "tools",
    claude: "`tools`",
    opencode: '`permission` (`"*": deny` + allows)',
    "claude-to-opencode": lossy("Edit, Write and NotebookEdit are all OpenCode's edit; tools without a counterpart are left out"),
    "opencode-to-claude": lossy("edit comes back as Edit, Write and NotebookEdit"),
  },
  {
    kind: "agents",
    field: "disallowedTools",
    claude: "`disallowedTools`",
    opencode: "`permission` denies",
    "claude-to-opencode": lossy("Edit, Write and NotebookEdit are all OpenCode's edit"),
    "opencode-to-claude": lossy("edit comes back as Edit, Write and NotebookEdit"),
  },
  {
    kind: "agents",
    field: "permission",
    claude: "–",
    opencode: "`permission` patterns",
    "claude-to-opencode": na,
    "opencode-to-claude": none("Claude Code agents take tool names, not per-command or per-path rules"),
  },
  {
    kind: "agents",
    field: "permissionMode",
    claude: "`permissionMode`",
    opencode: "`permission`",
    "claude-to-opencode": lossy(
      'plan → edit: deny, acceptEdits → edit: allow, bypassPermissions → "*": allow; dontAsk and auto have no equivalent',
    ),
    "opencode-to-claude": na,
  },
  {
    kind: "agents",
    field: "color",
    claude: "`color` (8 names)",
    opencode: "`color` (#hex or theme)",
    "claude-to-opencode": lossy("named colour → hex"),
    "opencode-to-claude": lossy("hex or theme colour → the nearest of Claude Code's 8 names"),
  },
  {
    kind: "agents",
    field: "maxTurns",
    claude: "`maxTurns`",
    opencode: "`steps`",
    "claude-to-opencode": lossy("OpenCode counts model steps, Claude Code agentic turns"),
    "opencode-to-claude": lossy("OpenCode counts model steps, Claude Code agentic turns"),
  },
  {
    kind: "agents",
    field: "mode",
    claude: "–",
    opencode: "`mode`",
    "claude-to-opencode": na,
    "opencode-to-claude": lossy("Claude Code agents are subagents: a primary agent becomes a subagent"),
  },
  {
    kind: "agents",
    field: "temperature",
    claude: "–",
    opencode: "`temperature`, `top_p`",
    "claude-to-opencode": na,
    "opencode-to-claude": none("Claude Code agents take no sampling settings"),
  },
  {
    kind: "agents",
    field: "hidden",
    claude: "–",
    opencode: "`hidden`, `disable`",
    "claude-to-opencode": na,
    "opencode-to-claude": none("Claude Code lists every agent; a disabled one is not ported"),
  },
  {
    kind: "agents",
    field: "extras.claude",
    claude: "`skills`, `mcpServers`, `hooks`, `memory`, `background`, `effort`, `isolation`, `initialPrompt`",
    opencode: "–",
    "claude-to-opencode": none(NOT_IN_OPENCODE),
    "opencode-to-claude": na,
  },
  {
    kind: "agents",
    field: "extras.opencode",
    claude: "–",
    opencode: "`variant`, `options`",
    "claude-to-opencode": na,
    "opencode-to-claude": none("Claude Code has no such setting"),
  },
  // commands
  {
    kind: "commands",
    field: "name",
    claude: "file path (`/git:commit`)",
    opencode: "file path (`/git/commit`)",
    "claude-to-opencode": lossy("a command in a folder is invoked as /folder/name in OpenCode, /folder:name in Claude Code"),
    "opencode-to-claude": lossy("a command in a folder is invoked as /folder:name in Claude Code, /folder/name in OpenCode"),
  },
  {
    kind: "commands",
    field: "description",
    claude: "`description`",
    opencode: "`description`",
    "claude-to-opencode": ok,
    "opencode-to-claude": ok,
  },
  {
    kind: "commands",
    field: "template",
    claude: "body: `$ARGUMENTS`, `$0`…, `!`cmd``, `@file`",
    opencode: "body: `$ARGUMENTS`, `$1`…, `!`cmd``, `@file`",
    "claude-to-opencode": lossy("$N is shifted to OpenCode's 1-based $N+1, whose last placeholder takes all remaining arguments"),
    "opencode-to-claude": lossy("$N is shifted to Claude Code's 0-based $N-1, whose last placeholder takes one argument"),
  },
  {
    kind: "commands",
    field: "model",
    claude: "`model`",
    opencode: "`model`",
    "claude-to-opencode": lossy("an alias is pinned to today's id"),
    "opencode-to-claude": lossy("only anthropic/… models exist in Claude Code"),
  },
  { kind: "commands", field: "agent", claude: "`agent`", opencode: "`agent`", "claude-to-opencode": ok, "opencode-to-claude": ok },
  {
    kind: "commands",
    field: "subtask",
    claude: "`context: fork`",
    opencode: "`subtask`",
    "claude-to-opencode": ok,
    "opencode-to-claude": ok,
  },
  {
    kind: "commands",
    field: "argumentHint",
    claude: "`argument-hint`",
    opencode: "–",
    "claude-to-opencode": none(NOT_IN_OPENCODE),
    "opencode-to-claude": na,
  },
  {
    kind: "commands",
    field: "argumentNames",
    claude: "`arguments` ($name)",
    opencode: "–",
    "claude-to-opencode": lossy("$name becomes its position, $1…"),
    "opencode-to-claude": na,
  },
  {
    kind: "commands",
    field: "allowedTools",
    claude: "`allowed-tools`",
    opencode: "–",
    "claude-to-opencode": none("OpenCode commands cannot pre-approve tools"),
    "opencode-to-claude": na,
  },
  {
    kind: "commands",
    field: "disableModelInvocation",
    claude: "`disable-model-invocation`",
    opencode: "–",
    "claude-to-opencode": none(NOT_IN_OPENCODE),
    "opencode-to-claude": na,
  },
  // skills
  { kind: "skills", field: "name", claude: "folder", opencode: "folder (+ `name`)", "claude-to-opencode": ok, "opencode-to-claude": ok },
  {
    kind: "skills",
    field: "frontmatter",
    claude: "SKILL.md frontmatter",
    opencode: "SKILL.md frontmatter",
    "claude-to-opencode": lossy(
      "OpenCode reads .claude/skills itself; it uses name, description, license, compatibility and metadata and ignores Claude Code's extensions (kept in the file)",
    ),
    "opencode-to-claude": ok,
  },
  { kind: "skills", field: "body", claude: "SKILL.md body", opencode: "SKILL.md body", "claude-to-opencode": ok, "opencode-to-claude": ok },
  {
    kind: "skills",
    field: "files",
    claude: "files beside SKILL.md",
    opencode: "files beside SKILL.md",
    "claude-to-opencode": ok,
    "opencode-to-claude": ok,
  },
  // mcp
  {
    kind: "mcp",
    field: "transport",
    claude: "`type`: stdio, http, sse, ws",
    opencode: "`type`: local, remote",
    "claude-to-opencode": lossy("http and sse are both remote; ws has no equivalent"),
    "opencode-to-claude": lossy("remote does not say HTTP or SSE; written as http"),
  },
  {
    kind: "mcp",
    field: "command",
    claude: "`command`, `args`",
    opencode: "`command` [argv]",
    "claude-to-opencode": ok,
    "opencode-to-claude": ok,
  },
  {
    kind: "mcp",
    field: "env",
    claude: "`env` with ${VAR}, ${VAR:-default}",
    opencode: "`environment` with {env:VAR}",
    "claude-to-opencode": lossy("${VAR:-default} loses its default (OpenCode has none)"),
    "opencode-to-claude": lossy("{file:path} has no Claude Code equivalent"),
  },
  { kind: "mcp", field: "url", claude: "`url`", opencode: "`url`", "claude-to-opencode": ok, "opencode-to-claude": ok },
  { kind: "mcp", field: "headers", claude: "`headers`", opencode: "`headers`", "claude-to-opencode": ok, "opencode-to-claude": ok },
  {
    kind: "mcp",
    field: "oauth",
    claude: "`oauth` (clientId, callbackPort, scopes…)",
    opencode: "`oauth` (clientId, clientSecret, scope)",
    "claude-to-opencode": lossy("only clientId and scopes have a counterpart"),
    "opencode-to-claude": lossy("only clientId and scope have a counterpart"),
  },
  {
    kind: "mcp",
    field: "enabled",
    claude: "–",
    opencode: "`enabled`",
    "claude-to-opencode": na,
    "opencode-to-claude": none("Claude Code turns project servers off in settings (disabledMcpjsonServers), not in .mcp.json"),
  },
  {
    kind: "mcp",
    field: "extras.claude",
    claude: "`timeout`, `headersHelper`, `alwaysLoad`",
    opencode: "–",
    "claude-to-opencode": none("OpenCode's timeout means tool listing, not tool execution; no headers helper"),
    "opencode-to-claude": na,
  },
  // permissions
  {
    kind: "permissions",
    field: "rules",
    claude: "`permissions.allow/ask/deny`",
    opencode: "`permission`",
    "claude-to-opencode": lossy(
      "reordered so OpenCode's last match decides as deny > ask > allow did; WebFetch(domain:…) and other patterns of action-only keys are left out",
    ),
    "opencode-to-claude": lossy(
      "a later, laxer rule that OpenCode applies over an earlier one cannot keep its meaning under deny > ask > allow",
    ),
  },
  {
    kind: "permissions",
    field: "defaultMode",
    claude: "`defaultMode`",
    opencode: "`permission` defaults",
    "claude-to-opencode": lossy(
      "written as explicit rules: Claude Code asks for Bash, edits and web fetches by default, OpenCode allows them",
    ),
    "opencode-to-claude": na,
  },
  {
    kind: "permissions",
    field: "additionalDirectories",
    claude: "`additionalDirectories`",
    opencode: "`external_directory` allows",
    "claude-to-opencode": lossy("a folder becomes an external_directory pattern"),
    "opencode-to-claude": lossy("external_directory patterns become folders"),
  },
  // hooks
  {
    kind: "hooks",
    field: "event",
    claude: "settings `hooks`",
    opencode: "generated plugin `.opencode/plugins/quartet-hooks.js`",
    "claude-to-opencode": lossy(
      "PreToolUse, PostToolUse, UserPromptSubmit, SessionStart, Stop, Notification, PermissionRequest and PreCompact run from a generated plugin; other events have no OpenCode counterpart",
    ),
    "opencode-to-claude": lossy("only hooks in quartet's generated plugin can come back; other plugins are code"),
  },
  {
    kind: "hooks",
    field: "command",
    claude: "`command`",
    opencode: "plugin runs it",
    "claude-to-opencode": lossy(
      "the command gets Claude Code's JSON on stdin with OpenCode's values; exit code 2 blocks a tool call, JSON decisions on stdout are not read",
    ),
    "opencode-to-claude": ok,
  },
  {
    kind: "hooks",
    field: "type",
    claude: "`type`: command, http, prompt, agent, mcp_tool",
    opencode: "–",
    "claude-to-opencode": lossy("only command hooks run from the plugin"),
    "opencode-to-claude": ok,
  },
  {
    kind: "settings",
    field: "model",
    claude: "settings `model`",
    opencode: "`model`",
    "claude-to-opencode": lossy("an alias is pinned to today's id; ids port unchanged"),
    "opencode-to-claude": lossy("only Anthropic models; another provider's model is left out"),
  },
  {
    kind: "settings",
    field: "smallModel",
    claude: "–",
    opencode: "`small_model`",
    "claude-to-opencode": na,
    "opencode-to-claude": none("Claude Code picks its own small model (ANTHROPIC_DEFAULT_HAIKU_MODEL in the environment overrides it)"),
  },
  {
    kind: "settings",
    field: "defaultAgent",
    claude: "–",
    opencode: "`default_agent`",
    "claude-to-opencode": na,
    "opencode-to-claude": none("Claude Code's main session is not one of its agents"),
  },
  {
    kind: "settings",
    field: "env",
    claude: "settings `env`",
    opencode: "–",
    "claude-to-opencode": none("OpenCode has no setting for environment variables; set them in the shell"),
    "opencode-to-claude": na,
  },
  {
    kind: "settings",
    field: "extras",
    claude: "every other settings key",
    opencode: "every other config key",
    "claude-to-opencode": none("each is reported by name: the other runtime has no such setting"),
    "opencode-to-claude": none("each is reported by name: the other runtime has no such setting"),
  },
];

/** A field's fidelity; a field the table does not list is a mistake in quartet (a typo), never "lossless". */
export function fidelityOf(kind: AssetKind, field: string, direction: Direction): Fidelity {
  const row = FIDELITY.find((f) => f.kind === kind && f.field === field);
  if (!row) throw new Error(`the fidelity table has no row for ${kind}.${field}`);
  return row[direction];
}

/** Fields of `kind` that port unchanged in both directions: what a round trip must keep. */
export function losslessBothWays(kind: AssetKind): string[] {
  return FIDELITY.filter(
    (f) => f.kind === kind && f["claude-to-opencode"].level === "lossless" && f["opencode-to-claude"].level === "lossless",
  ).map((f) => f.field);
}
