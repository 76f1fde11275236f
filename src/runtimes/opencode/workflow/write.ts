/**
 * Writing the IR as an OpenCode 1.18 workflow: AGENTS.md and `instructions`, `.opencode/agents/*.md`
 * (subagents whose tools become `permission`), `.opencode/commands/**.md` with 1-based arguments, skills
 * (left in `.claude/skills`, which OpenCode reads, or copied), and config keys and the hooks plugin
 * (write-config.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { toOpencodeTemplate } from "./arguments.js";
import { assetPath } from "../../../contract/workflow/asset-path.js";
import { toOpencodeAgentPermission, type ProjectRuleset } from "./agent-permission.js";
import { toOpencodeColor } from "./colors.js";
import { writeFrontmatter } from "../../../core/frontmatter.js";
import { findImports, resolveImportPath } from "../../../contract/workflow/imports.js";
import type { Agent, Command, Instructions, Skill } from "../../../contract/workflow/ir.js";
import { Losses } from "../../../contract/workflow/losses.js";
import { opencodeFidelity } from "./fidelity.js";
import { describeModel } from "../../../contract/workflow/models.js";
import { toOpencodeModel } from "./models.js";
import { jsonValueAt, markdownOutput, withoutSections, type AssetRef, type Output } from "../../../contract/workflow/outputs.js";
import { Diagnostics } from "../../../contract/workflow/read-helpers.js";
import { opencodeSkillProblem } from "../../../contract/workflow/skills.js";
import type { WorkflowWriteOptions, WorkflowWriteResult } from "../../types.js";
import type { MergedConfig } from "./config.js";
import { substituteFileRefs } from "./file-refs.js";
import { configTarget, NEW_CONFIG, opencodeAssetDir, opencodeLayout, type OpencodeLayout } from "./layout.js";
import { projectRuleset, targetConfig, writeOpencodeConfig } from "./write-config.js";

const NATIVE_SKILL_DIRS = [".claude/skills/", ".agents/skills/"];

export interface OpencodeWriteContext {
  o: WorkflowWriteOptions;
  layout: OpencodeLayout;
  outputs: Output[];
  losses: Losses;
  diags: Diagnostics;
  /** The project's permission rules as the target will hold them (read once, for every agent). */
  project?: ProjectRuleset;
  /** The target's config as OpenCode merges it (read once). */
  config?: MergedConfig;
}

export function writeOpencodeWorkflow(o: WorkflowWriteOptions): WorkflowWriteResult {
  const layout = opencodeLayout(o);
  const ctx: OpencodeWriteContext = {
    o,
    layout,
    outputs: [],
    losses: new Losses({ from: o.from, to: opencodeFidelity }),
    diags: new Diagnostics(o.root),
  };
  const wf = o.workflow;
  if (wf.instructions) writeInstructions(ctx, wf.instructions);
  for (const agent of wf.agents) writeAgent(ctx, agent);
  for (const command of wf.commands) writeCommand(ctx, command);
  for (const skill of wf.skills) writeSkill(ctx, skill);
  writeOpencodeConfig(ctx);
  for (const u of wf.unportable) ctx.losses.add({ kind: u.kind, name: u.name }, "–", "unsupported", u.reason);
  return { outputs: ctx.outputs, losses: ctx.losses.list, diagnostics: ctx.diags.list };
}

