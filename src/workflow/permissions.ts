/**
 * Permission rules between Claude Code and OpenCode.
 *
 * Claude Code: `permissions.allow / ask / deny` lists of `Tool` or `Tool(spec)`; deny beats ask beats allow
 * whatever the order; with no rule, reads are allowed and Bash, edits and web fetches ask.
 * OpenCode 1.18: `permission: { key: action | { pattern: action } }`, flattened in key order after its
 * defaults (everything allowed); the last matching rule wins. `webfetch`, `websearch`, `todowrite`,
 * `question` and `doom_loop` take an action only (checked with `opencode debug config`).
 *
 * Converting order to precedence is exact when no earlier rule is stricter than a later one it overlaps;
 * otherwise the loss report names both rules.
 */
import type { PermissionAction, PermissionMode, PermissionRule, Precedence } from "./ir.js";
import { OPENCODE_ACTION_ONLY, fromOpencodeTool, neutralClaudeTool, toClaudeTool, toOpencodeTool } from "./tools.js";

const STRICTNESS: Readonly<Record<PermissionAction, number>> = { allow: 0, ask: 1, deny: 2 };
/** OpenCode keys whose tools Claude Code asks about when no rule matches. */
const CLAUDE_ASKS_BY_DEFAULT = ["bash", "edit", "webfetch"];
const PATH_TOOLS = new Set(["Read", "Edit", "Write", "NotebookEdit", "Glob", "Grep"]);

export type OpencodePermissionValue = PermissionAction | Record<string, PermissionAction>;
export type OpencodePermission = Record<string, OpencodePermissionValue>;

// ---------------------------------------------------------------------------------------------------------
// Claude Code rule strings

export type ParsedRule = { ok: true; rule: PermissionRule } | { ok: false; reason: string };

