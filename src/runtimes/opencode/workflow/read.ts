/**
 * Reading an OpenCode 1.18 workflow into the IR: AGENTS.md and `instructions`, agents and commands from
 * `.opencode/` files and the config's `agent` / `command` entries, skills from every folder OpenCode reads
 * (its own and Claude Code's), and MCP servers, permissions and quartet's hooks plugin.
 *
 * OpenCode refuses to start on some mistakes (a `tools` string, an unknown colour, an unknown MCP key);
 * those are errors here too, at their line. Others it accepts silently but gets wrong (a `model` without
 * a provider); those are warnings.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { fromOpencodeTemplate } from "../../../workflow/arguments.js";
import { expandGlob } from "../../../workflow/glob.js";
import { PLUGIN_FILE_NAME, isQuartetPlugin, parsePluginHooks } from "../../../workflow/hooks-plugin.js";
import {
  emptyWorkflow,
  type Agent,
  type AssetKind,
  type Command,
  type Instructions,
  type PermissionRule,
  type Workflow,
} from "../../../workflow/ir.js";
import { readOpencodeModel } from "../../../workflow/models.js";
import { fromOpencodePermission } from "../../../workflow/permissions.js";
import { compact, Diagnostics, FieldReader, markdownFiles, pick, readMarkdown } from "../../../workflow/read-helpers.js";
import { readSkills } from "../../../workflow/skills.js";
import { editTools, fromOpencodeTool } from "../../../workflow/tools.js";
import type { WorkflowReadOptions, WorkflowReadResult } from "../../types.js";
import { readOpencodeConfig, type MergedConfig } from "./config.js";
import { opencodeLayout, type OpencodeLayout } from "./layout.js";
import { readOpencodeMcp } from "./read-mcp.js";

const AGENT_FIELDS = [
  "description",
  "mode",
  "model",
  "temperature",
  "top_p",
  "prompt",
  "permission",
  "tools",
  "steps",
  "maxSteps",
  "hidden",
  "disable",
  "color",
];
const AGENT_EXTRAS = ["variant", "options"];
const COMMAND_FIELDS = ["description", "agent", "model", "subtask", "template"];
const COMMAND_EXTRAS = ["variant"];
const THEME_COLORS = ["primary", "secondary", "accent", "success", "warning", "error", "info"];
const Color = z
  .string()
  .refine(
    (c) => /^#[0-9a-fA-F]{6}$/.test(c) || THEME_COLORS.includes(c),
    "must be #rrggbb or a theme colour (primary, secondary, accent, success, warning, error, info)",
  );

export function readOpencodeWorkflow(o: WorkflowReadOptions): WorkflowReadResult {
  const layout = opencodeLayout(o);
  const diags = new Diagnostics(o.root);
  const config = readOpencodeConfig(layout, diags);
  const wf: Workflow = emptyWorkflow("opencode", o.scope);
  const want = (k: AssetKind) => o.only.includes(k);
  const servers = Object.keys((config.value.mcp ?? {}) as object);
  if (want("instructions")) wf.instructions = readInstructions(layout, config, diags);
  if (want("agents")) wf.agents = readAgents(layout, config, servers, diags);
  if (want("commands")) wf.commands = readCommands(layout, config, diags);
  if (want("skills")) wf.skills = readSkills(layout.skillDirs, o.root, diags);
  if (want("mcp")) wf.mcp = readOpencodeMcp(config, diags);
  if (want("permissions") && config.value.permission !== undefined) {
    const { rules, problems } = fromOpencodePermission(config.value.permission, servers);
    const at = config.at("permission");
    for (const p of problems) diags.add("warning", at.file, `permission: ${p}; left out`, { field: "permission", line: at.line });
    wf.permissions = { rules, precedence: "order", extras: {}, source: { file: diags.rel(at.file), line: at.line } };
  }
  if (want("hooks")) readPlugins(layout, wf, diags);
  return { workflow: wf, diagnostics: diags.list };
}

function readInstructions(layout: OpencodeLayout, config: MergedConfig, diags: Diagnostics): Instructions | undefined {
  const own = fs.existsSync(layout.agentsMd);
  const fallback = !own && fs.existsSync(layout.claudeMdFallback);
  const entries = (config.value.instructions ?? []) as unknown;
  const list = Array.isArray(entries) ? entries.filter((e): e is string => typeof e === "string") : [];
  if (!own && !fallback && list.length === 0) return undefined;
  const mainFile = own ? layout.agentsMd : layout.claudeMdFallback;
  const inst: Instructions = {
    imports: [],
    rules: [],
    urls: [],
    extras: fallback ? { opencode: { fallback: true } } : {},
    source: { file: diags.rel(own || fallback ? mainFile : config.at("instructions").file) },
  };
  if (own || fallback) inst.main = { file: diags.rel(mainFile), text: fs.readFileSync(mainFile, "utf8") };
  const base = layout.scope === "project" ? layout.root : layout.dir;
  for (const entry of list) {
    if (/^https?:\/\//.test(entry)) {
      inst.urls.push(entry);
      continue;
    }
    const files = expandGlob(entry.replace(/^~\//, `${process.env.HOME ?? ""}/`), base);
    if (files.length === 0)
      diags.add("warning", config.at("instructions").file, `instructions entry "${entry}" matches no file`, {
        field: "instructions",
        line: config.at("instructions").line,
      });
    for (const file of files) {
      if (!inst.imports.some((i) => i.file === diags.rel(file)))
        inst.imports.push({ file: diags.rel(file), text: fs.readFileSync(file, "utf8"), ref: entry });
    }
  }
  return inst;
}

interface AgentSource {
  name: string;
  data: Record<string, unknown>;
  prompt: string;
  file: string;
  lineOf(field: string): number | undefined;
  primary: boolean;
}

function readAgents(layout: OpencodeLayout, config: MergedConfig, servers: string[], diags: Diagnostics): Agent[] {
  const sources: AgentSource[] = [];
  for (const { dir, primary } of layout.agentDirs) {
    for (const { file, name } of markdownFiles(dir)) {
      const md = readMarkdown(file, diags);
      if (md) sources.push({ name, data: md.data, prompt: md.body, file, lineOf: (k) => md.lineOf(k), primary });
    }
  }
  for (const [name, value] of Object.entries((config.value.agent ?? {}) as Record<string, unknown>)) {
    const at = config.at("agent", name);
    if (!value || typeof value !== "object") continue;
    const data = value as Record<string, unknown>;
    sources.push({
      name,
      data,
      prompt: typeof data.prompt === "string" ? data.prompt : "",
      file: at.file,
      lineOf: (k) => config.at("agent", name, k).line,
      primary: false,
    });
  }
  const agents: Agent[] = [];
  const seen = new Map<string, string>();
  for (const s of sources) {
    if (seen.has(s.name)) {
      diags.add("error", s.file, `agent "${s.name}" is also defined in ${seen.get(s.name)}; this one is not ported`, {
        line: s.lineOf("description") ?? 1,
      });
      continue;
    }
    seen.set(s.name, diags.rel(s.file));
    const agent = readAgent(s, servers, diags);
    if (agent) agents.push(agent);
  }
  return agents;
}

function readAgent(s: AgentSource, servers: string[], diags: Diagnostics): Agent | undefined {
  const f = new FieldReader(s.data, diags.rel(s.file), s.lineOf, diags, "agent");
  if (typeof s.data.tools === "string") {
    diags.add("error", s.file, `"tools" must map tool names to true/false (OpenCode refuses to start on a list); not ported`, {
      field: "tools",
      line: s.lineOf("tools") ?? 1,
    });
    return undefined;
  }
  const modelText = f.get("model", z.string());
  let model: Agent["model"];
  if (modelText !== undefined) {
    const parsed = readOpencodeModel(modelText);
    if ("invalid" in parsed)
      diags.add("warning", s.file, `agent field "model": ${parsed.invalid} (OpenCode resolves it to a broken model); left out`, {
        field: "model",
        line: s.lineOf("model") ?? 1,
      });
    else model = parsed;
  }
  const permission = permissionOf(s, f, servers, diags);
  const extras = {
    ...pick(s.data, AGENT_EXTRAS),
    ...f.unknown([...AGENT_FIELDS, ...AGENT_EXTRAS], "OpenCode (it sends unknown agent fields to the provider as options)"),
  };
  return compact({
    name: s.name,
    description: f.get("description", z.string()),
    prompt: s.prompt,
    model,
    ...permission,
    color: f.get("color", Color, "error"),
    maxTurns: f.get("steps", z.number().int().positive()) ?? f.get("maxSteps", z.number().int().positive()),
    mode: s.primary ? ("primary" as const) : f.get("mode", z.enum(["primary", "subagent", "all"])),
    temperature: f.get("temperature", z.number()),
    topP: f.get("top_p", z.number()),
    hidden: f.get("hidden", z.boolean()),
    disabled: f.get("disable", z.boolean()),
    extras: Object.keys(extras).length > 0 ? { opencode: extras } : {},
    source: { file: diags.rel(s.file), line: 1 },
  });
}

/**
 * An agent's `permission` (and deprecated `tools`) → an allowlist when it starts with `"*": deny`,
 * tool-wide denies, and the finer rules left over.
 */
