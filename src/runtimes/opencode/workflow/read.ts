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
import { fromOpencodeTemplate } from "./arguments.js";
import { expandGlob } from "../../../core/glob.js";
import { PLUGIN_FILE_NAME, isQuartetPlugin, parsePluginHooks } from "./hooks-plugin.js";
import {
  emptyWorkflow,
  type Agent,
  type AssetKind,
  type Command,
  type Instructions,
  type PermissionRule,
  type Settings,
  type Workflow,
} from "../../../contract/workflow/ir.js";
import { readOpencodeModel } from "./models.js";
import { CLAUDE_ASKS_BY_DEFAULT } from "./agent-permission.js";
import { OPENCODE_DEFAULTS } from "./rules.js";
import { fromOpencodePermission } from "./permissions.js";
import { compact, Diagnostics, FieldReader, markdownFiles, pick, readMarkdown } from "../../../contract/workflow/read-helpers.js";
import { readSkills } from "../../../contract/workflow/skills.js";
import { editTools, fromOpencodeTool } from "./tools.js";
import type { WorkflowReadOptions, WorkflowReadResult } from "../../types.js";
import { readOpencodeConfig, type MergedConfig } from "./config.js";
import { envRefs } from "../../../contract/workflow/env-refs.js";
import { withFinalNewline } from "../../../core/frontmatter.js";
import { opencodeYamlFallback } from "./frontmatter.js";
import { opencodeLayout, type OpencodeLayout } from "./layout.js";
import { readOpencodeMcp } from "./read-mcp.js";
import { OPENCODE_THEME_COLORS } from "./colors.js";
import { isHexColor } from "../../../contract/workflow/colors.js";

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
const Color = z
  .string()
  .refine(
    (c) => isHexColor(c) || Object.hasOwn(OPENCODE_THEME_COLORS, c),
    `must be #rrggbb or a theme colour (${Object.keys(OPENCODE_THEME_COLORS).join(", ")})`,
  );

export function readOpencodeWorkflow(o: WorkflowReadOptions): WorkflowReadResult {
  const layout = opencodeLayout(o);
  const diags = new Diagnostics(o.root);
  const config = readOpencodeConfig(layout, diags);
  const wf: Workflow = emptyWorkflow("opencode", o.scope);
  const want = (k: AssetKind) => o.only.includes(k);
  const servers = Object.keys((config.value.mcp ?? {}) as object);
  if (want("instructions")) wf.instructions = readInstructions(layout, config, diags);
  if (want("agents")) wf.agents = readAgents(layout, config, servers, diags, wf.unportable);
  if (want("commands")) wf.commands = readCommands(layout, config, diags);
  if (want("skills")) wf.skills = readSkills(layout.skillDirs, o.root, diags);
  if (want("mcp")) wf.mcp = readOpencodeMcp(config, diags);
  if (want("permissions") && (config.value.permission !== undefined || config.value.tools !== undefined)) {
    const at = config.at(config.value.permission !== undefined ? "permission" : "tools");
    // The deprecated top-level `tools` (`bash: false`) comes first: OpenCode lets `permission` decide over it.
    const rules = toolSwitches(config.value.tools, servers);
    if (config.value.permission !== undefined) {
      const parsed = fromOpencodePermission(config.value.permission, servers);
      for (const p of parsed.problems) diags.add("warning", at.file, `permission: ${p}; left out`, { field: "permission", line: at.line });
      rules.push(...parsed.rules);
    }
    wf.permissions = { rules, precedence: "order", extras: {}, source: { file: diags.rel(at.file), line: at.line } };
  }
  if (want("settings")) wf.settings = readSettings(config, diags);
  if (want("hooks")) readPlugins(layout, wf, diags);
  return { workflow: wf, diagnostics: diags.list };
}

/** Config keys read as assets (or naming the schema). */
const ASSET_KEYS = ["$schema", "agent", "command", "mcp", "permission", "tools", "instructions"];

/** `model`, `small_model`, `default_agent`, and every other key as an extra the port reports. */
function readSettings(config: MergedConfig, diags: Diagnostics): Settings | undefined {
  const v = config.value;
  const model = (key: string) => {
    if (typeof v[key] !== "string") return undefined;
    const parsed = readOpencodeModel(v[key]);
    if (!("invalid" in parsed)) return parsed;
    const at = config.at(key);
    diags.add("warning", at.file, `"${key}": ${parsed.invalid}; left out`, { field: key, line: at.line });
    return undefined;
  };
  const known = [...ASSET_KEYS, "model", "small_model", "default_agent"];
  const extras = Object.fromEntries(Object.entries(v).filter(([k]) => !known.includes(k)));
  const result = compact({
    model: model("model"),
    smallModel: model("small_model"),
    defaultAgent: typeof v.default_agent === "string" ? v.default_agent : undefined,
    extras: Object.keys(extras).length > 0 ? { opencode: extras } : {},
    source: { file: diags.rel(config.at("model").file), line: 1 },
  });
  return result.model || result.smallModel || result.defaultAgent || result.extras.opencode ? result : undefined;
}

