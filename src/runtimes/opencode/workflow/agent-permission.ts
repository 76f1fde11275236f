/**
 * A Claude Code subagent's permissions as an OpenCode agent's `permission`, never wider than in Claude Code.
 *
 * In Claude Code an agent's `tools` only says which tools it has: the project's rules still decide each call
 * (deny > ask > allow, else the mode's default). OpenCode appends an agent's rules after the project's and
 * takes the last match, so an agent that said `bash: allow` would override the project's `rm *: deny`.
 * Here the agent's rules start with `* deny` (the tools it lacks) and then restate, for each tool it has,
 * every rule that applies to that tool at the project level, in order: OpenCode then decides each call of
 * the agent exactly as the project does, as Claude Code would.
 */
import type { Agent, PermissionAction, PermissionMode } from "../../../contract/workflow/ir.js";
import { OPENCODE_DEFAULTS, opencodeWildcard } from "./rules.js";
import { assemble, toOpencodePermission, type OpencodeEntry, type OpencodePermission, type OpencodeRuleset } from "./permissions.js";
import { toOpencodeTool } from "./tools.js";

/** OpenCode keys whose calls only read: Claude Code needs no permission for them, in any mode. */
const READ_ONLY_KEYS = ["read", "glob", "grep", "list"];
/** OpenCode keys of the tools Claude Code asks about when no rule matches (its default mode). */
export const CLAUDE_ASKS_BY_DEFAULT: readonly string[] = ["bash", "edit", "webfetch"];

export type AgentPermissionSource = Pick<Agent, "tools" | "disallowedTools" | "permissionMode" | "permission">;

/** The project's rules as the target holds them; `inTarget` false: its defaults are not in the target's config. */
export interface ProjectRuleset extends OpencodeRuleset {
  inTarget: boolean;
}

/**
 * The agent's `permission` (undefined when the project's rules already decide everything as they should),
 * and what could not be kept. `project` is what the target's top-level `permission` will hold.
 */
export function toOpencodeAgentPermission(
  agent: AgentPermissionSource,
  project: ProjectRuleset,
): { value: OpencodePermission | undefined; lossy: string[] } {
  const lossy: string[] = [];
  const entries: OpencodeEntry[] = [];
  const mode = agent.permissionMode;
  const keysOf = (tools: readonly string[]) =>
    tools.flatMap((tool) => {
      const m = toOpencodeTool(tool);
      if (!m.ok) lossy.push(`${tool} dropped: ${m.reason}`);
      return m.ok ? [m.key] : [];
    });
  /**
   * Every project rule for `key`, re-keyed to it, after the default for the tool: the agent's own mode's
   * when it has one (it replaces the project's mode in Claude Code), else the project's.
   */
  const restate = (key: string, withOpencodeDefaults: boolean) => {
    const applies = (e: OpencodeEntry) => opencodeWildcard(key, e.key);
    if (withOpencodeDefaults) for (const e of OPENCODE_DEFAULTS.filter(applies)) entries.push({ ...e, key });
    if (mode === undefined) for (const e of project.defaults.filter(applies)) entries.push({ ...e, key });
    else {
      const own = modeDefault(mode, key);
      if (own) entries.push({ key, pattern: "*", action: own });
    }
    for (const e of project.rules.filter(applies))
      entries.push({ ...e, key, action: mode === "dontAsk" && e.action === "ask" ? "deny" : e.action });
    if (mode === undefined) for (const e of project.last.filter(applies)) entries.push({ ...e, key });
  };

  if (agent.tools) {
    // Only its tools; each then decided as the project decides it.
    entries.push({ key: "*", pattern: "*", action: "deny" });
    for (const key of new Set(keysOf(agent.tools))) restate(key, true);
  } else {
    const keys = new Set<string>();
    // Defaults the target's config does not hold (Claude Code asks before Bash even without settings).
    if (mode === undefined && !project.inTarget) for (const e of project.defaults) keys.add(e.key);
    if (mode === "bypassPermissions" || mode === "dontAsk") {
      // Every tool takes the mode's default; the project's rules still apply on top (never fewer denials).
      entries.push({ key: "*", pattern: "*", action: mode === "bypassPermissions" ? "allow" : "deny" });
      for (const e of [...project.defaults, ...project.rules]) if (e.key !== "*") keys.add(e.key);
      if (mode === "dontAsk") for (const key of READ_ONLY_KEYS) keys.add(key);
    } else if (mode !== undefined) for (const key of CLAUDE_ASKS_BY_DEFAULT) keys.add(key);
    for (const key of keys) restate(key, false);
  }
  // Plan mode edits nothing, whatever a rule allows: last, so that nothing overrides it.
  if (mode === "plan") entries.push({ key: "edit", pattern: "*", action: "deny" });
  for (const key of keysOf(agent.disallowedTools ?? [])) entries.push({ key, pattern: "*", action: "deny" });
  if (agent.permission?.length) {
    const finer = toOpencodePermission(agent.permission, { precedence: "order", topLevel: false });
    lossy.push(...finer.lossy);
    entries.push(...finer.ruleset.rules);
  }
  return { value: entries.length === 0 ? undefined : assemble(entries), lossy };
}

/** What a Claude Code permission mode does with a tool no rule matches, or undefined for OpenCode's own default. */
function modeDefault(mode: PermissionMode, key: string): PermissionAction | undefined {
  switch (mode) {
    case "bypassPermissions":
      return "allow";
    case "dontAsk":
      return READ_ONLY_KEYS.includes(key) ? "allow" : "deny";
    case "acceptEdits":
      return key === "edit" ? "allow" : CLAUDE_ASKS_BY_DEFAULT.includes(key) ? "ask" : undefined;
    default:
      return CLAUDE_ASKS_BY_DEFAULT.includes(key) ? "ask" : undefined;
  }
}