function permissionOf(
  s: AgentSource,
  f: FieldReader,
  servers: string[],
  diags: Diagnostics,
): Pick<Agent, "tools" | "disallowedTools" | "permission"> {
  const rules: PermissionRule[] = [];
  const tools = f.get("tools", z.record(z.string(), z.boolean()), "error");
  for (const [key, on] of Object.entries(tools ?? {}))
    if (!on) for (const tool of fromOpencodeTool(key, servers)) rules.push({ tool, action: "deny" });
  if (s.data.permission !== undefined) {
    const parsed = fromOpencodePermission(s.data.permission, servers);
    for (const p of parsed.problems)
      diags.add("warning", s.file, `agent permission: ${p}; left out`, { field: "permission", line: s.lineOf("permission") ?? 1 });
    rules.push(...parsed.rules);
  }
  const out: Pick<Agent, "tools" | "disallowedTools" | "permission"> = {};
  let rest = rules;
  if (rules[0]?.tool === "*" && rules[0].action === "deny" && rules[0].pattern === undefined) {
    const allowed = rules.slice(1).filter((r) => r.pattern === undefined && r.action === "allow");
    out.tools = editTools(allowed.map((r) => r.tool));
    rest = rules.slice(1).filter((r) => !allowed.includes(r) && !(r.pattern === undefined && r.action === "deny"));
  }
  const denied = rest.filter((r) => r.pattern === undefined && r.action === "deny" && r.tool !== "*");
  if (denied.length > 0) out.disallowedTools = editTools(denied.map((r) => r.tool));
  const finer = rest.filter((r) => !denied.includes(r));
  if (finer.length > 0) out.permission = finer;
  return out;
}