/** OpenCode's deprecated `tools` map (`bash: false`) as rules: off denies, on allows. */
function toolSwitches(tools: unknown, servers: string[]): PermissionRule[] {
  if (!tools || typeof tools !== "object") return [];
  return Object.entries(tools).flatMap(([key, on]) =>
    typeof on === "boolean"
      ? fromOpencodeTool(key, servers).map((tool) => ({ tool, action: on ? ("allow" as const) : ("deny" as const) }))
      : [],
  );
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
  /** The file's path below its agent folder, without `.md` (none for a config entry). */
  path?: string;
}

/**
 * Agents as OpenCode 1.18 loads them: config entries first, then markdown files, each named by its
 * `name:` or else its path below `agent/` or `agents/`; a file for a name the config also has is merged
 * into it field by field, the file winning.
 */
/** OpenCode 1.18.33's own agents. */
const BUILT_IN_AGENTS = ["build", "plan", "general", "explore", "compaction", "title", "summary"];

function readAgents(
  layout: OpencodeLayout,
  config: MergedConfig,
  servers: string[],
  diags: Diagnostics,
  unportable: Workflow["unportable"],
): Agent[] {
  const byName = new Map<string, AgentSource>();
  for (const [name, value] of Object.entries((config.value.agent ?? {}) as Record<string, unknown>)) {
    const at = config.at("agent", name);
    if (!value || typeof value !== "object") continue;
    // `name` in the config only labels the agent (its key names it): not a field to port.
    const { name: _label, ...data } = value as Record<string, unknown>;
    warnEnvRefs(config, ["agent", name, "prompt"], data.prompt, diags);
    byName.set(name, {
      name,
      data,
      prompt: typeof data.prompt === "string" ? withFinalNewline(data.prompt) : "",
      file: at.file,
      lineOf: (k) => config.at("agent", name, k).line,
      primary: false,
    });
  }
  const files = new Map<string, string>();
  for (const { dir, primary } of layout.agentDirs) {
    for (const { file, name: place } of markdownFiles(dir)) {
      const md = readMarkdown(file, diags, opencodeYamlFallback);
      if (!md) continue;
      const name = typeof md.data.name === "string" && md.data.name !== "" ? md.data.name : place;
      if (files.has(name)) {
        // OpenCode loads both and keeps one (the later in the order it scans).
        diags.add(
          "warning",
          file,
          `agent "${name}" is also defined in ${files.get(name)}; OpenCode keeps only one, and only that one is ported`,
          {
            line: md.lineOf("name"),
          },
        );
        continue;
      }
      files.set(name, diags.rel(file));
      const inConfig = byName.get(name);
      const data = { ...(inConfig?.data ?? {}), ...md.data };
      delete data.name;
      byName.set(name, {
        name,
        data,
        prompt: md.body,
        file,
        lineOf: (k) => (k in md.data ? md.lineOf(k) : inConfig?.lineOf(k)),
        primary,
        path: place,
      });
    }
  }
  const agents: Agent[] = [];
  const restated = restatedRules(config.value.permission, servers);
  for (const s of byName.values()) {
    // `agent.build` with only a permission tunes OpenCode's own agent; it is not an agent of the user's.
    if (BUILT_IN_AGENTS.includes(s.name) && s.prompt.trim() === "") {
      unportable.push({
        kind: "agents",
        name: s.name,
        reason: `changes OpenCode's built-in ${s.name} agent (${Object.keys(s.data).join(", ") || "nothing"}); Claude Code has no such agent to change`,
        source: { file: diags.rel(s.file), line: s.lineOf("description") ?? 1 },
      });
      continue;
    }
    const agent = readAgent(s, servers, diags, restated);
    if (agent) agents.push(agent);
  }
  return agents;
}

const ruleKey = (r: PermissionRule) => `${r.tool}\u0000${r.pattern ?? ""}\u0000${r.action}`;

/**
 * Rules an agent may hold only because they apply anyway: the project's, OpenCode's defaults for reading,
 * and Claude Code's asking before Bash, edits and web fetches.
 */
function restatedRules(projectPermission: unknown, servers: string[]): Set<string> {
  const read = OPENCODE_DEFAULTS.filter((e) => e.key === "read");
  // Claude Code's asking counts only for tools the project says nothing about (else its rules decide).
  const project = projectPermission && typeof projectPermission === "object" ? (projectPermission as Record<string, unknown>) : {};
  const claudeAsks = Object.fromEntries(CLAUDE_ASKS_BY_DEFAULT.filter((k) => project[k] === undefined).map((k) => [k, "ask"]));
  const sources = [projectPermission ?? {}, { read: Object.fromEntries(read.map((e) => [e.pattern, e.action])) }, claudeAsks];
  return new Set(sources.flatMap((p) => fromOpencodePermission(p, servers).rules.map(ruleKey)));
}

