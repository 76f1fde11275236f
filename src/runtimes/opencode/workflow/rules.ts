/**
 * How OpenCode 1.18.33 decides a permission, read from its binary and checked with `opencode debug agent`:
 * its own default rules come first, then the config's `permission`, then the agent's; the last rule whose
 * key and pattern both match decides; with none, it asks. A tool whose last rule is `* deny` is hidden.
 */
import type { PermissionAction } from "../../../contract/workflow/ir.js";
import type { OpencodeEntry } from "./permissions.js";

/** The rules OpenCode starts every agent from, before any config (project-independent ones only). */
export const OPENCODE_DEFAULTS: readonly OpencodeEntry[] = [
  { key: "*", pattern: "*", action: "allow" },
  { key: "doom_loop", pattern: "*", action: "ask" },
  { key: "external_directory", pattern: "*", action: "ask" },
  { key: "question", pattern: "*", action: "deny" },
  { key: "plan_enter", pattern: "*", action: "deny" },
  { key: "plan_exit", pattern: "*", action: "deny" },
  { key: "read", pattern: "*", action: "allow" },
  { key: "read", pattern: "*.env", action: "ask" },
  { key: "read", pattern: "*.env.*", action: "ask" },
  { key: "read", pattern: "*.env.example", action: "allow" },
];

/**
 * OpenCode's wildcard: `*` is any text (slashes and spaces too), `?` one character, the whole text must
 * match, and a pattern ending in ` *` also matches without what follows (`ls *` matches `ls`).
 */
export function opencodeWildcard(text: string, pattern: string): boolean {
  let re = pattern
    .replaceAll("\\", "/")
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  if (re.endsWith(" .*")) re = `${re.slice(0, -3)}( .*)?`;
  return new RegExp(`^${re}$`, "s").test(text.replaceAll("\\", "/"));
}

/** The action for one call: `key` is the permission (`bash`, `read`), `input` the command or relative path. */
export function opencodeDecision(entries: readonly OpencodeEntry[], key: string, input: string): PermissionAction {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (opencodeWildcard(key, e.key) && opencodeWildcard(input, e.pattern)) return e.action;
  }
  return "ask";
}
