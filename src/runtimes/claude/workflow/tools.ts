/**
 * Tool names between Claude Code and the IR. The IR's neutral tool ids are spelled as Claude Code spells its
 * tools, so this is nearly the identity: `Task` is now `Agent`, `mcp__server__*` is `mcp__server`, and a
 * tool only another runtime has (`<runtime>:<name>`) has no Claude Code counterpart.
 */
import { runtimeOnlyTool, type ToolMapping } from "../../../contract/workflow/tools.js";

/** The IR's spelling of a Claude Code tool name (`Task` is now `Agent`). */
export function neutralClaudeTool(name: string): string {
  if (name === "Task") return "Agent";
  // Every tool of a server, written either way.
  return name.startsWith("mcp__") && name.endsWith("__*") ? name.slice(0, -3) : name;
}

/** IR tool → the Claude Code name; another runtime's own tools have none. */
export function toClaudeTool(tool: string): ToolMapping {
  const only = runtimeOnlyTool(tool);
  if (only) return { ok: false, reason: `${only.name} is ${only.runtime}'s own tool (${tool}): Claude Code has no counterpart` };
  return { ok: true, key: tool };
}
