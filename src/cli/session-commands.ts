/**
 * The commands cli/sessions.ts defines: named apart from it so that main.ts (which loads that module only when one
 * of them runs) and sessions-entry.ts (bin/quartet.js's file for them) route the same list.
 */
export const SESSION_COMMANDS: readonly string[] = ["run", "ps", "attach", "send", "resume", "grid", "stop", "gc"];
