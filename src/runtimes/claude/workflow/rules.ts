/**
 * How Claude Code decides a subagent's tool call, as quartet reads its settings: a tool the agent lacks is
 * denied; otherwise the project's rules decide, deny over ask over allow whatever their order; with no
 * matching rule, the permission mode's default (reads are free; Bash, edits and web fetches ask).
 *
 * Where Claude Code's documentation leaves a case open (bypassPermissions and deny rules), this takes the
 * stricter reading, so that a port checked against it never allows more than Claude Code would.
 */
import picomatch from "picomatch";
import type { Agent, PermissionAction, PermissionMode, Permissions, PermissionRule } from "../../../contract/workflow/ir.js";

const EDIT_TOOLS = new Set(["Edit", "Write", "NotebookEdit", "MultiEdit"]);
const READ_TOOLS = new Set(["Read", "Glob", "Grep", "LS"]);
const PATH_TOOLS = new Set(["Read", ...EDIT_TOOLS]);

export type ClaudeAgentRules = Pick<Agent, "tools" | "disallowedTools" | "permissionMode">;

/**
 * The action for one call of `tool` with `input` (a Bash command, a project-relative path, a URL; anything
 * for tools that take none) by an agent, under the project's permissions.
 */
export function claudeDecision(
  project: Pick<Permissions, "rules" | "defaultMode"> | undefined,
  agent: ClaudeAgentRules | undefined,
  tool: string,
  input: string,
): PermissionAction {
  if (agent?.tools && !agent.tools.some((t) => sameTool(t, tool))) return "deny";
  if (agent?.disallowedTools?.some((t) => sameTool(t, tool))) return "deny";
  const mode = agent?.permissionMode ?? project?.defaultMode ?? "default";
  if (mode === "plan" && EDIT_TOOLS.has(tool)) return "deny";
  const hits = (project?.rules ?? []).filter((r) => ruleApplies(r, tool) && (r.pattern === undefined || patternMatches(r, tool, input)));
  for (const action of ["deny", "ask", "allow"] as const) if (hits.some((r) => r.action === action)) return action;
  return modeDefault(mode, tool);
}

function modeDefault(mode: PermissionMode, tool: string): PermissionAction {
  if (READ_TOOLS.has(tool)) return "allow";
  switch (mode) {
    case "bypassPermissions":
      return "allow";
    case "acceptEdits":
      return EDIT_TOOLS.has(tool) ? "allow" : "ask";
    case "dontAsk":
      return "deny";
    default:
      return "ask";
  }
}

/** Edit rules cover every tool that edits files; Edit in a tool list stands for all of them too. */
function sameTool(listed: string, tool: string): boolean {
  return listed === tool || (EDIT_TOOLS.has(listed) && EDIT_TOOLS.has(tool) && (listed === "Edit" || tool === "Edit"));
}

function ruleApplies(rule: PermissionRule, tool: string): boolean {
  if (rule.tool === tool) return true;
  return rule.tool === "Edit" && EDIT_TOOLS.has(tool);
}

function patternMatches(rule: PermissionRule, tool: string, input: string): boolean {
  const pattern = rule.pattern!;
  if (tool === "Bash") return bashMatches(pattern, input);
  if (PATH_TOOLS.has(tool)) {
    // gitignore-like: a pattern without a slash matches the name at any depth.
    return picomatch(pattern, { dot: true, basename: !pattern.includes("/") })(input);
  }
  if (tool === "WebFetch" && pattern.startsWith("domain:")) {
    try {
      return new URL(input).hostname === pattern.slice("domain:".length);
    } catch {
      return false;
    }
  }
  return pattern === input;
}

/** `*` is any text; ` *` at the end also matches the bare command (`ls *` matches `ls`, not `lsof`). */
function bashMatches(pattern: string, command: string): boolean {
  let re = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  if (re.endsWith(" .*")) re = `${re.slice(0, -3)}( .*)?`;
  return new RegExp(`^${re}$`, "s").test(command);
}