function writeInstructions(ctx: OpencodeWriteContext, inst: Instructions): void {
  const { o, layout, losses } = ctx;
  const asset: AssetRef = { kind: "instructions", name: "instructions" };
  const agentsMd = layout.agentsMd;
  const abs = (f: string) => (path.isAbsolute(f) ? f : path.join(o.root, f));
  // A CLAUDE.md that imports AGENTS.md already shares one file with OpenCode: nothing to copy there. When
  // that AGENTS.md does not exist yet, a copy of CLAUDE.md written there would be imported into CLAUDE.md
  // itself; OpenCode reads CLAUDE.md on its own when there is no AGENTS.md, so nothing is written at all.
  const mainFile = inst.main ? abs(inst.main.file) : undefined;
  const importsAgentsMd =
    inst.imports.some((i) => abs(i.file) === agentsMd) ||
    (mainFile !== undefined && findImports(inst.main!.text).some((i) => resolveImportPath(i.ref, mainFile, o.home) === agentsMd));
  const readsClaudeMdItself = importsAgentsMd && !fs.existsSync(agentsMd) && mainFile === layout.claudeMdFallback;
  const listed: string[] = [];
  const listEntry = (file: string) => {
    const a = abs(file);
    if (a === agentsMd) return;
    const entry =
      layout.scope === "project" && !path.relative(o.root, a).startsWith("..") ? path.relative(o.root, a).split(path.sep).join("/") : a;
    if (!listed.includes(entry)) listed.push(entry);
  };
  // An AGENTS.md the user wrote is never replaced: OpenCode is pointed at CLAUDE.md (and its imports) instead.
  const agentsMdIsUsers = fs.existsSync(agentsMd) && !o.owns(agentsMd);
  if (inst.main && (importsAgentsMd || agentsMdIsUsers)) {
    // What CLAUDE.md says besides its imports and quartet's sections still has to reach OpenCode.
    const own = withoutSections(inst.main.text)
      .split("\n")
      .filter((line) => !/^\s*@\S+\s*$/.test(line))
      .join("\n");
    if (own.trim() !== "" && !readsClaudeMdItself) listEntry(inst.main.file);
    for (const imp of inst.imports) listEntry(imp.file);
  } else if (inst.main) {
    let text = inst.main.text;
    if (o.settings.imports === "inline") {
      const mainFile = abs(inst.main.file);
      for (const imp of inst.imports) {
        if (resolveImportPath(imp.ref ?? "", mainFile, o.home) !== abs(imp.file)) continue;
        text = text.replace(
          new RegExp(`(^|\\s)@${escapeRegExp(imp.ref!)}(?=[\\s.,;:)]|$)`, "gm"),
          (_, lead: string) => `${lead}\n${imp.text.trim()}\n`,
        );
      }
      if (inst.imports.length > 0)
        losses.add(
          asset,
          "imports",
          "lossy",
          `imports inlined into AGENTS.md (${inst.imports.map((i) => i.file).join(", ")}); edits to those files need another port`,
        );
    }
    ctx.outputs.push({ kind: "file", file: agentsMd, content: text, asset });
  }
  if (o.settings.imports === "list" || importsAgentsMd || agentsMdIsUsers) {
    for (const imp of inst.imports) listEntry(imp.file);
    if (inst.imports.some((i) => abs(i.file) !== agentsMd)) losses.standing(asset, "imports");
  }
  if (inst.local) {
    listEntry(inst.local.file);
    losses.standing(asset, "local");
  }
  for (const rule of inst.rules) {
    listEntry(rule.file);
    if (rule.paths)
      losses.add(asset, "rules", "lossy", `${rule.file} applies to ${rule.paths.join(", ")} in Claude Code; OpenCode loads it always`);
  }
  if (listed.length === 0) return;
  // Entries the user listed stay, first and in their order.
  const config = configTarget(ctx.layout);
  const existing = config.exists ? jsonValueAt(fs.readFileSync(config.file, "utf8"), ["instructions"]) : undefined;
  const kept = Array.isArray(existing) ? existing.filter((e): e is string => typeof e === "string") : [];
  ctx.outputs.push({
    kind: "json",
    file: config.file,
    path: ["instructions"],
    value: [...kept, ...listed.filter((e) => !kept.includes(e))],
    newFile: NEW_CONFIG,
    asset,
  });
}

function writeAgent(ctx: OpencodeWriteContext, agent: Agent): void {
  const { o, losses } = ctx;
  const asset: AssetRef = { kind: "agents", name: agent.name };
  if (agent.tools?.some((t) => ["Edit", "Write", "NotebookEdit", "MultiEdit"].includes(t))) losses.standing(asset, "tools");
  if (agent.permissionMode) losses.standing(asset, "permissionMode");
  ctx.project ??= projectRuleset(ctx);
  const permission = toOpencodeAgentPermission(agent, ctx.project);
  for (const reason of permission.lossy) losses.add(asset, "tools", "lossy", reason);
  let model: string | undefined;
  if (agent.model) {
    const m = toOpencodeModel(agent.model, o.settings.models);
    if (!m.ok) {
      losses.add(asset, "model", "unsupported", m.reason);
      ctx.diags.add("warning", agent.source.file, `agent "${agent.name}": ${m.reason}; the model is left out`, {
        field: "model",
        ...(agent.source.line ? { line: agent.source.line } : {}),
      });
    } else {
      model = m.value;
      if (m.lossy) losses.add(asset, "model", "lossy", `${describeModel(agent.model)} → ${m.value}: ${m.lossy}`);
      if (m.warning) ctx.diags.add("warning", agent.source.file, `agent "${agent.name}": ${m.warning}`, { field: "model" });
    }
  }
  const color = agent.color === undefined ? undefined : toOpencodeColor(agent.color, o.from.colors);
  if (agent.color !== undefined && color !== agent.color) losses.add(asset, "color", "lossy", `${agent.color} → ${color ?? "left out"}`);
  if (agent.maxTurns !== undefined) losses.standing(asset, "maxTurns");
  losses.extras(asset, agent.extras, "agent field");
  const place = assetPath(agent);
  const data = {
    // OpenCode names a file by its path unless `name:` says otherwise.
    name: place === agent.name ? undefined : agent.name,
    description: agent.description,
    mode: agent.mode ?? "subagent",
    model,
    permission: permission.value,
    color,
    steps: agent.maxTurns,
    temperature: agent.temperature,
    top_p: agent.topP,
    hidden: agent.hidden,
    disable: agent.disabled,
    ...agent.extras.opencode,
  };
  pushAsset(ctx, { key: "agent", name: agent.name, place, data, text: agent.prompt, textField: "prompt", asset });
}

