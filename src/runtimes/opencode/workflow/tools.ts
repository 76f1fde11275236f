/**
 * Tool names between the IR and OpenCode's permission keys (`read`, `bash`, `github_create_issue`). The IR's
 * neutral tool ids are spelled as Claude Code spells its tools (`Read`, `Bash`, `mcp__github__create_issue`);
 * OpenCode-only tools are `opencode:<key>`.
 *
 * The IR's Edit, Write and NotebookEdit (and the older MultiEdit) are all OpenCode's `edit`, so that
 * direction is many-to-one: `edit` comes back as all of them.
 */
import { runtimeOnlyTool, type ToolMapping } from "../../../contract/workflow/tools.js";

/** Neutral tool id → OpenCode permission key. */
const CLAUDE_TO_OPENCODE: Readonly<Record<string, string>> = {
  Read: "read",
  Edit: "edit",
  Write: "edit",
  MultiEdit: "edit",
  NotebookEdit: "edit",
  Glob: "glob",
  Grep: "grep",
  LS: "list",
  Bash: "bash",
  WebFetch: "webfetch",
  WebSearch: "websearch",
  Agent: "task",
  Task: "task",
  TodoWrite: "todowrite",
  AskUserQuestion: "question",
  Skill: "skill",
};

/**
 * OpenCode permission key → the Claude Code tool its rules become. Claude Code's Edit rules cover every
 * tool that edits files, so `edit` is Edit here; as an agent's tool list it is all of them (editTools).
 */
const OPENCODE_TO_CLAUDE: Readonly<Record<string, readonly string[]>> = {
  read: ["Read"],
  edit: ["Edit"],
  write: ["Write"],
  patch: ["Edit"],
  multiedit: ["Edit"],
  glob: ["Glob"],
  grep: ["Grep"],
  list: ["LS"],
  bash: ["Bash"],
  webfetch: ["WebFetch"],
  websearch: ["WebSearch"],
  task: ["Agent"],
  todowrite: ["TodoWrite"],
  todoread: ["TodoWrite"],
  question: ["AskUserQuestion"],
  skill: ["Skill"],
};

/** An agent's tool list with Edit standing for every editing tool, as OpenCode's `edit` does. */
export function editTools(tools: readonly string[]): string[] {
  return [...new Set(tools.flatMap((t) => (t === "Edit" ? ["Edit", "Write", "NotebookEdit"] : [t])))];
}

/** OpenCode keys that take only an action, never a map of patterns (checked with opencode 1.18.33). */
export const OPENCODE_ACTION_ONLY: ReadonlySet<string> = new Set(["todowrite", "question", "webfetch", "websearch", "doom_loop"]);

/** IR tool → OpenCode permission key. */
export function toOpencodeTool(tool: string): ToolMapping {
  if (tool === "*") return { ok: true, key: "*" };
  if (tool.startsWith("opencode:")) return { ok: true, key: tool.slice("opencode:".length) };
  const only = runtimeOnlyTool(tool);
  if (only) return { ok: false, reason: `${only.name} is ${only.runtime}'s own tool (${tool}): OpenCode has no counterpart` };
  const mcp = /^mcp__([^_](?:[^_]|_(?!_))*)(?:__(.+))?$/.exec(tool);
  if (mcp) return { ok: true, key: `${mcp[1]}_${mcp[2] ?? "*"}` };
  const key = CLAUDE_TO_OPENCODE[tool];
  return key ? { ok: true, key } : { ok: false, reason: `Claude Code's ${tool} tool has no OpenCode counterpart` };
}

/**
 * OpenCode permission key → IR tools. `servers` (the MCP server names of the workflow) tells
 * `github_create_issue` apart from a tool named with an underscore.
 */
export function fromOpencodeTool(key: string, servers: readonly string[]): string[] {
  if (key === "*") return ["*"];
  const builtin = OPENCODE_TO_CLAUDE[key];
  if (builtin) return [...builtin];
  const server = [...servers].sort((a, b) => b.length - a.length).find((s) => key.startsWith(`${s}_`));
  if (server) {
    const tool = key.slice(server.length + 1);
    return [tool === "*" ? `mcp__${server}` : `mcp__${server}__${tool}`];
  }
  if (/^[\w-]+_\*$/.test(key)) return [`mcp__${key.slice(0, -2)}`];
  return [`opencode:${key}`];
}

/** Neutral tool ids and OpenCode keys, for the mapping table in docs/port.md. */
export function opencodeToolTable(): { neutral: string; native: string }[] {
  return Object.entries(CLAUDE_TO_OPENCODE)
    .filter(([cc]) => cc !== "Task")
    .map(([neutral, native]) => ({ neutral, native }));
}