/** `Bash(npm run test:*)` → `{ tool: "Bash", pattern: "npm run test*" }`. */
export function parseClaudeRule(text: string, action: PermissionAction): ParsedRule {
  const m = /^\s*([\w*-]+)(?:\((.*)\))?\s*$/s.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not Tool or Tool(specifier)` };
  const tool = neutralClaudeTool(m[1]!);
  const spec = m[2]?.trim();
  if (spec === undefined || spec === "" || spec === "*") return { ok: true, rule: { tool, action } };
  if (tool === "Write") return { ok: false, reason: `Claude Code never matches Write(${spec}) (only Read and Edit paths are checked)` };
  if (tool === "Bash") return { ok: true, rule: { tool, action, pattern: spec.replace(/:\*$/, "*") } };
  if (PATH_TOOLS.has(tool)) return { ok: true, rule: { tool, action, pattern: neutralPath(spec) } };
  return { ok: true, rule: { tool, action, pattern: spec } };
}

/** Claude Code's path anchors → the IR's: project-relative, `/absolute` or `~/…`. */
function neutralPath(spec: string): string {
  if (spec.startsWith("//")) return spec.slice(1);
  if (spec.startsWith("~/")) return spec;
  if (spec.startsWith("./")) return spec.slice(2);
  if (spec.startsWith("/")) return spec.slice(1);
  return spec;
}

function claudePath(pattern: string): string {
  if (pattern.startsWith("/")) return `/${pattern}`;
  if (pattern.startsWith("~/") || pattern.startsWith("*")) return pattern;
  return `./${pattern}`;
}

export function formatClaudeRule(rule: PermissionRule): { ok: true; text: string } | { ok: false; reason: string } {
  const tool = toClaudeTool(rule.tool);
  if (!tool.ok) return { ok: false, reason: tool.reason };
  if (rule.tool === "*") return { ok: false, reason: "Claude Code has no rule for every tool at once" };
  if (rule.pattern === undefined) return { ok: true, text: tool.key };
  const spec = PATH_TOOLS.has(rule.tool) ? claudePath(rule.pattern) : rule.pattern;
  return { ok: true, text: `${tool.key}(${spec})` };
}

// ---------------------------------------------------------------------------------------------------------
// OpenCode permission maps

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

// ---------------------------------------------------------------------------------------------------------
// To Claude Code's lists

export interface ClaudePermissionLists {
  allow: string[];
  ask: string[];
  deny: string[];
  defaultMode?: PermissionMode;
  lossy: string[];
}

/** IR rules → Claude Code's allow / ask / deny lists. */
export function toClaudePermissions(rules: readonly PermissionRule[], precedence: Precedence): ClaudePermissionLists {
  const out: ClaudePermissionLists = { allow: [], ask: [], deny: [], lossy: [] };
  const kept = precedence === "order" ? orderToPrecedence(rules, out) : [...rules];
  for (const rule of kept) {
    if (rule.tool === "*") {
      if (rule.action === "deny") {
        out.defaultMode = "dontAsk";
        out.lossy.push('"*": deny became defaultMode dontAsk (tools without an allow rule are denied)');
      } else if (rule.action === "allow") {
        out.lossy.push('"*": allow dropped: Claude Code has no rule for every tool (bypassPermissions would also skip its safety checks)');
      }
      continue;
    }
    const formatted = formatClaudeRule(rule);
    if (!formatted.ok) {
      out.lossy.push(`${describeRule(rule)} dropped: ${formatted.reason}`);
      continue;
    }
    if (!out[rule.action].includes(formatted.text)) out[rule.action].push(formatted.text);
  }
  return out;
}

/**
 * Last-match-wins rules → rules for deny > ask > allow. A tool-wide `ask` before patterns is Claude Code's
 * default for Bash and edits, so it is left out (kept, it would outrank every allow); any other earlier rule
 * that is stricter than a later overlapping one cannot keep its meaning.
 */
function orderToPrecedence(rules: readonly PermissionRule[], out: ClaudePermissionLists): PermissionRule[] {
  const kept: PermissionRule[] = [];
  rules.forEach((rule, i) => {
    const later = rules.slice(i + 1).filter((r) => (r.tool === rule.tool || rule.tool === "*") && overlaps(rule, r));
    const overridden = later.filter((r) => STRICTNESS[r.action] < STRICTNESS[rule.action]);
    if (overridden.length === 0) {
      kept.push(rule);
      return;
    }
    if (rule.pattern === undefined && rule.action === "ask" && ["Bash", "Edit", "Write", "NotebookEdit", "WebFetch"].includes(rule.tool)) {
      return; // Claude Code asks for these anyway.
    }
    if (rule.pattern === undefined) {
      out.lossy.push(
        `${describeRule(rule)} dropped: OpenCode lets the later ${overridden.map(describeRule).join(", ")} override it, which Claude Code cannot express; other ${rule.tool === "*" ? "tools" : rule.tool} calls will follow Claude Code's defaults`,
      );
      return;
    }
    kept.push(rule);
    out.lossy.push(
      `${describeRule(rule)} outranks the later ${overridden.map(describeRule).join(", ")} in Claude Code (deny > ask > allow); in OpenCode the later rule won`,
    );
  });
  return kept;
}

/** Two rules can match the same call: one is tool-wide, or either pattern matches the other as text. */
function overlaps(a: PermissionRule, b: PermissionRule): boolean {
  if (a.pattern === undefined || b.pattern === undefined) return true;
  return globMatch(a.pattern, b.pattern) || globMatch(b.pattern, a.pattern);
}

function globMatch(glob: string, text: string): boolean {
  const re = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*+/g, ".*")}$`, "s");
  return re.test(text);
}

function isAction(v: string): v is PermissionAction {
  return v === "allow" || v === "ask" || v === "deny";
}

export function describeRule(rule: PermissionRule): string {
  return `${rule.action} ${rule.tool}${rule.pattern !== undefined ? `(${rule.pattern})` : ""}`;
}
