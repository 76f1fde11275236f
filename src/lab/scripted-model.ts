/**
 * The lab's scripted model: answers each request with the next action of the scenario turn it belongs to,
 * as a tool call in the runtime's own tool vocabulary.
 *
 * Tools are matched by role and by their schema's property names, so the same scenario drives Claude Code
 * (`Read {file_path}`, `Edit {file_path, old_string, new_string}`) and OpenCode (`read {filePath}`,
 * `edit {filePath, oldString, newString}`). The turn is found from the last user message that contains one
 * of the scenario's prompts; the action from the number of tool calls made since. Stateless, so a retried
 * request gets the same answer. A request without tools (a title, a summary) is auxiliary: a short text.
 *
 * A runtime that offers no file tools but a shell and `apply_patch` (Codex: `exec_command {cmd}`, and
 * `apply_patch` as a freeform tool) gets reads, searches and listings as shell commands on paths relative
 * to the workspace (its working directory), and edits and new files as patches, as its own model would.
 */
import path from "node:path";
import type { ContentBlock } from "./endpoint.js";
import type { Action, Scenario } from "./scenario.js";

interface ToolSchema {
  name: string;
  input_schema?: { properties?: Record<string, { type?: string }>; required?: string[] };
}

type Role = "read" | "grep" | "glob" | "bash" | "edit" | "write";

const NAMES: Record<Role, RegExp> = {
  read: /^(read|read_?file|view)$/i,
  grep: /^(grep|search)$/i,
  glob: /^(glob|find_?files)$/i,
  bash: /^(bash|shell|exec_?command)$/i,
  edit: /^(edit|str_?replace)$/i,
  write: /^(write|write_?file|create)$/i,
};

const APPLY_PATCH = /^apply_?patch$/i;

const PROPS = {
  path: ["file_path", "filePath", "path"],
  pattern: ["pattern", "query"],
  command: ["command", "cmd"],
  old: ["old_string", "oldString", "old_str"],
  new: ["new_string", "newString", "new_str"],
  content: ["content", "contents"],
};

export interface RequestLike {
  tools?: readonly ToolSchema[] | readonly { name: string }[];
  messages: readonly { role: string; content: string | readonly Record<string, unknown>[] }[];
}

function roleOf(action: Action): Role | "say" {
  return Object.keys(action)[0] === "say" ? "say" : (Object.keys(action).find((k) => k in NAMES) as Role);
}

function findTool(tools: readonly ToolSchema[], role: Role): ToolSchema | undefined {
  return tools.find((t) => NAMES[role].test(t.name)) ?? fallbackTool(tools, role);
}

/** The shell stands in for reading, searching and listing; apply_patch for editing and writing. */
function fallbackTool(tools: readonly ToolSchema[], role: Role): ToolSchema | undefined {
  if (role === "edit" || role === "write") return tools.find((t) => APPLY_PATCH.test(t.name));
  if (role === "read" || role === "grep" || role === "glob") return tools.find((t) => NAMES.bash.test(t.name));
  return undefined;
}

/** A word for a POSIX shell, quoted only when it needs to be. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The shell command that does a read, search or listing, on workspace-relative paths. */
function shellCommand(role: "read" | "grep" | "glob", a: Record<string, unknown>): string {
  if (role === "read") return `cat ${shellWord(a.read as string)}`;
  if (role === "grep")
    return `grep -rn --exclude-dir=.git -- ${shellWord(a.grep as string)} ${shellWord((a.path as string | undefined) ?? ".")}`;
  return `git ls-files --cached --others --exclude-standard -- ${shellWord(`:(glob)${a.glob as string}`)}`;
}

/** An apply_patch patch (Codex's format) that makes the edit, or adds the file. */
function patchOf(role: "edit" | "write", a: Record<string, unknown>): string {
  const lines = (text: string, sign: string) => text.split("\n").map((l) => `${sign}${l}`);
  if (role === "write") {
    const w = a.write as { path: string; content: string };
    return ["*** Begin Patch", `*** Add File: ${w.path}`, ...lines(w.content.replace(/\n$/, ""), "+"), "*** End Patch"].join("\n");
  }
  const e = a.edit as { path: string; old: string; new: string };
  return ["*** Begin Patch", `*** Update File: ${e.path}`, "@@", ...lines(e.old, "-"), ...lines(e.new, "+"), "*** End Patch"].join("\n");
}

