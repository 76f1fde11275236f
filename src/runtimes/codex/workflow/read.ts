/**
 * Reading a Codex CLI 0.169 workflow into the IR: AGENTS.md, MCP servers and the approval/sandbox policy
 * from config.toml, skills, (user scope) old custom prompts as commands (Codex 0.169 no longer reads them), and hooks from config.toml's `[hooks]`
 * and hooks.json, and agent roles (.codex/agents/*.toml, `[agents.<name>]`) as agents.
 */
import fs from "node:fs";
import path from "node:path";
import { emptyWorkflow, type Workflow } from "../../../contract/workflow/ir.js";
import { Diagnostics, markdownFiles, readMarkdown } from "../../../contract/workflow/read-helpers.js";
import { readSkills } from "../../../contract/workflow/skills.js";
import type { WorkflowReadOptions, WorkflowReadResult } from "../../types.js";
import { readCodexAgents } from "./agents.js";
import { fromCodexTemplate } from "./arguments.js";
import { fromCodexHooks } from "./hooks.js";
import { codexLayout, type CodexLayout } from "./layout.js";
import { fromCodexMcp } from "./mcp.js";
import { fromCodexPolicy, type CodexPolicy } from "./permissions.js";
import { readTomlFile, type TomlTable } from "./toml.js";

export function readCodexWorkflow(o: WorkflowReadOptions): WorkflowReadResult {
  const layout = codexLayout(o);
  const diags = new Diagnostics(o.root);
  const wf = emptyWorkflow("codex", o.scope);
  const want = (k: string) => o.only.includes(k as never);
  if (want("instructions") && fs.existsSync(layout.agentsMd)) {
    const file = diags.rel(layout.agentsMd);
    const text = fs.readFileSync(layout.agentsMd, "utf8");
    wf.instructions = { main: { file, text }, imports: [], rules: [], urls: [], extras: {}, source: { file } };
  }
  let config: TomlTable = {};
  try {
    config = readTomlFile(layout.config)?.value ?? {};
  } catch (e) {
    diags.failed(layout.config, e);
  }
  const configRel = diags.rel(layout.config);
  if (want("mcp"))
    for (const [name, t] of Object.entries((config.mcp_servers as Record<string, TomlTable> | undefined) ?? {}))
      wf.mcp.push(fromCodexMcp(name, t, { file: configRel }));
  if (want("permissions")) readPermissions(wf, config, configRel);
  if (want("skills")) wf.skills = readSkills(layout.skillDirs, o.root, diags);
  if (want("commands") && layout.promptsDir) readPrompts(wf, layout, diags);
  if (want("hooks")) readHooks(wf, config.hooks, layout, diags);
  if (want("agents")) wf.agents = readCodexAgents(layout, config, diags);
  return { workflow: wf, diagnostics: diags.list };
}

function readHooks(wf: Workflow, inline: unknown, layout: CodexLayout, diags: Diagnostics): void {
  const sources: { file: string; table: unknown }[] = [];
  if (inline !== undefined) sources.push({ file: layout.config, table: inline });
  const json = path.join(layout.dir, "hooks.json");
  if (fs.existsSync(json)) {
    try {
      sources.push({ file: json, table: (JSON.parse(fs.readFileSync(json, "utf8")) as { hooks?: unknown }).hooks });
    } catch (e) {
      diags.failed(json, e);
    }
  }
  for (const { file, table } of sources) {
    const rel = diags.rel(file);
    const r = fromCodexHooks(table, { file: rel });
    wf.hooks.push(...r.hooks);
    for (const u of r.unportable) wf.unportable.push({ kind: "hooks", name: u.name, reason: u.reason, source: { file: rel } });
    for (const p of r.problems) diags.add("error", file, p, { field: "hooks" });
  }
}

function readPermissions(wf: Workflow, config: TomlTable, file: string): void {
  const policy: Partial<CodexPolicy> = {};
  if (typeof config.approval_policy === "string") policy.approval_policy = config.approval_policy as CodexPolicy["approval_policy"];
  if (typeof config.sandbox_mode === "string") policy.sandbox_mode = config.sandbox_mode as CodexPolicy["sandbox_mode"];
  const mode = fromCodexPolicy(policy);
  if (!mode) return;
  wf.permissions = {
    rules: [],
    precedence: "action",
    defaultMode: mode.mode,
    extras: { codex: { ...policy } },
    source: { file },
  };
}

function readPrompts(wf: Workflow, layout: CodexLayout, diags: Diagnostics): void {
  for (const { file, name } of markdownFiles(layout.promptsDir!)) {
    if (name.includes("/")) continue; // Codex reads only the folder's own files.
    const md = readMarkdown(file, diags, undefined, { withoutFrontmatter: "prompt" });
    if (!md) continue;
    const template = fromCodexTemplate(md.body);
    wf.commands.push({
      name,
      ...(typeof md.data.description === "string" ? { description: md.data.description } : {}),
      ...(typeof md.data["argument-hint"] === "string" ? { argumentHint: md.data["argument-hint"] } : {}),
      template: template.text,
      extras: {},
      source: { file: diags.rel(file), line: 1, path: name },
    });
  }
}
