/**
 * OpenCode's `mcp` servers → the IR. OpenCode 1.18 accepts `{type: "local", command: [argv], environment,
 * enabled, timeout}`, `{type: "remote", url, headers, oauth, enabled, timeout}`, or `{enabled}` alone to
 * toggle a server defined in another config file; any other key is a config error.
 * `{env:VAR}` becomes `${VAR}`, the IR's (Claude Code's) spelling.
 */
import { z } from "zod";
import type { McpServer } from "../../../contract/workflow/ir.js";
import { compact, type Diagnostics } from "../../../contract/workflow/read-helpers.js";
import type { MergedConfig } from "./config.js";

const StringMap = z.record(z.string(), z.string());
const Local = z
  .object({
    type: z.literal("local"),
    command: z.array(z.string()).min(1),
    environment: StringMap.optional(),
    enabled: z.boolean().optional(),
    timeout: z.number().optional(),
  })
  .strict();
const Remote = z
  .object({
    type: z.literal("remote"),
    url: z.string(),
    headers: StringMap.optional(),
    oauth: z.union([z.record(z.string(), z.unknown()), z.literal(false)]).optional(),
    enabled: z.boolean().optional(),
    timeout: z.number().optional(),
  })
  .strict();

function fromOpencodeVars(s: string): string {
  return s.replace(/\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, "${$1}");
}
const mapValues = (m: Record<string, string> | undefined) =>
  m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, fromOpencodeVars(v)])) : undefined;

export function readOpencodeMcp(config: MergedConfig, diags: Diagnostics): McpServer[] {
  const servers = (config.value.mcp ?? {}) as Record<string, unknown>;
  const out: McpServer[] = [];
  for (const [name, raw] of Object.entries(servers)) {
    const at = config.at("mcp", name);
    const entry = raw as Record<string, unknown> | null;
    if (entry && typeof entry === "object" && entry.type === undefined && Object.keys(entry).every((k) => k === "enabled")) {
      diags.add("warning", at.file, `MCP entry "${name}" only turns a server from another config on or off; not ported`, {
        field: `mcp.${name}`,
        line: at.line,
      });
      continue;
    }
    const parsed = (entry?.type === "remote" ? Remote : Local).safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = ["mcp", name, ...issue.path.map(String)].join(".");
      diags.add(
        "error",
        at.file,
        `MCP server "${name}": ${issue.path.join(".") || "entry"}: ${issue.message} (OpenCode rejects it); not ported`,
        { field, line: config.at("mcp", name, ...issue.path.map(String)).line },
      );
      continue;
    }
    const e = parsed.data;
    const text = JSON.stringify(e);
    if (/\{file:/.test(text))
      diags.add("warning", at.file, `MCP server "${name}" uses {file:…}, which Claude Code cannot read; kept as text`, {
        field: `mcp.${name}`,
        line: at.line,
      });
    const extra = e.timeout !== undefined ? { timeout: e.timeout } : {};
    out.push(
      compact(
        e.type === "local"
          ? {
              name,
              transport: "stdio" as const,
              command: fromOpencodeVars(e.command[0]!),
              args: e.command.length > 1 ? e.command.slice(1).map(fromOpencodeVars) : undefined,
              env: mapValues(e.environment),
              enabled: e.enabled === false ? false : undefined,
              extras: Object.keys(extra).length > 0 ? { opencode: extra } : {},
              source: { file: diags.rel(at.file), line: at.line },
            }
          : {
              name,
              transport: "remote" as const,
              url: fromOpencodeVars(e.url),
              headers: mapValues(e.headers),
              oauth: e.oauth === false ? { disabled: true } : e.oauth,
              enabled: e.enabled === false ? false : undefined,
              extras: Object.keys(extra).length > 0 ? { opencode: extra } : {},
              source: { file: diags.rel(at.file), line: at.line },
            },
      ),
    );
  }
  return out;
}