function readAgent(s: AgentSource, servers: string[], diags: Diagnostics, restated: ReadonlySet<string>): Agent | undefined {
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
  const permission = permissionOf(s, f, servers, diags, restated);
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
    source: { file: diags.rel(s.file), line: 1, ...(s.path !== undefined ? { path: s.path } : {}) },
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
  restated: ReadonlySet<string>,
): Pick<Agent, "tools" | "disallowedTools" | "permission"> {
  const rules: PermissionRule[] = [];
  const tools = f.get("tools", z.record(z.string(), z.boolean()), "error");
  rules.push(...toolSwitches(tools, servers));
  if (s.data.permission !== undefined) {
    const parsed = fromOpencodePermission(s.data.permission, servers);
    for (const p of parsed.problems)
      diags.add("warning", s.file, `agent permission: ${p}; left out`, { field: "permission", line: s.lineOf("permission") ?? 1 });
    rules.push(...parsed.rules);
  }
  const out: Pick<Agent, "tools" | "disallowedTools" | "permission"> = {};
  let rest = rules;
  if (rules[0]?.tool === "*" && rules[0].action === "deny" && rules[0].pattern === undefined) {
    // The tools the agent has: any rule lets it be called, and no later tool-wide deny hides it again.
    const after = rules.slice(1);
    const lastToolWide = (tool: string) => after.filter((r) => r.tool === tool && r.pattern === undefined).at(-1)?.action;
    const available = [...new Set(after.map((r) => r.tool))].filter(
      (tool) => after.some((r) => r.tool === tool && r.action !== "deny") && lastToolWide(tool) !== "deny",
    );
    out.tools = editTools(available);
    // What is left is the agent's own: not a tool-wide allow, and not a rule it only restates (quartet
    // restates the project's rules and the runtimes' defaults for each tool an agent has).
    rest = after.filter((r) => available.includes(r.tool) && !(r.pattern === undefined && r.action === "allow"));
  }
  rest = rest.filter((r) => !restated.has(ruleKey(r)));
  const denied = rest.filter((r) => r.pattern === undefined && r.action === "deny" && r.tool !== "*");
  if (denied.length > 0) out.disallowedTools = editTools(denied.map((r) => r.tool));
  const finer = rest.filter((r) => !denied.includes(r));
  if (finer.length > 0) out.permission = finer;
  return out;
}

/** Commands: config entries, then `command/**.md` files, a file merged over a config entry of its name. */
function readCommands(layout: OpencodeLayout, config: MergedConfig, diags: Diagnostics): Command[] {
  interface CommandSource {
    data: Record<string, unknown>;
    template: string;
    file: string;
    lineOf: (k: string) => number | undefined;
    path?: string;
  }
  const byName = new Map<string, CommandSource>();
  for (const [name, value] of Object.entries((config.value.command ?? {}) as Record<string, unknown>)) {
    if (!value || typeof value !== "object") continue;
    const data = value as Record<string, unknown>;
    const at = config.at("command", name);
    warnEnvRefs(config, ["command", name, "template"], data.template, diags);
    byName.set(name, {
      data,
      template: typeof data.template === "string" ? withFinalNewline(data.template) : "",
      file: at.file,
      lineOf: (k) => config.at("command", name, k).line,
    });
  }
  const files = new Map<string, string>();
  for (const dir of layout.commandDirs) {
    for (const { file, name } of markdownFiles(dir)) {
      const md = readMarkdown(file, diags, opencodeYamlFallback);
      if (!md) continue;
      if (files.has(name)) {
        diags.add(
          "warning",
          file,
          `command "${name}" is also defined in ${files.get(name)}; OpenCode keeps only one, and only that one is ported`,
          {
            line: 1,
          },
        );
        continue;
      }
      files.set(name, diags.rel(file));
      const inConfig = byName.get(name);
      byName.set(name, {
        data: { ...(inConfig?.data ?? {}), ...md.data },
        template: md.body,
        file,
        lineOf: (k) => (k in md.data ? md.lineOf(k) : inConfig?.lineOf(k)),
        path: name,
      });
    }
  }
  return [...byName].map(([name, c]) => readCommand(name, c, diags));
}

function readCommand(
  name: string,
  c: { data: Record<string, unknown>; template: string; file: string; lineOf: (k: string) => number | undefined; path?: string },
  diags: Diagnostics,
): Command {
  const { data, template, file, lineOf } = c;
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
  return compact({
    name,
    description: f.get("description", z.string()),
    template: converted.text,
    model: model && !("invalid" in model) ? model : undefined,
    agent: f.get("agent", z.string()),
    subtask: f.get("subtask", z.boolean()),
    extras: Object.keys(extras).length > 0 ? { opencode: extras } : {},
    source: { file: diags.rel(file), line: 1, ...(c.path !== undefined ? { path: c.path } : {}) },
  });
}

/** `{env:…}` in a config prompt or template: OpenCode fills it in from the environment; a port keeps the text. */
function warnEnvRefs(config: MergedConfig, at: [string, string, string], text: unknown, diags: Diagnostics): void {
  if (typeof text !== "string") return;
  const { file, line } = config.at(...at);
  for (const v of envRefs(text))
    diags.add("warning", file, `${at[0]} "${at[1]}": its ${at[2]} uses {env:${v}}, which OpenCode fills in when it loads the config`, {
      field: at[2],
      line,
    });
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
              args: h.args,
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
