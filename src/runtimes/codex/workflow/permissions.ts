/**
 * Codex's approval policy and sandbox mode against the IR's permissions, only where they mean the same,
 * and never wider than the source.
 *
 * Codex reads every file in every mode; `sandbox_mode` bounds writes (read-only, workspace-write,
 * danger-full-access) and `approval_policy` when it asks (untrusted: all but known-safe commands;
 * on-request: when the model asks to leave the sandbox; on-failure (deprecated); never). With neither key,
 * Codex 0.169 writes in a trusted workspace and asks on request, which is wider than Claude Code's default, so
 * a port always writes both keys.
 */
import type { PermissionMode, Permissions } from "../../../contract/workflow/ir.js";

export interface CodexPolicy {
  approval_policy: "untrusted" | "on-request" | "on-failure" | "never";
  sandbox_mode: "read-only" | "workspace-write" | "danger-full-access";
}

/** The IR mode closest to a Codex policy that grants no more than Codex does, and why it is approximate. */
export function fromCodexPolicy(p: Partial<CodexPolicy>): { mode: PermissionMode; lossy?: string } | undefined {
  if (p.approval_policy === undefined && p.sandbox_mode === undefined) return undefined;
  const sandbox = p.sandbox_mode ?? "workspace-write";
  const approval = p.approval_policy ?? "on-request";
  if (sandbox === "danger-full-access" && approval === "never") return { mode: "bypassPermissions" };
  if (sandbox === "read-only" && approval === "never")
    return { mode: "dontAsk", lossy: "read-only and never asking became dontAsk: commands Codex would run read-only are denied" };
  if (sandbox === "read-only") return { mode: "default", lossy: `read-only with ${approval} became default: every command asks` };
  return {
    mode: "acceptEdits",
    lossy: `${sandbox} with ${approval} became acceptEdits: edits are allowed, commands ask (Codex ran them in its sandbox)`,
  };
}

/**
 * The Codex policy for IR permissions: exact for bypassPermissions; otherwise the read-only sandbox, asking
 * (on-request) unless a deny or a mode that refuses calls makes it never ask. Everything finer (patterns,
 * allows) is narrowed, and said so.
 */
export function toCodexPolicy(p: Pick<Permissions, "rules" | "defaultMode" | "precedence">): {
  policy: CodexPolicy;
  lossy: string[];
  widened: string[];
} {
  const lossy: string[] = [];
  const widened = p.rules
    .filter((r) => r.action !== "allow" && ["Read", "Glob", "Grep", "LS"].includes(r.tool))
    .map((r) => `${r.action} ${r.tool}${r.pattern ? `(${r.pattern})` : ""}: Codex reads every file in every sandbox mode`);
  const onlyAllows = p.rules.every((r) => r.action === "allow");
  const everything = p.rules.some((r) => r.tool === "*" && r.pattern === undefined && r.action === "allow");
  if ((p.defaultMode === "bypassPermissions" || everything) && onlyAllows)
    return { policy: { approval_policy: "never", sandbox_mode: "danger-full-access" }, lossy, widened };
  const refuses = p.rules.some((r) => r.action === "deny") || p.defaultMode === "plan" || p.defaultMode === "dontAsk";
  const allows = p.rules.filter((r) => r.action === "allow" && !["Read", "Glob", "Grep", "LS"].includes(r.tool));
  if (allows.length > 0) lossy.push(`${allows.length} allow rule(s) not kept: Codex asks (or refuses) instead, never grants more`);
  if (refuses) {
    lossy.push(
      "deny rules or a refusing mode became Codex's strictest policy: read-only sandbox, never asks (writes and escalations are refused)",
    );
    return { policy: { approval_policy: "never", sandbox_mode: "read-only" }, lossy, widened };
  }
  // Codex 0.169 refuses to start with `untrusted` ("no longer supported"): asking before anything that
  // leaves the read-only sandbox is `on-request`.
  if (p.defaultMode === "acceptEdits") lossy.push("acceptEdits became read-only + on-request: edits ask in Codex");
  return { policy: { approval_policy: "on-request", sandbox_mode: "read-only" }, lossy, widened };
}
