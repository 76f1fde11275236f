/**
 * Reading a Claude Code workflow into the IR: CLAUDE.md with its imports and rules, agents, commands and
 * skills from their markdown files, MCP servers from .mcp.json (or ~/.claude.json), permissions and hooks
 * from settings.json. Files are parsed loosely (Claude Code adds fields often); a field it would reject is
 * reported at its line and left out.
 */
import fs from "node:fs";
import { z } from "zod";
import { resolveImports } from "../../../contract/workflow/imports.js";
import {
  emptyWorkflow,
  PermissionMode,
  type Agent,
  type AssetKind,
  type Command,
  type Instructions,
  type Workflow,
} from "../../../contract/workflow/ir.js";
import { readClaudeModel } from "./models.js";
import {
  compact,
  Diagnostics,
  FieldReader,
  listField,
  markdownFiles,
  pick,
  readMarkdown,
} from "../../../contract/workflow/read-helpers.js";
import { readSkills } from "../../../contract/workflow/skills.js";
import { neutralClaudeTool } from "./tools.js";
import type { WorkflowReadOptions, WorkflowReadResult } from "../../types.js";
import { claudeToolList } from "./tool-list.js";
import { claudeYamlFallback } from "./frontmatter.js";
import { claudeLayout, mainInstructionsFile, type ClaudeLayout } from "./layout.js";
import { CLAUDE_COLORS } from "./colors.js";
import { readClaudeSettings } from "./read-settings.js";

const AGENT_FIELDS = ["name", "description", "tools", "disallowedTools", "model", "permissionMode", "maxTurns", "color"];
/** Agent fields Claude Code knows that have no neutral slot; kept in extras without a warning. */
const AGENT_EXTRAS = ["skills", "mcpServers", "hooks", "memory", "background", "effort", "isolation", "initialPrompt"];
const COMMAND_FIELDS = [
  "description",
  "allowed-tools",
  "argument-hint",
  "model",
  "disable-model-invocation",
  "context",
  "agent",
  "arguments",
];
const COMMAND_EXTRAS = ["hooks", "name", "when_to_use", "user-invocable", "effort", "shell", "paths"];

export function readClaudeWorkflow(o: WorkflowReadOptions): WorkflowReadResult {
  const layout = claudeLayout(o.root, o.scope);
  const diags = new Diagnostics(o.root);
  const wf: Workflow = emptyWorkflow("claude", o.scope);
  const want = (k: AssetKind) => o.only.includes(k);
  if (want("instructions")) wf.instructions = readInstructions(layout, o.home, diags);
  if (want("agents")) wf.agents = readAgents(layout, diags);
  if (want("commands")) wf.commands = readCommands(layout, diags);
  if (want("skills")) wf.skills = readSkills([layout.skills], o.root, diags);
  readClaudeSettings({ layout, workflow: wf, diags, want });
  return { workflow: wf, diagnostics: diags.list };
}

function readInstructions(layout: ClaudeLayout, home: string, diags: Diagnostics): Instructions | undefined {
  const main = mainInstructionsFile(layout);
  const local = layout.local && fs.existsSync(layout.local) ? layout.local : undefined;
  const rules = fs.existsSync(layout.rules) ? markdownFiles(layout.rules) : [];
  if (!main.exists && !local && rules.length === 0) return undefined;
  const rel = (f: string) => diags.rel(f);
  const inst: Instructions = {
    imports: [],
    rules: [],
    urls: [],
    extras: {},
    source: { file: rel(main.exists ? main.file : (local ?? rules[0]!.file)) },
  };
  const onMissing = (ref: string, from: string) => diags.add("warning", from, `@${ref} imports a file that does not exist; skipped`);
  for (const file of [main.exists ? main.file : undefined, local].filter((f): f is string => f !== undefined)) {
    const text = fs.readFileSync(file, "utf8");
    inst[file === local ? "local" : "main"] = { file: rel(file), text };
    for (const imp of resolveImports(file, text, home, onMissing)) {
      if (!inst.imports.some((i) => i.file === rel(imp.file))) inst.imports.push({ file: rel(imp.file), text: imp.text, ref: imp.ref });
    }
  }
  for (const { file } of rules) {
    const md = readMarkdown(file, diags);
    if (!md) continue;
    const paths = listField(md.data.paths);
    inst.rules.push({ file: rel(file), text: md.body, ...(paths ? { paths } : {}) });
  }
  return inst;
}

