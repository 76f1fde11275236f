/**
 * The JSON half of a Claude Code workflow: MCP servers (`.mcp.json`, or `~/.claude.json` for the user),
 * and permissions and hooks (`.claude/settings.json`).
 */
import fs from "node:fs";
import { z } from "zod";
import type { AssetKind, Hook, McpServer, PermissionRule, Settings, Workflow } from "../../../contract/workflow/ir.js";
import { readClaudeModel } from "./models.js";
import { PermissionMode } from "../../../contract/workflow/ir.js";
import { parseClaudeRule } from "./permissions.js";
import { compact, Diagnostics, FieldReader, readJsonDoc, type JsonDoc } from "../../../contract/workflow/read-helpers.js";
import type { ClaudeLayout } from "./layout.js";

const StringMap = z.record(z.string(), z.string());
const McpEntry = z.looseObject({
  type: z.enum(["stdio", "http", "sse", "ws"]).optional(),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: StringMap.optional(),
  url: z.string().optional(),
  headers: StringMap.optional(),
  oauth: z.record(z.string(), z.unknown()).optional(),
});
const MCP_FIELDS = ["type", "command", "args", "env", "url", "headers", "oauth"];
const HookEntry = z.looseObject({
  type: z.string(),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  timeout: z.number().positive().optional(),
  statusMessage: z.string().optional(),
  async: z.boolean().optional(),
});
const HookGroup = z.looseObject({ matcher: z.string().optional(), hooks: z.array(z.unknown()) });

export function readClaudeSettings(o: {
  layout: ClaudeLayout;
  workflow: Workflow;
  diags: Diagnostics;
  want: (k: AssetKind) => boolean;
}): void {
  const { layout, workflow, diags, want } = o;
  if (want("mcp")) {
    const doc = readJsonDoc(layout.mcpFile, diags);
    if (doc) workflow.mcp = readMcp(doc, diags);
  }
  if (want("permissions") || want("hooks") || want("settings")) {
    const doc = readJsonDoc(layout.settings, diags);
    const settings = (doc?.value ?? {}) as Record<string, unknown>;
    if (doc && want("settings")) workflow.settings = readOtherSettings(doc, settings, diags);
    if (doc && want("permissions") && settings.permissions !== undefined) workflow.permissions = readPermissions(doc, diags);
    if (doc && want("hooks") && settings.hooks !== undefined) workflow.hooks = readHooks(doc, diags);
    if (layout.localSettings && fs.existsSync(layout.localSettings)) {
      const local = readJsonDoc(layout.localSettings, diags);
      const keys = Object.keys((local?.value ?? {}) as object).filter((k) => k === "permissions" || k === "hooks");
      for (const key of keys) {
        workflow.unportable.push({
          kind: key === "hooks" ? "hooks" : "permissions",
          name: `settings.local.json ${key}`,
          reason: "personal settings (.claude/settings.local.json) have no OpenCode counterpart; only .claude/settings.json is ported",
          source: { file: diags.rel(layout.localSettings), line: local?.lineOf([key]) ?? 1 },
        });
      }
    }
  }
}

/** Keys of settings.json read as other assets (or that only name the schema). */
const ASSET_KEYS = ["$schema", "permissions", "hooks"];

/** `model` and `env`, and every other key as an extra the port reports. */
function readOtherSettings(doc: JsonDoc, settings: Record<string, unknown>, diags: Diagnostics): Settings | undefined {
  const f = new FieldReader(settings, diags.rel(doc.file), (k) => doc.lineOf([k]), diags, "setting");
  const model = f.get("model", z.string());
  const extras = Object.fromEntries(Object.entries(settings).filter(([k]) => ![...ASSET_KEYS, "model", "env"].includes(k)));
  const result = compact({
    model: model === undefined ? undefined : readClaudeModel(model),
    env: f.get("env", z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))),
    extras: Object.keys(extras).length > 0 ? { claude: extras } : {},
    source: { file: diags.rel(doc.file), line: 1 },
  });
  return result.model || result.env || result.extras.claude ? result : undefined;
}

function readMcp(doc: JsonDoc, diags: Diagnostics): McpServer[] {
  const servers = (doc.value as { mcpServers?: unknown } | undefined)?.mcpServers;
  if (servers === undefined) return [];
  if (!servers || typeof servers !== "object" || Array.isArray(servers)) {
    diags.add("error", doc.file, "mcpServers must be an object of servers", { field: "mcpServers", line: doc.lineOf(["mcpServers"]) ?? 1 });
    return [];
  }
  const out: McpServer[] = [];
  for (const [name, raw] of Object.entries(servers)) {
    const line = doc.lineOf(["mcpServers", name]) ?? 1;
    const parsed = McpEntry.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = ["mcpServers", name, ...issue.path].join(".");
      diags.add("error", doc.file, `MCP server "${name}": ${issue.path.join(".")}: ${issue.message}; not ported`, {
        field,
        line: doc.lineOf(["mcpServers", name, ...(issue.path as string[])]) ?? line,
      });
      continue;
    }
    const e = parsed.data;
    if (e.type === undefined && e.url !== undefined) {
      diags.add("error", doc.file, `MCP server "${name}" has a url but no type (Claude Code rejects it); not ported`, {
        field: `mcpServers.${name}.type`,
        line,
      });
      continue;
    }
    const transport = e.type ?? "stdio";
    if (transport === "stdio" && !e.command) {
      diags.add("error", doc.file, `MCP server "${name}" has no command; not ported`, { field: `mcpServers.${name}.command`, line });
      continue;
    }
    if (transport !== "stdio" && !e.url) {
      diags.add("error", doc.file, `MCP server "${name}" (${transport}) has no url; not ported`, { field: `mcpServers.${name}.url`, line });
      continue;
    }
    const extra = Object.fromEntries(Object.entries(raw as object).filter(([k]) => !MCP_FIELDS.includes(k)));
    out.push(
      compact({
        name,
        transport,
        command: e.command,
        args: e.args,
        env: e.env,
        url: e.url,
        headers: e.headers,
        oauth: e.oauth,
        extras: Object.keys(extra).length > 0 ? { claude: extra } : {},
        source: { file: diags.rel(doc.file), line },
      }),
    );
  }
  return out;
}

