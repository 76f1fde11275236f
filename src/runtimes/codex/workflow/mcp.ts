/**
 * MCP servers between Codex's `[mcp_servers.<name>]` tables and the IR. Codex passes `env` values literally
 * and forwards variables named in `env_vars`; HTTP servers take a bearer token from `bearer_token_env_var`,
 * static `http_headers`, and `env_http_headers` (header → variable). The IR writes variables as `${VAR}`.
 */
import type { McpServer } from "../../../contract/workflow/ir.js";
import { compact } from "../../../contract/workflow/read-helpers.js";
import type { TomlTable } from "./toml.js";

const MODELLED = new Set([
  "command",
  "args",
  "env",
  "env_vars",
  "url",
  "bearer_token_env_var",
  "http_headers",
  "env_http_headers",
  "enabled",
]);
const WHOLE_VAR = /^\$\{(\w+)\}$/;

export function fromCodexMcp(name: string, t: TomlTable, source: McpServer["source"]): McpServer {
  const env: Record<string, string> = { ...(t.env as Record<string, string> | undefined) };
  for (const v of (t.env_vars as string[] | undefined) ?? []) env[v] = `\${${v}}`;
  const headers: Record<string, string> = { ...(t.http_headers as Record<string, string> | undefined) };
  for (const [h, v] of Object.entries((t.env_http_headers as Record<string, string> | undefined) ?? {})) headers[h] = `\${${v}}`;
  if (typeof t.bearer_token_env_var === "string") headers.Authorization = `Bearer \${${t.bearer_token_env_var}}`;
  const extras = Object.fromEntries(Object.entries(t).filter(([k]) => !MODELLED.has(k)));
  return compact({
    name,
    transport: typeof t.url === "string" ? ("http" as const) : ("stdio" as const),
    command: typeof t.command === "string" ? t.command : undefined,
    args: Array.isArray(t.args) ? (t.args as string[]) : undefined,
    env: Object.keys(env).length > 0 ? env : undefined,
    url: typeof t.url === "string" ? t.url : undefined,
    headers: Object.keys(headers).length > 0 ? headers : undefined,
    enabled: typeof t.enabled === "boolean" ? t.enabled : undefined,
    extras: Object.keys(extras).length > 0 ? { codex: extras } : {},
    source,
  });
}

/** The table for a server, and what could not be said in it. */
export function toCodexMcp(s: McpServer): { table: TomlTable | undefined; lossy: { field: string; reason: string }[]; dropped?: string } {
  const lossy: { field: string; reason: string }[] = [];
  if (s.transport === "ws") return { table: undefined, lossy, dropped: "Codex has no WebSocket MCP transport" };
  if (s.transport === "sse" || s.transport === "remote")
    lossy.push({ field: "transport", reason: `${s.transport} written as a URL: Codex speaks streamable HTTP only` });
  const table: TomlTable = {};
  if (s.command !== undefined) table.command = s.command;
  if (s.args?.length) table.args = s.args;
  const env: Record<string, string> = {};
  const envVars: string[] = [];
  for (const [k, v] of Object.entries(s.env ?? {})) {
    const whole = WHOLE_VAR.exec(v);
    if (whole && whole[1] === k) envVars.push(k);
    else if (!v.includes("${") && !v.includes("{env:") && !v.includes("{file:")) env[k] = v;
    else
      lossy.push({ field: "env", reason: `${k}=${v} left out: Codex passes env values literally and forwards only same-named variables` });
  }
  if (Object.keys(env).length > 0) table.env = env;
  if (envVars.length > 0) table.env_vars = envVars;
  if (s.url !== undefined) table.url = s.url;
  const http: Record<string, string> = {};
  const fromEnv: Record<string, string> = {};
  for (const [h, v] of Object.entries(s.headers ?? {})) {
    const bearer = /^Bearer \$\{(\w+)\}$/.exec(v);
    const whole = WHOLE_VAR.exec(v);
    if (h.toLowerCase() === "authorization" && bearer) table.bearer_token_env_var = bearer[1];
    else if (whole) fromEnv[h] = whole[1]!;
    else if (!v.includes("${") && !v.includes("{env:")) http[h] = v;
    else lossy.push({ field: "headers", reason: `header ${h} left out: Codex takes a header literally or whole from one variable` });
  }
  if (Object.keys(http).length > 0) table.http_headers = http;
  if (Object.keys(fromEnv).length > 0) table.env_http_headers = fromEnv;
  if (s.enabled === false) table.enabled = false;
  if (s.oauth) lossy.push({ field: "oauth", reason: "Codex signs in to an MCP server with `codex mcp login`, not with settings" });
  Object.assign(table, s.extras.codex);
  return { table, lossy };
}