function readCommands(layout: OpencodeLayout, config: MergedConfig, diags: Diagnostics): Command[] {
  const commands: Command[] = [];
  const seen = new Set<string>();
  const add = (name: string, data: Record<string, unknown>, template: string, file: string, lineOf: (k: string) => number | undefined) => {
    if (seen.has(name)) {
      diags.add("error", file, `command "${name}" is defined twice; this one is not ported`, { line: lineOf("description") ?? 1 });
      return;
    }
    seen.add(name);
    const f = new FieldReader(data, diags.rel(file), lineOf, diags, "command");
    const converted = fromOpencodeTemplate(template);
    if (/\$0(?!\d)/.test(template))
      diags.add("warning", file, "$0 is plain text in OpenCode but the first argument in Claude Code", { line: lineOf("template") ?? 1 });
    const modelText = f.get("model", z.string());
    const model = modelText === undefined ? undefined : readOpencodeModel(modelText);
    if (model && "invalid" in model)
      diags.add("warning", file, `command field "model": ${model.invalid}; left out`, { field: "model", line: lineOf("model") ?? 1 });
    const extras = {
      ...pick(data, COMMAND_EXTRAS),
      ...f.unknown([...COMMAND_FIELDS, ...COMMAND_EXTRAS], "OpenCode (it ignores unknown command fields)"),
    };
    commands.push(
      compact({
        name,
        description: f.get("description", z.string()),
        template: converted.text,
        model: model && !("invalid" in model) ? model : undefined,
        agent: f.get("agent", z.string()),
        subtask: f.get("subtask", z.boolean()),
        extras: Object.keys(extras).length > 0 ? { opencode: extras } : {},
        source: { file: diags.rel(file), line: 1 },
      }),
    );
  };
  for (const dir of layout.commandDirs) {
    for (const { file, name } of markdownFiles(dir)) {
      const md = readMarkdown(file, diags);
      if (md) add(name, md.data, md.body, file, (k) => md.lineOf(k));
    }
  }
  for (const [name, value] of Object.entries((config.value.command ?? {}) as Record<string, unknown>)) {
    if (!value || typeof value !== "object") continue;
    const data = value as Record<string, unknown>;
    add(
      name,
      data,
      typeof data.template === "string" ? data.template : "",
      config.at("command", name).file,
      (k) => config.at("command", name, k).line,
    );
  }
  return commands;
}

function readPlugins(layout: OpencodeLayout, wf: Workflow, diags: Diagnostics): void {
  for (const dir of layout.pluginDirs) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (!/\.(js|mjs|ts)$/.test(name)) continue;
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, "utf8");
      const hooks = isQuartetPlugin(text) ? parsePluginHooks(text) : undefined;
      if (hooks) {
        for (const h of hooks)
          wf.hooks.push(
            compact({
              event: h.event,
              matcher: h.matcher,
              type: "command",
              command: h.command,
              timeout: h.timeout,
              extras: {},
              source: { file: diags.rel(file) },
            }),
          );
        continue;
      }
      if (isQuartetPlugin(text) || name === PLUGIN_FILE_NAME)
        diags.add("warning", file, "quartet's hooks plugin was edited beyond recognition; its hooks are not read");
      wf.unportable.push({
        kind: "hooks",
        name: `plugin ${name}`,
        reason: "an OpenCode plugin is JavaScript; Claude Code hooks are commands, so it cannot be translated",
        source: { file: diags.rel(file) },
      });
    }
  }
}
