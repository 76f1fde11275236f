/**
 * Permission rules between Claude Code and the IR.
 *
 * Claude Code: `permissions.allow / ask / deny` lists of `Tool` or `Tool(spec)`; deny beats ask beats allow
 * whatever the order; with no rule, reads are allowed and Bash, edits and web fetches ask.
 *
 * Converting order (a runtime whose last match wins) to precedence is exact when no earlier rule is stricter
 * than a later one it overlaps; otherwise the loss report names both rules.
 */
import type { PermissionAction, PermissionMode, PermissionRule, Precedence } from "../../../contract/workflow/ir.js";
import { describeRule, globMatch, STRICTNESS } from "../../../contract/workflow/permissions.js";
import { neutralClaudeTool, toClaudeTool } from "./tools.js";

const PATH_TOOLS = new Set(["Read", "Edit", "Write", "NotebookEdit", "Glob", "Grep"]);

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
