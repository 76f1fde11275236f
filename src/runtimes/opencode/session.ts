/**
 * Running OpenCode's TUI as a tracked session: a small plugin, supplied through an extra config file named
 * by `OPENCODE_CONFIG` (the user's and the project's configs still apply), reports the session's status
 * and permission events through record.sh. OpenCode picks its own session id; the plugin reports it from
 * `session.created`, and the database (by folder and start time) is the fallback.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { SessionState } from "../../contract/session-state.js";
import type { SessionDriver, SessionLaunch } from "../types.js";
import { inlineConfig } from "./gateway.js";
import { openCopy } from "./sqlite.js";

/**
 * The plugin. It follows the top-level session (a subagent's session has a parent) for working and idle,
 * and any session's permission or question prompt for needs-input, since the person answers those too.
 * record.sh runs synchronously so events keep their order.
 */
function pluginSource(recordScript: string): string {
  return `// Written by quartet for one OpenCode session: reports its state to quartet (see 'quartet ps').
import { spawnSync } from "node:child_process";
const RECORD = ${JSON.stringify(recordScript)};
let root;
function record(event, state, sid = "", detail = "") {
  try {
    spawnSync("sh", [RECORD, "plugin", event, state, sid ?? "", detail ?? ""], { stdio: "ignore", timeout: 5000 });
  } catch {}
}
export const QuartetSessionState = async () => ({
  event: async ({ event }) => {
    const p = event.properties ?? {};
    switch (event.type) {
      case "session.created":
        if (p.info && !p.info.parentID) {
          root = p.info.id;
          record(event.type, "", root);
        }
        break;
      case "session.status":
        if (p.sessionID === root) record(event.type, p.status?.type === "idle" ? "idle" : "working", root, p.status?.type);
        break;
      case "session.idle":
        if (p.sessionID === root) record(event.type, "idle", root);
        break;
      case "session.error":
        if (!p.sessionID || p.sessionID === root) record(event.type, "idle", root, p.error?.name);
        break;
      case "permission.asked":
        record(event.type, "needs-input", root, p.permission ?? p.type);
        break;
      case "question.asked":
        record(event.type, "needs-input", root, "question");
        break;
      case "permission.replied":
      case "question.replied":
      case "question.rejected":
        record(event.type, "working", root);
        break;
    }
  },
});
`;
}

function launch(o: SessionLaunch, session?: string) {
  const argv = [o.bin, o.workdir];
  if (session) argv.push(`--session=${session}`);
  if (o.model) argv.push("--model", o.model);
  // One argument, "--prompt=…": OpenCode (yargs) reads a separate value that starts with "-" as an option.
  if (o.prompt !== null) argv.push(`--prompt=${o.prompt}`);
  return { argv, env: pluginEnv(o), runtimeSessionId: null };
}

/** The environment that loads the state plugin (see the module comment). */
function pluginEnv(o: SessionLaunch): Record<string, string> {
  const plugin = path.join(o.stateDir, "quartet-state.js");
  fs.writeFileSync(plugin, pluginSource(o.recordScript));
  const config = path.join(o.stateDir, "opencode-config.json");
  fs.writeFileSync(config, JSON.stringify({ $schema: "https://opencode.ai/config.json", plugin: [pathToFileURL(plugin).href] }, null, 2));
  const env: Record<string, string> = {};
  const userConfig = o.env.OPENCODE_CONFIG;
  if (userConfig) {
    // The user already names an extra config file: keep it, and add the plugin through the inline config
    // (merged with any inline config they set).
    const inline = inlineConfig(o.env);
    const plugins = Array.isArray(inline.plugin) ? inline.plugin : [];
    env.OPENCODE_CONFIG_CONTENT = JSON.stringify({ ...inline, plugin: [...plugins, pathToFileURL(plugin).href] });
  } else {
    env.OPENCODE_CONFIG = config;
  }
  return env;
}

/** The TUI's permission prompt, its running-turn hint and its prompt box (1.18). */
function screen(text: string): SessionState | null {
  if (/Permission required|△ Permission|Allow once|Allow always/.test(text)) return "needs-input";
  if (/esc interrupt|esc to interrupt/i.test(text)) return "working";
  if (/ctrl\+p commands|tab agents/i.test(text)) return "idle";
  return null;
}

/** The top-level session OpenCode created in this folder after the start, from its database. */
function discoverSessionId(o: { workdir: string; since: number; env: import("../../core/paths.js").LookupEnv }): string | null {
  const file = o.env.location("OPENCODE_DB") ?? path.join(o.env.xdgDataHome, "opencode", "opencode.db");
  if (!fs.existsSync(file)) return null;
  let opened;
  try {
    opened = openCopy(file);
  } catch {
    return null;
  }
  try {
    const row = opened.db
      .prepare("SELECT id FROM session WHERE directory = ? AND parent_id IS NULL AND time_created >= ? ORDER BY time_created LIMIT 1")
      .get(o.workdir, o.since - 5000) as { id: string } | undefined;
    return row?.id ?? null;
  } catch {
    return null;
  } finally {
    opened.close();
  }
}

export const opencodeSession: SessionDriver = {
  binary: "opencode",
  install: "npm install -g opencode-ai (quartet's tests pin 1.18.33)",
  eventsComplete: true,
  launch: (o) => launch(o),
  // The TUI again, on the session's own conversation.
  resume: (o) => ({ ...launch(o, o.runtimeSessionId), runtimeSessionId: o.runtimeSessionId }),
  screen,
  // "Allow once" is selected first; Escape rejects.
  answers: { allow: ["Enter"], deny: ["Escape"] },
  discoverSessionId,
};