function readPermissions(doc: JsonDoc, diags: Diagnostics): Workflow["permissions"] {
  const p = (doc.value as { permissions: Record<string, unknown> }).permissions;
  const line = doc.lineOf(["permissions"]) ?? 1;
  if (!p || typeof p !== "object" || Array.isArray(p)) {
    diags.add("error", doc.file, "permissions must be an object", { field: "permissions", line });
    return undefined;
  }
  const rules: PermissionRule[] = [];
  for (const action of ["allow", "ask", "deny"] as const) {
    const list = p[action];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      diags.add("error", doc.file, `permissions.${action} must be a list of rules`, {
        field: `permissions.${action}`,
        line: doc.lineOf(["permissions", action]) ?? line,
      });
      continue;
    }
    list.forEach((text, i) => {
      const at = { field: `permissions.${action}[${i}]`, line: doc.lineOf(["permissions", action, i]) ?? line };
      if (typeof text !== "string") return diags.add("warning", doc.file, `permissions.${action}[${i}] is not a string; left out`, at);
      const parsed = parseClaudeRule(text, action);
      if (parsed.ok) rules.push(parsed.rule);
      else diags.add("warning", doc.file, `${parsed.reason}; left out`, at);
    });
  }
  const mode = PermissionMode.or(z.literal("manual")).safeParse(p.defaultMode);
  if (p.defaultMode !== undefined && !mode.success) {
    diags.add("warning", doc.file, `permissions.defaultMode "${String(p.defaultMode)}" is not a mode Claude Code knows; left out`, {
      field: "permissions.defaultMode",
      line: doc.lineOf(["permissions", "defaultMode"]) ?? line,
    });
  }
  const dirs = z.array(z.string()).safeParse(p.additionalDirectories);
  const extra = Object.fromEntries(
    Object.entries(p).filter(([k]) => !["allow", "ask", "deny", "defaultMode", "additionalDirectories"].includes(k)),
  );
  return compact({
    rules,
    precedence: "action" as const,
    defaultMode: mode.success ? (mode.data === "manual" ? ("default" as const) : mode.data) : undefined,
    additionalDirectories: dirs.success ? dirs.data : undefined,
    extras: Object.keys(extra).length > 0 ? { claude: extra } : {},
    source: { file: diags.rel(doc.file), line },
  });
}

function readHooks(doc: JsonDoc, diags: Diagnostics): Hook[] {
  const hooks = (doc.value as { hooks: unknown }).hooks;
  const line = doc.lineOf(["hooks"]) ?? 1;
  if (!hooks || typeof hooks !== "object" || Array.isArray(hooks)) {
    diags.add("error", doc.file, "hooks must be an object of events", { field: "hooks", line });
    return [];
  }
  const out: Hook[] = [];
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) {
      diags.add("error", doc.file, `hooks.${event} must be a list of matcher groups`, {
        field: `hooks.${event}`,
        line: doc.lineOf(["hooks", event]) ?? line,
      });
      continue;
    }
    groups.forEach((g, gi) => {
      const group = HookGroup.safeParse(g);
      const at = { field: `hooks.${event}[${gi}]`, line: doc.lineOf(["hooks", event, gi]) ?? line };
      if (!group.success) return diags.add("error", doc.file, `hooks.${event}[${gi}] needs a "hooks" list; not ported`, at);
      group.data.hooks.forEach((h, hi) => {
        const hook = HookEntry.safeParse(h);
        const hookLine = doc.lineOf(["hooks", event, gi, "hooks", hi]) ?? at.line;
        if (!hook.success) {
          return diags.add(
            "error",
            doc.file,
            `hooks.${event}[${gi}].hooks[${hi}]: ${hook.error.issues[0]!.path.join(".")} ${hook.error.issues[0]!.message}; not ported`,
            { field: `${at.field}.hooks[${hi}]`, line: hookLine },
          );
        }
        const { type, command, args, timeout, statusMessage, async, ...rest } = hook.data;
        out.push(
          compact({
            event,
            matcher: group.data.matcher === "" ? undefined : group.data.matcher,
            type,
            command,
            args,
            timeout,
            statusMessage,
            async,
            extras: Object.keys(rest).length > 0 ? { claude: rest } : {},
            source: { file: diags.rel(doc.file), line: hookLine },
          }),
        );
      });
    });
  }
  return out;
}
