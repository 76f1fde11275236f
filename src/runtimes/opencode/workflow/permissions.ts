/**
 * Permission rules between OpenCode 1.18 and the IR.
 *
 * OpenCode: `permission: { key: action | { pattern: action } }`, flattened in key order after its defaults
 * (everything allowed); the last matching rule wins. `webfetch`, `websearch`, `todowrite`, `question` and
 * `doom_loop` take an action only (checked with `opencode debug config`).
 */
import type { PermissionAction, PermissionMode, PermissionRule, Precedence } from "../../../contract/workflow/ir.js";
import { describeRule, isAction, STRICTNESS } from "../../../contract/workflow/permissions.js";
import { OPENCODE_ACTION_ONLY, fromOpencodeTool, toOpencodeTool } from "./tools.js";

/** OpenCode keys whose tools Claude Code asks about when no rule matches. */
const CLAUDE_ASKS_BY_DEFAULT = ["bash", "edit", "webfetch"];

export type OpencodePermissionValue = PermissionAction | Record<string, PermissionAction>;
export type OpencodePermission = Record<string, OpencodePermissionValue>;

/** OpenCode `permission` (in key order) → IR rules, last match wins. */
export function fromOpencodePermission(value: unknown, servers: readonly string[]): { rules: PermissionRule[]; problems: string[] } {
  const rules: PermissionRule[] = [];
  const problems: string[] = [];
  if (typeof value === "string") {
    if (isAction(value)) rules.push({ tool: "*", action: value });
    else problems.push(`"${value}" is not allow, ask or deny`);
    return { rules, problems };
  }
  if (!value || typeof value !== "object") return { rules, problems: [`expected an action or a map of tools`] };
  for (const [key, v] of Object.entries(value)) {
    const tools = fromOpencodeTool(key, servers);
    if (typeof v === "string") {
      if (!isAction(v)) problems.push(`${key}: "${v}" is not allow, ask or deny`);
      else for (const tool of tools) rules.push({ tool, action: v });
      continue;
    }
    if (!v || typeof v !== "object") {
      problems.push(`${key}: expected an action or a map of patterns`);
      continue;
    }
    for (const [pattern, action] of Object.entries(v as Record<string, unknown>)) {
      if (typeof action !== "string" || !isAction(action)) {
        problems.push(`${key}.${pattern}: "${String(action)}" is not allow, ask or deny`);
        continue;
      }
      for (const tool of tools) rules.push(pattern === "*" ? { tool, action } : { tool, action, pattern });
    }
  }
  return { rules, problems };
}

export interface OpencodePermissionOptions {
  precedence: Precedence;
  defaultMode?: PermissionMode | undefined;
  /** Writing the project's or user's permissions (not an agent's): Claude Code's defaults are added. */
  topLevel: boolean;
}

/** One OpenCode rule: a permission key (itself a wildcard), a pattern, an action. */
export interface OpencodeEntry {
  key: string;
  pattern: string;
  action: PermissionAction;
}

/** What a top-level `permission` holds, the mode's defaults apart from the user's rules, in OpenCode's order. */
export interface OpencodeRuleset {
  defaults: OpencodeEntry[];
  rules: OpencodeEntry[];
  /** The mode's rules that outrank every rule (plan mode's `edit: deny`). */
  last: OpencodeEntry[];
}

