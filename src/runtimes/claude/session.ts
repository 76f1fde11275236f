/**
 * Running Claude Code's TUI as a tracked session: its state comes from hooks injected for this session
 * only, through `--settings <file>` (Claude Code merges it over the user's settings, which stay untouched),
 * and its session id is fixed up front with `--session-id`.
 *
 *   UserPromptSubmit, PreToolUse, PostToolUse → working     Stop, StopFailure → idle
 *   PermissionRequest, Elicitation → needs-input            Notification → by its notification_type
 *   SessionEnd → exited
 */
import fs from "node:fs";
import path from "node:path";
import { shellQuote } from "../../core/shell.js";
import type { SessionState } from "../../contract/session-state.js";
import type { SessionCommand, SessionDriver, SessionLaunch } from "../types.js";

const HOOKS: Record<string, string> = {
  SessionStart: "",
  UserPromptSubmit: "working",
  PreToolUse: "working",
  PostToolUse: "working",
  PostToolUseFailure: "working",
  PermissionRequest: "needs-input",
  Elicitation: "needs-input",
  Notification: "?notification",
  Stop: "idle",
  StopFailure: "idle",
  SessionEnd: "exited",
};

/**
 * record.sh's rules for the JSON Claude Code hands a hook on stdin: `?notification` decides by the
 * notification_type (needs-input for a permission or question prompt, idle for the idle reminder), and a
 * needs-input event without a detail is named by its tool. The permission prompt's notification comes about 6 s
 * after the PermissionRequest hook that named the tool (Bash, Edit, …): it keeps that name by naming nothing.
 */
const STATE_RULES = String.raw`  '?notification')
    detail=$(field notification_type)
    case "$detail" in
      permission_prompt) state=needs-input detail= ;;
      elicitation*|agent_needs_input) state=needs-input ;;
      idle_prompt) state=idle ;;
      *) state= ;;
    esac ;;
  needs-input) [ -z "$detail" ] && detail=$(field tool_name) ;;`;

/** Events whose hooks take a matcher (tool name or notification type); "*" matches all. */
const MATCHED = new Set(["PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest", "Notification"]);

export function claudeHookSettings(recordScript: string): { hooks: Record<string, unknown[]> } {
  const hooks: Record<string, unknown[]> = {};
  for (const [event, state] of Object.entries(HOOKS)) {
    const command = `sh ${shellQuote(recordScript)} hook ${event} ${shellQuote(state)}`;
    hooks[event] = [{ ...(MATCHED.has(event) ? { matcher: "*" } : {}), hooks: [{ type: "command", command, timeout: 10 }] }];
  }
  return { hooks };
}

/**
 * The session's own settings (`--settings`): the hooks, and through the gateway, its URL as an `env` setting as
 * well, since an `env` in the person's settings.json (where a proxy such as claude-code-router is usually set)
 * overrides the process's ANTHROPIC_BASE_URL, while `--settings` overrides settings.json.
 */
function hookSettingsFile(o: SessionLaunch): string {
  const settings = path.join(o.stateDir, "claude-settings.json");
  const gateway = o.gatewayUrl ? { env: { ANTHROPIC_BASE_URL: o.gatewayUrl } } : {};
  fs.writeFileSync(settings, JSON.stringify({ ...claudeHookSettings(o.recordScript), ...gateway }, null, 2), { mode: 0o600 });
  return settings;
}

/**
 * Claude Code 2.1.197 scans its whole command line for some words before parsing it, "--" or not: a
 * prompt that is exactly "-p", "--print" or "--init-only", or starts with "--sdk-url" or "cc://", switches
 * its mode. A prompt that starts like that is typed into the TUI instead; any other one is passed after "--".
 */
export function claudeMisreads(prompt: string): boolean {
  return prompt.startsWith("-") || /^cc(\+unix)?:\/\//.test(prompt);
}

function launch(o: SessionLaunch) {
  return withPrompt([o.bin, "--settings", hookSettingsFile(o), "--session-id", o.sessionId], o, o.sessionId);
}

/** The TUI again, on the session's own conversation (`--resume <id>`). */
function resume(o: SessionLaunch & { runtimeSessionId: string }) {
  return withPrompt([o.bin, "--resume", o.runtimeSessionId, "--settings", hookSettingsFile(o)], o, o.runtimeSessionId);
}

/** Adds the model, and the prompt: after "--" (never read as an option), or typed in (see claudeMisreads). */
function withPrompt(argv: string[], o: SessionLaunch, runtimeSessionId: string): SessionCommand {
  if (o.model) argv.push("--model", o.model);
  if (o.prompt !== null && claudeMisreads(o.prompt)) return { argv, env: {}, runtimeSessionId, typedPrompt: o.prompt };
  if (o.prompt !== null) argv.push("--", o.prompt);
  return { argv, env: {}, runtimeSessionId };
}

/** What the TUI shows (2.1.x): dialogs that wait for a key, the spinner line of a running turn, the prompt box. */
function screen(text: string): SessionState | null {
  if (
    /Do you want to proceed\?|Do you trust the files in this folder\?|Do you want to use this API key\?|Do you want to make this edit/.test(
      text,
    )
  )
    return "needs-input";
  if (/esc to interrupt/i.test(text)) return "working";
  if (/^\s*[│|]?\s*❯/m.test(text) || /\? for shortcuts/.test(text)) return "idle";
  return null;
}

export const claudeSession: SessionDriver = {
  binary: "claude",
  install: "npm install -g @anthropic-ai/claude-code (quartet's tests pin 2.1.197)",
  eventsComplete: true,
  stateRules: STATE_RULES,
  launch,
  resume,
  screen,
  // The permission dialog: "1. Yes", …, "3. No, and tell Claude what to do differently (esc)".
  answers: { allow: ["1"], deny: ["Escape"] },
};
