/**
 * Hooks between the IR (Claude Code's events and fields) and Codex CLI 0.169's lifecycle hooks: inline
 * `[[hooks.<Event>]]` tables in config.toml, each `{ matcher?, hooks: [{ type = "command", command, … }] }`.
 * Observed with the pinned codex (app-server `hooks/list`): it lists hooks for the events below and
 * silently ignores any other event name; it runs only `command` handlers (a `prompt` or `agent` one is
 * skipped, `http` makes it refuse the whole config); it ignores `args`; and it runs a hook only after the
 * person has trusted it (“Hooks need review” at start, or /hooks).
 */
import type { Hook, Source } from "../../../contract/workflow/ir.js";
import { shellQuote } from "../../../core/shell.js";
import type { TomlTable } from "./toml.js";

/** The events the pinned codex lists; Interrupt is Codex's own. */
export const CODEX_HOOK_EVENTS = [
  "PreToolUse",
  "PermissionRequest",
  "PostToolUse",
  "PreCompact",
  "PostCompact",
  "SessionStart",
  "SessionEnd",
  "UserPromptSubmit",
  "SubagentStart",
  "SubagentStop",
  "Stop",
] as const;
const CODEX_ONLY_EVENTS = ["Interrupt"];

/** A command hook's fields the IR models; any other (`additionalContextLimit`, `commandWindows`) is Codex's own. */
const MODELLED = new Set(["type", "command", "timeout", "statusMessage", "async"]);

/** Tool names Codex gives its tool hooks: Bash, apply_patch (matched as Edit or Write too), mcp__server__tool. */
const CODEX_TOOL_NAME = /^(Bash|apply_patch|Edit|Write|\*|mcp__[\w-]+(__[\w-]+)?)$/;

/** A word as the shell reads it: bare when it has nothing the shell would interpret, else quoted. */
function word(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : shellQuote(w);
}

export interface HookLoss {
  event: string;
  field: string;
  level: "lossy" | "unsupported";
  reason: string;
}

export interface CodexHookGroup {
  matcher?: string;
  hooks: TomlTable[];
}

/** The IR's hooks as Codex event lists (in the IR's order), and what did not come across. */
export function toCodexHooks(hooks: readonly Hook[], from: string): { events: Record<string, CodexHookGroup[]>; losses: HookLoss[] } {
  const events: Record<string, CodexHookGroup[]> = {};
  const losses: HookLoss[] = [];
  for (const h of hooks) {
    const loss = (field: string, level: HookLoss["level"], reason: string) => losses.push({ event: h.event, field, level, reason });
    if (!(CODEX_HOOK_EVENTS as readonly string[]).includes(h.event)) {
      loss("event", "unsupported", `${h.event}: Codex 0.169 has no ${h.event} hook event; not ported`);
      continue;
    }
    if (h.type !== "command" || !h.command) {
      loss("type", "unsupported", `${h.event}: a ${h.type} hook does not run in Codex 0.169 (only command hooks do); not ported`);
      continue;
    }
    const command = h.args?.length ? [h.command, ...h.args].map(word).join(" ") : h.command;
    if (h.args?.length)
      loss("command", "lossy", `${h.event}: Codex has no exec form: the program and its arguments become one quoted shell command`);
    if (/CLAUDE_PROJECT_DIR/.test(command))
      loss("command", "lossy", `${h.event}: Codex does not set $CLAUDE_PROJECT_DIR; the hook runs in the session's working directory`);
    if (h.matcher && !h.matcher.split("|").every((t) => CODEX_TOOL_NAME.test(t.trim())))
      loss(
        "event",
        "lossy",
        `${h.event} matcher "${h.matcher}": Codex fires tool hooks only for Bash, apply_patch (Edit, Write) and MCP tools; other tools never match`,
      );
    const entry: TomlTable = { type: "command", command };
    if (h.timeout !== undefined) entry.timeout = h.timeout;
    if (h.statusMessage !== undefined) entry.statusMessage = h.statusMessage;
    if (h.async !== undefined) entry.async = h.async;
    for (const k of Object.keys(h.extras[from] ?? {}))
      loss(`extras.${from}.${k}`, "unsupported", `${h.event}: hook field "${k}" has no Codex equivalent`);
    const groups = (events[h.event] ??= []);
    let group = groups.find((g) => g.matcher === h.matcher);
    if (!group) groups.push((group = h.matcher === undefined ? { hooks: [] } : { matcher: h.matcher, hooks: [] }));
    group.hooks.push(entry);
  }
  return { events, losses };
}

/** Codex's `[hooks]` table (config.toml) or hooks.json's `hooks` as IR hooks; Interrupt and non-command hooks are reported. */
export function fromCodexHooks(
  table: unknown,
  source: Source,
): { hooks: Hook[]; unportable: { name: string; reason: string }[]; problems: string[] } {
  const hooks: Hook[] = [];
  const unportable: { name: string; reason: string }[] = [];
  const problems: string[] = [];
  if (!table || typeof table !== "object" || Array.isArray(table)) return { hooks, unportable, problems };
  for (const [event, groups] of Object.entries(table as TomlTable)) {
    if (event === "state") continue; // Codex's own record of which hooks the person trusted.
    if (CODEX_ONLY_EVENTS.includes(event)) {
      unportable.push({ name: event, reason: `Codex's ${event} hook event has no counterpart elsewhere` });
      continue;
    }
    if (!(CODEX_HOOK_EVENTS as readonly string[]).includes(event)) continue; // Codex ignores it too.
    if (!Array.isArray(groups)) {
      problems.push(`hooks.${event} must be a list of matcher groups; not ported`);
      continue;
    }
    for (const g of groups as { matcher?: unknown; hooks?: unknown }[]) {
      if (!Array.isArray(g?.hooks)) {
        problems.push(`hooks.${event}: a group without a hooks list; not ported`);
        continue;
      }
      for (const h of g.hooks as TomlTable[]) {
        const extras = Object.fromEntries(Object.entries(h).filter(([k]) => !MODELLED.has(k)));
        hooks.push({
          event,
          ...(typeof g.matcher === "string" && g.matcher !== "" ? { matcher: g.matcher } : {}),
          type: typeof h.type === "string" ? h.type : "command",
          ...(typeof h.command === "string" ? { command: h.command } : {}),
          ...(typeof h.timeout === "number" && h.timeout > 0 ? { timeout: h.timeout } : {}),
          ...(typeof h.statusMessage === "string" ? { statusMessage: h.statusMessage } : {}),
          ...(typeof h.async === "boolean" ? { async: h.async } : {}),
          extras: Object.keys(extras).length > 0 ? { codex: extras } : {},
          source,
        });
      }
    }
  }
  return { hooks, unportable, problems };
}
