/**
 * The config half of an OpenCode port: MCP servers and permissions as keys of opencode.json(c) (edited in
 * place), and hooks as quartet's generated plugin in `.opencode/plugins/`.
 */
import path from "node:path";
import { generatePlugin, PLUGIN_EVENTS, PLUGIN_FILE_NAME, type PluginHook } from "./hooks-plugin.js";
import type { McpServer, PermissionRule, Permissions, Settings } from "../../../contract/workflow/ir.js";
import { describeModel } from "../../../contract/workflow/models.js";
import { toOpencodeModel } from "./models.js";
import type { AssetRef } from "../../../contract/workflow/outputs.js";
import type { ProjectRuleset } from "./agent-permission.js";
import { opencodeEntries, toOpencodePermission } from "./permissions.js";
import { Diagnostics } from "../../../contract/workflow/read-helpers.js";
import { readOpencodeConfig, type MergedConfig } from "./config.js";
import { configTarget, NEW_CONFIG } from "./layout.js";
import type { OpencodeWriteContext } from "./write.js";

/** Values that look like a credential written out in full rather than referenced through a variable. */
const SECRET_NAME = /(token|secret|password|api[_-]?key|auth)/i;

/** The target's config as OpenCode merges it, read once per port. */
export function targetConfig(ctx: OpencodeWriteContext): MergedConfig {
  return (ctx.config ??= readOpencodeConfig(ctx.layout, new Diagnostics(ctx.o.root)));
}

export function writeOpencodeConfig(ctx: OpencodeWriteContext): void {
  const wf = ctx.o.workflow;
  for (const server of wf.mcp) writeMcp(ctx, server);
  if (wf.permissions) writePermissions(ctx);
  if (wf.hooks.length > 0) writeHooks(ctx);
  if (wf.settings) writeSettings(ctx, wf.settings);
}

/** `model` into the config; the environment and every other Claude Code setting reported. */
function writeSettings(ctx: OpencodeWriteContext, settings: Settings): void {
  const asset: AssetRef = { kind: "settings", name: "settings" };
  if (settings.model) {
    const m = toOpencodeModel(settings.model, ctx.o.settings.models);
    if (!m.ok) ctx.losses.add(asset, "model", "unsupported", m.reason);
    else {
      if (m.lossy) ctx.losses.add(asset, "model", "lossy", `${describeModel(settings.model)} → ${m.value}: ${m.lossy}`);
      ctx.outputs.push({ kind: "json", file: configTarget(ctx.layout).file, path: ["model"], value: m.value, newFile: NEW_CONFIG, asset });
    }
  }
  if (settings.env)
    ctx.losses.add(
      asset,
      "env",
      "unsupported",
      `OpenCode has no setting for environment variables (${Object.keys(settings.env).join(", ")}); set them in the shell that starts it`,
    );
  ctx.losses.extras(asset, settings.extras, "setting");
}

function toOpencodeVars(s: string, onDefault: () => void): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g, (_, name: string, dflt: string | undefined) => {
    if (dflt) onDefault();
    return `{env:${name}}`;
  });
}