/** IR rules → OpenCode `permission`, ordered so that OpenCode's last match decides as the source did. */
export function toOpencodePermission(
  rules: readonly PermissionRule[],
  o: OpencodePermissionOptions,
): { value: OpencodePermission; lossy: string[]; ruleset: OpencodeRuleset } {
  const lossy: string[] = [];
  type Entry = { key: string; pattern?: string; action: PermissionAction; seq: number };
  const defaults: Entry[] = [];
  const entries: Entry[] = [];
  let seq = 0;
  const adder = (list: Entry[]) => (key: string, action: PermissionAction, pattern?: string) =>
    list.push({ key, action, seq: seq++, ...(pattern !== undefined ? { pattern } : {}) });
  const add = adder(entries);

  if (o.topLevel) addModeDefaults(o.defaultMode, adder(defaults), lossy);
  for (const rule of rules) {
    const tool = toOpencodeTool(rule.tool);
    if (!tool.ok) {
      lossy.push(`${describeRule(rule)} dropped: ${tool.reason}`);
      continue;
    }
    if (rule.pattern !== undefined && OPENCODE_ACTION_ONLY.has(tool.key)) {
      // No patterns here: an allow is dropped, a deny or ask covers every call (never fewer checks).
      if (rule.action === "allow") {
        lossy.push(`${describeRule(rule)} dropped: OpenCode's ${tool.key} permission takes no patterns`);
        continue;
      }
      // …or the mode's default for the tool when that is stricter still (dontAsk denies what no rule allows).
      const base = [...defaults].reverse().find((d) => d.key === tool.key || d.key === "*")?.action ?? "allow";
      const action = STRICTNESS[base] > STRICTNESS[rule.action] ? base : rule.action;
      lossy.push(`${describeRule(rule)} became ${action} for every ${tool.key} call: OpenCode's ${tool.key} permission takes no patterns`);
      add(tool.key, action);
      continue;
    }
    add(tool.key, rule.action, rule.pattern);
  }
  if (o.precedence === "action") {
    // deny > ask > allow becomes "allow first, deny last" under last-match-wins (a tool-wide deny after an
    // allowed pattern still denies it, as in Claude Code). Within one action a tool-wide rule goes first.
    entries.sort(
      (a, b) =>
        STRICTNESS[a.action] - STRICTNESS[b.action] ||
        (a.pattern === undefined ? 0 : 1) - (b.pattern === undefined ? 0 : 1) ||
        a.seq - b.seq,
    );
  }
  // The mode's defaults come first, so any rule of the user's for the same tool decides over them; plan
  // mode's denial of edits comes last, so that no rule does.
  const last: Entry[] = o.topLevel && o.defaultMode === "plan" ? [{ key: "edit", action: "deny", seq: seq++ }] : [];
  const value = assemble([...defaults, ...entries, ...last]);
  const plain = (e: Entry): OpencodeEntry => ({ key: e.key, pattern: e.pattern ?? "*", action: e.action });
  return { value, lossy, ruleset: { defaults: defaults.map(plain), rules: entries.map(plain), last: last.map(plain) } };
}

/** OpenCode's `permission` object → its rules in the order OpenCode reads them. */
export function opencodeEntries(value: unknown): OpencodeEntry[] {
  if (typeof value === "string") return isAction(value) ? [{ key: "*", pattern: "*", action: value }] : [];
  if (!value || typeof value !== "object") return [];
  const out: OpencodeEntry[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === "string") {
      if (isAction(v)) out.push({ key, pattern: "*", action: v });
    } else if (v && typeof v === "object") {
      for (const [pattern, action] of Object.entries(v as Record<string, unknown>))
        if (typeof action === "string" && isAction(action)) out.push({ key, pattern, action });
    }
  }
  return out;
}

function addModeDefaults(
  mode: PermissionMode | undefined,
  add: (key: string, action: PermissionAction, pattern?: string) => void,
  lossy: string[],
): void {
  switch (mode ?? "default") {
    case "default":
      // OpenCode allows everything by default; Claude Code asks first for these.
      for (const key of CLAUDE_ASKS_BY_DEFAULT) add(key, "ask");
      return;
    case "acceptEdits":
      add("bash", "ask");
      add("webfetch", "ask");
      add("edit", "allow");
      return;
    case "plan":
      // Its edit denial comes after every rule (see toOpencodePermission): plan mode edits nothing.
      add("bash", "ask");
      add("webfetch", "ask");
      lossy.push("defaultMode plan became edit: deny (OpenCode's plan agent is the closer match)");
      return;
    case "bypassPermissions":
      add("*", "allow");
      return;
    case "dontAsk":
      add("*", "deny");
      for (const key of ["read", "glob", "grep", "list"]) add(key, "allow");
      lossy.push('defaultMode dontAsk became "*": deny with reads allowed');
      return;
    case "auto":
      for (const key of CLAUDE_ASKS_BY_DEFAULT) add(key, "ask");
      lossy.push("defaultMode auto (a classifier decides) has no OpenCode equivalent; Bash, edits and web fetches ask");
      return;
  }
}

/** Entries in order → the OpenCode object: `*` keys first, a key's tool-wide action as its `*` pattern. */
export function assemble(entries: readonly { key: string; pattern?: string; action: PermissionAction }[]): OpencodePermission {
  const byKey = new Map<string, { pattern: string; action: PermissionAction }[]>();
  for (const e of entries) {
    const list = byKey.get(e.key) ?? [];
    const pattern = e.pattern ?? "*";
    const existing = list.findIndex((x) => x.pattern === pattern);
    // A later rule for the same pattern replaces the earlier one, as it would when matched last.
    if (existing >= 0) list.splice(existing, 1);
    list.push({ pattern, action: e.action });
    byKey.set(e.key, list);
  }
  const keys = [...byKey.keys()].sort((a, b) => (a === "*" ? -1 : b === "*" ? 1 : 0));
  const out: OpencodePermission = {};
  for (const key of keys) {
    const list = byKey.get(key)!;
    out[key] = list.length === 1 && list[0]!.pattern === "*" ? list[0]!.action : Object.fromEntries(list.map((x) => [x.pattern, x.action]));
  }
  return out;
}
