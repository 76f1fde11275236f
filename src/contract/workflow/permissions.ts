/**
 * What every runtime's permission translation shares: how strict each action is, the IR's rule text for
 * loss reports, and glob matching of two patterns against each other.
 */
import type { PermissionAction, PermissionRule } from "./ir.js";

export const STRICTNESS: Readonly<Record<PermissionAction, number>> = { allow: 0, ask: 1, deny: 2 };

export function globMatch(glob: string, text: string): boolean {
  const re = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*+/g, ".*")}$`, "s");
  return re.test(text);
}

export function isAction(v: string): v is PermissionAction {
  return v === "allow" || v === "ask" || v === "deny";
}

export function describeRule(rule: PermissionRule): string {
  return `${rule.action} ${rule.tool}${rule.pattern !== undefined ? `(${rule.pattern})` : ""}`;
}