function writeCommand(ctx: OpencodeWriteContext, command: Command): void {
  const { o, losses } = ctx;
  const asset: AssetRef = { kind: "commands", name: command.name };
  const template = toOpencodeTemplate(command.template, command.argumentNames);
  for (const reason of template.lossy) losses.add(asset, "template", "lossy", reason);
  if (command.name.includes("/")) losses.standing(asset, "name");
  if (command.argumentNames?.length) losses.standing(asset, "argumentNames");
  for (const field of ["argumentHint", "allowedTools", "disableModelInvocation"] as const)
    if (command[field] !== undefined) losses.standing(asset, field);
  losses.extras(asset, command.extras, "command field");
  let model: string | undefined;
  if (command.model) {
    const m = toOpencodeModel(command.model, o.settings.models);
    if (m.ok) {
      model = m.value;
      if (m.lossy) losses.add(asset, "model", "lossy", `${describeModel(command.model)} → ${m.value}: ${m.lossy}`);
    } else losses.add(asset, "model", "unsupported", m.reason);
  }
  const data = { description: command.description, agent: command.agent, model, subtask: command.subtask, ...command.extras.opencode };
  pushAsset(ctx, {
    key: "command",
    name: command.name,
    place: assetPath(command),
    data,
    text: template.text,
    textField: "template",
    asset,
  });
}

/**
 * An agent or command goes where the target already defines it: its markdown file, or its entry in the
 * config (field by field, so what the entry has beyond the port stays, and a `{file:…}` prompt whose file
 * still says the same stays a reference); else a new markdown file.
 */
function pushAsset(
  ctx: OpencodeWriteContext,
  a: {
    key: "agent" | "command";
    name: string;
    place: string;
    data: Record<string, unknown>;
    text: string;
    textField: "prompt" | "template";
    asset: AssetRef;
  },
): void {
  const dir = opencodeAssetDir(ctx.layout, a.key, a.place);
  const file = path.join(dir, `${a.place}.md`);
  const config = targetConfig(ctx);
  const entries = (config.value[a.key] ?? {}) as Record<string, unknown>;
  if (fs.existsSync(file) || !Object.hasOwn(entries, a.name)) {
    ctx.outputs.push(markdownOutput(file, a.data, a.text, a.asset));
    return;
  }
  const configFile = config.at(a.key, a.name).file;
  const raw = jsonValueAt(fs.readFileSync(configFile, "utf8"), [a.key, a.name, a.textField]);
  const fields: Record<string, unknown> = { ...a.data, name: undefined };
  if (!(typeof raw === "string" && sameAsFileRef(raw, a.text, configFile, ctx.layout.home))) fields[a.textField] = a.text;
  for (const [field, value] of Object.entries(fields))
    if (value !== undefined) ctx.outputs.push({ kind: "json", file: configFile, path: [a.key, a.name, field], value, asset: a.asset });
}

/** Whether `raw` is a `{file:…}` reference to a file that holds `text`. */
function sameAsFileRef(raw: string, text: string, configFile: string, home: string): boolean {
  if (!/^\{file:[^}]+\}$/.test(raw.trim())) return false;
  const resolved = substituteFileRefs(raw.trim(), configFile, home, new Diagnostics(path.dirname(configFile)));
  return resolved !== raw.trim() && JSON.parse(`"${resolved}"`) === text.trim();
}

function writeSkill(ctx: OpencodeWriteContext, skill: Skill): void {
  const asset: AssetRef = { kind: "skills", name: skill.name };
  const native = NATIVE_SKILL_DIRS.some((d) => `${skill.dir}/`.includes(d));
  const problem = opencodeSkillProblem(skill);
  const ccOnly = Object.keys(skill.frontmatter).filter((k) => !["name", "description", "license", "compatibility", "metadata"].includes(k));
  if (ccOnly.length > 0) ctx.losses.add(asset, "frontmatter", "lossy", `OpenCode ignores ${ccOnly.join(", ")} (kept in the file)`);
  if (native && ctx.o.settings.skills === "native") {
    if (problem)
      ctx.losses.add(
        asset,
        "name",
        "unsupported",
        `OpenCode reads ${skill.dir} but will skip this skill: ${problem}; --skills copy writes a fixed copy`,
      );
    return;
  }
  const fixed = { ...skill.frontmatter, name: skill.name };
  if (problem && !/description/.test(problem)) ctx.losses.add(asset, "name", "lossy", `the copy's name is set to its folder: ${problem}`);
  else if (problem) ctx.losses.add(asset, "name", "unsupported", `OpenCode will skip this skill: ${problem}`);
  const dir = path.join(ctx.layout.dir, "skills", skill.name);
  const from = path.join(ctx.o.root, skill.dir);
  ctx.outputs.push({ kind: "file", file: path.join(dir, "SKILL.md"), content: writeFrontmatter(fixed, skill.body), asset });
  for (const f of skill.files) ctx.outputs.push({ kind: "copy", file: path.join(dir, f), from: path.join(from, f), asset });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