function writeMcp(ctx: OpencodeWriteContext, server: McpServer): void {
  const asset: AssetRef = { kind: "mcp", name: server.name };
  const { losses } = ctx;
  let dropped = false;
  const conv = (s: string) => toOpencodeVars(s, () => (dropped = true));
  const convMap = (m: Record<string, string> | undefined) =>
    m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, conv(v)])) : undefined;
  for (const [k, v] of Object.entries({ ...server.env, ...server.headers })) {
    if (SECRET_NAME.test(k) && !/\$\{|\{env:/.test(v)) {
      ctx.diags.add(
        "warning",
        server.source.file,
        `MCP server "${server.name}": ${k} holds a literal credential, copied as is; a \${${k}} reference would keep it out of the file`,
        { field: k },
      );
    }
  }
  let value: Record<string, unknown>;
  if (server.transport === "stdio") {
    value = {
      type: "local",
      command: [server.command!, ...(server.args ?? [])].map(conv),
      environment: convMap(server.env),
      enabled: server.enabled,
    };
  } else if (server.transport === "ws") {
    losses.add(asset, "transport", "unsupported", "WebSocket MCP servers have no OpenCode equivalent; not ported");
    return;
  } else {
    if (server.transport !== "remote") losses.standing(asset, "transport");
    const oauth = server.oauth ? mapOauth(server.oauth) : undefined;
    if (server.oauth) losses.standing(asset, "oauth");
    value = { type: "remote", url: conv(server.url!), headers: convMap(server.headers), oauth, enabled: server.enabled };
  }
  if (dropped) losses.standing(asset, "env");
  for (const key of Object.keys(server.extras.claude ?? {})) {
    losses.add(
      asset,
      `extras.claude.${key}`,
      "unsupported",
      key === "timeout"
        ? "Claude Code's timeout limits a tool call; OpenCode's limits tool listing, so it is left out"
        : `Claude Code's "${key}" has no OpenCode equivalent`,
    );
  }
  const clean = Object.fromEntries(Object.entries({ ...value, ...server.extras.opencode }).filter(([, v]) => v !== undefined));
  ctx.outputs.push({
    kind: "json",
    file: configTarget(ctx.layout).file,
    path: ["mcp", server.name],
    value: clean,
    newFile: NEW_CONFIG,
    asset,
  });
}

function mapOauth(oauth: Record<string, unknown>): Record<string, unknown> | false {
  if (oauth.disabled === true) return false;
  const out: Record<string, unknown> = {};
  if (typeof oauth.clientId === "string") out.clientId = oauth.clientId;
  if (typeof oauth.clientSecret === "string") out.clientSecret = oauth.clientSecret;
  const scope = Array.isArray(oauth.scopes) ? oauth.scopes.join(" ") : (oauth.scopes ?? oauth.scope);
  if (typeof scope === "string") out.scope = scope;
  return out;
}

function writePermissions(ctx: OpencodeWriteContext): void {
  const p = ctx.o.workflow.permissions!;
  const asset: AssetRef = { kind: "permissions", name: "permissions" };
  for (const dir of p.additionalDirectories ?? []) {
    const absolute = absoluteDir(dir, ctx.o.root);
    if (absolute !== dir)
      ctx.losses.add(
        asset,
        "additionalDirectories",
        "lossy",
        `${dir} written as ${absolute}: OpenCode matches outside folders by absolute path`,
      );
  }
  if (p.additionalDirectories?.length) ctx.losses.standing(asset, "additionalDirectories");
  const out = topLevelPermission(ctx.o.workflow.permissions!, ctx.o.root);
  if (p.precedence === "action") {
    ctx.losses.standing(asset, "rules");
    ctx.losses.standing(asset, "defaultMode");
  }
  for (const reason of out.lossy) ctx.losses.add(asset, "rules", "lossy", reason);
  ctx.losses.extras(asset, p.extras, "permissions setting");
  ctx.outputs.push({
    kind: "json",
    file: configTarget(ctx.layout).file,
    path: ["permission"],
    value: out.value,
    newFile: NEW_CONFIG,
    asset,
  });
}

/** OpenCode matches folders outside the project by absolute path (or ~/), never relative to it. */
function absoluteDir(dir: string, root: string): string {
  return dir.startsWith("~/") || path.isAbsolute(dir) ? dir : path.resolve(root, dir);
}

/** The project's permissions as the top-level `permission` (extra folders as `external_directory` rules). */
function topLevelPermission(p: Permissions, root: string) {
  const rules: PermissionRule[] = [...p.rules];
  for (const dir of p.additionalDirectories ?? [])
    rules.push({ tool: "opencode:external_directory", pattern: `${absoluteDir(dir, root).replace(/\/+$/, "")}/**`, action: "allow" });
  return toOpencodePermission(rules, { precedence: p.precedence, defaultMode: p.defaultMode, topLevel: p.precedence === "action" });
}

/**
 * What the target's top-level `permission` holds after this port, for restating it in agents: the ported
 * permissions, or else the config's own rules after Claude Code's defaults (a Claude Code project without
 * permissions still asks before Bash, edits and web fetches).
 */
export function projectRuleset(ctx: OpencodeWriteContext): ProjectRuleset {
  const wf = ctx.o.workflow;
  if (wf.permissions) return { ...topLevelPermission(wf.permissions, ctx.o.root).ruleset, inTarget: true };
  // Every config file's `permission`, merged as OpenCode merges them.
  const existing = targetConfig(ctx).value.permission;
  const defaults = wf.runtime === "claude" ? toOpencodePermission([], { precedence: "action", topLevel: true }).ruleset.defaults : [];
  return { defaults, rules: opencodeEntries(existing), last: [], inTarget: defaults.length === 0 };
}

function writeHooks(ctx: OpencodeWriteContext): void {
  const asset: AssetRef = { kind: "hooks", name: "hooks" };
  const kept: PluginHook[] = [];
  for (const hook of ctx.o.workflow.hooks) {
    const what = `${hook.event}${hook.matcher ? `(${hook.matcher})` : ""}`;
    if (!(hook.event in PLUGIN_EVENTS)) {
      ctx.losses.add(asset, "event", "unsupported", `${what}: OpenCode has no ${hook.event} event; not ported`);
      continue;
    }
    if (hook.type !== "command" || !hook.command) {
      ctx.losses.add(asset, "type", "unsupported", `${what}: a ${hook.type} hook cannot run from a plugin; not ported`);
      continue;
    }
    const from = ctx.o.from.runtime;
    for (const key of Object.keys(hook.extras[from] ?? {}))
      ctx.losses.add(
        asset,
        `extras.${from}.${key}`,
        "unsupported",
        `${what}: the hook's "${key}" has no counterpart in the plugin; the hook runs without it`,
      );
    for (const field of ["statusMessage", "async"] as const) if (hook[field] !== undefined) ctx.losses.standing(asset, field);
    kept.push({
      event: hook.event,
      ...(hook.matcher ? { matcher: hook.matcher } : {}),
      command: hook.command,
      ...(hook.args ? { args: hook.args } : {}),
      ...(hook.timeout ? { timeout: hook.timeout } : {}),
    });
  }
  if (kept.length === 0) return;
  ctx.losses.standing(asset, "event");
  ctx.losses.standing(asset, "command");
  const servers = ctx.o.workflow.mcp.map((m) => m.name);
  ctx.outputs.push({
    kind: "file",
    file: path.join(ctx.layout.dir, "plugins", PLUGIN_FILE_NAME),
    content: generatePlugin(kept, servers),
    asset,
  });
}