function prop(tool: ToolSchema, candidates: readonly string[]): string {
  const props = Object.keys(tool.input_schema?.properties ?? {});
  return candidates.find((c) => props.includes(c)) ?? candidates[0]!;
}

/** Arguments for a tool call, in the tool's own property names, with required strings filled in. */
function toolInput(tool: ToolSchema, role: Role, action: Action, workspace: string): Record<string, unknown> {
  const abs = (p: string) => path.join(workspace, p);
  const input: Record<string, unknown> = {};
  const a = action as Record<string, unknown>;
  // A stand-in tool (fallbackTool): the patch is the freeform `input` (a function apply_patch names it so too).
  if (APPLY_PATCH.test(tool.name) && (role === "edit" || role === "write")) return { input: patchOf(role, a) };
  if (NAMES.bash.test(tool.name) && (role === "read" || role === "grep" || role === "glob")) {
    return { [prop(tool, PROPS.command)]: shellCommand(role, a) };
  }
  switch (role) {
    case "read":
      input[prop(tool, PROPS.path)] = abs(a.read as string);
      break;
    case "grep":
      input[prop(tool, PROPS.pattern)] = a.grep;
      if (a.path) input[prop(tool, PROPS.path)] = abs(a.path as string);
      break;
    case "glob":
      input[prop(tool, PROPS.pattern)] = a.glob;
      break;
    case "bash":
      input[prop(tool, PROPS.command)] = a.bash;
      break;
    case "edit": {
      const e = a.edit as { path: string; old: string; new: string };
      input[prop(tool, PROPS.path)] = abs(e.path);
      input[prop(tool, PROPS.old)] = e.old;
      input[prop(tool, PROPS.new)] = e.new;
      break;
    }
    case "write": {
      const w = a.write as { path: string; content: string };
      input[prop(tool, PROPS.path)] = abs(w.path);
      input[prop(tool, PROPS.content)] = w.content;
      break;
    }
  }
  for (const required of tool.input_schema?.required ?? []) {
    if (input[required] === undefined && tool.input_schema?.properties?.[required]?.type === "string") input[required] = "quartet lab step";
  }
  return input;
}

function textOf(content: string | readonly Record<string, unknown>[]): string {
  if (typeof content === "string") return content;
  return content
    .filter((c) => c.type === "text")
    .map((c) => String(c.text ?? ""))
    .join("\n");
}

export interface ScriptedAnswer {
  content: ContentBlock[];
  /** Which turn and action this answers; null for an auxiliary request or an unknown prompt. */
  turn: number | null;
  auxiliary: boolean;
  /** Actions of the turn the runtime offers no tool for. */
  skipped: string[];
}

export function scriptedAnswer(request: RequestLike, scenario: Scenario, workspace: string, n: number): ScriptedAnswer {
  const tools = (request.tools ?? []) as readonly ToolSchema[];
  if (tools.length === 0) return { content: [{ type: "text", text: "quartet lab" }], turn: null, auxiliary: true, skipped: [] };
  const turns = scenario.steps.filter((s): s is Extract<typeof s, { prompt: string }> => "prompt" in s);
  let turn = -1;
  let since = -1;
  request.messages.forEach((m, i) => {
    if (m.role !== "user") return;
    const text = textOf(m.content);
    const found = turns.findIndex((t) => text.includes(t.prompt));
    if (found >= 0) {
      turn = found;
      since = i;
    }
  });
  if (turn < 0) return { content: [{ type: "text", text: "Done." }], turn: null, auxiliary: false, skipped: [] };
  const calls = request.messages
    .slice(since + 1)
    .filter((m) => m.role === "assistant" && Array.isArray(m.content) && m.content.some((c) => c.type === "tool_use")).length;
  const actions = turns[turn]!.actions;
  const skipped = actions.filter((a) => roleOf(a) !== "say" && !findTool(tools, roleOf(a) as Role)).map((a) => roleOf(a));
  const doable = actions.filter((a) => roleOf(a) !== "say" && findTool(tools, roleOf(a) as Role));
  const next = doable[calls];
  if (next) {
    const role = roleOf(next) as Role;
    const tool = findTool(tools, role)!;
    return {
      content: [{ type: "tool_use", id: `toolu_lab_${n}`, name: tool.name, input: toolInput(tool, role, next, workspace) }],
      turn,
      auxiliary: false,
      skipped,
    };
  }
  const say = actions.find((a) => "say" in a) as { say: string } | undefined;
  return { content: [{ type: "text", text: say?.say ?? "Done." }], turn, auxiliary: false, skipped };
}