function readAgents(layout: ClaudeLayout, diags: Diagnostics): Agent[] {
  const agents: Agent[] = [];
  const seen = new Map<string, string>();
  for (const { file, name: place } of markdownFiles(layout.agents)) {
    const md = readMarkdown(file, diags, claudeYamlFallback);
    if (!md) continue;
    const f = new FieldReader(md.data, diags.rel(file), (k) => md.lineOf(k), diags, "agent");
    // Claude Code's own rules: any text not starting with "-" names an agent; the description is required.
    const name = f.get(
      "name",
      z
        .string()
        .min(1)
        .refine((n) => !n.startsWith("-"), 'must not start with "-"'),
      "error",
    );
    const description = f.get("description", z.string().min(1), "error")?.replaceAll("\\n", "\n");
    if (!name || !description) {
      if (Object.keys(md.data).length === 0)
        // A README beside the agents: Claude Code passes over it without a word, and so does the port.
        diags.add("warning", file, "no frontmatter, so not an agent (Claude Code skips it); not ported", { line: 1 });
      else if (md.data.name === undefined || md.data.description === undefined) {
        diags.add("error", file, `an agent needs "name" and "description" (Claude Code skips this file); not ported`, { line: 1 });
      }
      continue;
    }
    if (seen.has(name)) {
      // Claude Code loads the project anyway and keeps one of them, depending on the order it finds the files.
      diags.add(
        "warning",
        file,
        `agent name "${name}" is also used by ${seen.get(name)}; Claude Code keeps only one, and only that one is ported`,
        {
          field: "name",
          line: md.lineOf("name"),
        },
      );
      continue;
    }
    seen.set(name, diags.rel(file));
    const tools = f.get("tools", z.union([z.string(), z.array(z.unknown())]));
    const disallowed = f.get("disallowedTools", z.union([z.string(), z.array(z.unknown())]));
    const model = f.get("model", z.string());
    const modelRef = model === undefined ? undefined : readClaudeModel(model);
    const extras = { ...pick(md.data, AGENT_EXTRAS), ...f.unknown([...AGENT_FIELDS, ...AGENT_EXTRAS], "Claude Code") };
    agents.push(
      compact({
        name,
        description,
        prompt: md.body,
        model: modelRef,
        tools: toolList(tools)?.map(neutralClaudeTool),
        disallowedTools: disallowed === undefined ? undefined : claudeToolList(disallowed).map(neutralClaudeTool),
        permissionMode: f.get("permissionMode", z.union([PermissionMode, z.literal("manual").transform(() => "default" as const)])),
        color: f.get("color", z.enum(Object.keys(CLAUDE_COLORS) as [string, ...string[]])),
        maxTurns: f.get("maxTurns", z.number().int().positive()),
        extras: Object.keys(extras).length > 0 ? { claude: extras } : {},
        source: { file: diags.rel(file), line: 1, path: place },
      }),
    );
  }
  return agents;
}

function readCommands(layout: ClaudeLayout, diags: Diagnostics): Command[] {
  const commands: Command[] = [];
  for (const { file, name } of markdownFiles(layout.commands)) {
    const md = readMarkdown(file, diags, claudeYamlFallback, {
      withoutFrontmatter: "Claude Code ignores the frontmatter and keeps the command; so does the port",
    });
    if (!md) continue;
    const f = new FieldReader(md.data, diags.rel(file), (k) => md.lineOf(k), diags, "command");
    const model = f.get("model", z.string());
    const allowed = f.get("allowed-tools", z.union([z.string(), z.array(z.unknown())]));
    const args = f.get("arguments", z.union([z.string(), z.array(z.string())]));
    const extras = { ...pick(md.data, COMMAND_EXTRAS), ...f.unknown([...COMMAND_FIELDS, ...COMMAND_EXTRAS], "Claude Code") };
    commands.push(
      compact({
        name,
        description: f.get("description", z.union([z.string(), z.number(), z.boolean()]).transform(String)),
        template: md.body,
        model: model === undefined ? undefined : readClaudeModel(model),
        agent: f.get("agent", z.string()),
        subtask: f.get("context", z.string()) === "fork" ? true : undefined,
        // Claude Code shows String(value): a YAML list `[message]` is the hint "message".
        argumentHint: f.get("argument-hint", z.unknown().transform(String)),
        argumentNames: args === undefined ? undefined : typeof args === "string" ? args.split(/[\s,]+/).filter(Boolean) : args,
        allowedTools: allowed === undefined ? undefined : claudeToolList(allowed),
        disableModelInvocation: f.get("disable-model-invocation", z.boolean()),
        extras: Object.keys(extras).length > 0 ? { claude: extras } : {},
        source: { file: diags.rel(file), line: 1, path: name },
      }),
    );
  }
  return commands;
}

/** An agent's `tools`: undefined (every tool) when absent or when it holds `*`, as in Claude Code. */
function toolList(value: string | unknown[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = claudeToolList(value);
  return list.includes("*") ? undefined : list;
}
