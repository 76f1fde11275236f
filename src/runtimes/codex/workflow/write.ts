/**
 * Writing the IR as a Codex CLI 0.169 workflow: AGENTS.md (shared with OpenCode: never replaced when it is
 * the user's, a marked section then), `[mcp_servers.*]` tables and the approval/sandbox policy edited into
 * config.toml in place, skills as `.codex/skills/<name>/`, and commands as skills too (Codex 0.169 has no custom prompts).
 * Hooks become `[[hooks.<Event>]]` tables there too, for the events Codex has; Codex runs them only once
 * the person trusts them. Agents become agent roles, `.codex/agents/<name>.toml`.
 */
import fs from "node:fs";
import path from "node:path";
import { writeFrontmatter } from "../../../core/frontmatter.js";
import type { Agent, Command, Hook, Instructions, Permissions, Skill } from "../../../contract/workflow/ir.js";
import { describeModel } from "../../../contract/workflow/models.js";
import { toCodexRole } from "./agents.js";
import { Losses } from "../../../contract/workflow/losses.js";
import { withoutSections, type AssetRef, type Output } from "../../../contract/workflow/outputs.js";
import { Diagnostics } from "../../../contract/workflow/read-helpers.js";
import type { WorkflowWriteOptions, WorkflowWriteResult } from "../../types.js";
import { codexFidelity } from "./fidelity.js";
import { toCodexSkillBody } from "./arguments.js";
import { toCodexHooks } from "./hooks.js";
import { codexLayout, type CodexLayout } from "./layout.js";
import { toCodexMcp } from "./mcp.js";
import { toCodexPolicy } from "./permissions.js";
import { parseToml, setTomlArrayTables, setTomlTable, setTomlTopKey, tomlValueAt, type TomlTable } from "./toml.js";

interface Ctx {
  o: WorkflowWriteOptions;
  layout: CodexLayout;
  outputs: Output[];
  losses: Losses;
  diags: Diagnostics;
}

export function writeCodexWorkflow(o: WorkflowWriteOptions): WorkflowWriteResult {
  const layout = codexLayout(o);
  const ctx: Ctx = { o, layout, outputs: [], losses: new Losses({ from: o.from, to: codexFidelity }), diags: new Diagnostics(o.root) };
  const wf = o.workflow;
  // A config.toml quartet cannot parse is never edited: the error names its line, and nothing is written.
  if (fs.existsSync(layout.config)) parseToml(fs.readFileSync(layout.config, "utf8"), layout.config);
  if (wf.instructions) writeInstructions(ctx, wf.instructions);
  for (const a of wf.agents) writeAgent(ctx, a);
  for (const c of wf.commands) writeCommand(ctx, c, wf.skills);
  for (const s of wf.skills) writeSkill(ctx, s);
  for (const m of wf.mcp) {
    const asset: AssetRef = { kind: "mcp", name: m.name };
    const { table, lossy, dropped } = toCodexMcp(m);
    for (const l of lossy) ctx.losses.add(asset, l.field, "lossy", l.reason);
    if (dropped || !table) ctx.losses.add(asset, "transport", "unsupported", dropped ?? "");
    else tomlEdit(ctx, ["mcp_servers", m.name], table, asset);
    ctx.losses.extras(asset, m.extras, "server field");
  }
  if (wf.permissions) writePermissions(ctx, wf.permissions);
  if (wf.hooks.length > 0) writeHooks(ctx, wf.hooks);
  if (wf.settings) ctx.losses.standing({ kind: "settings", name: "settings" }, "extras");
  for (const u of wf.unportable) ctx.losses.add({ kind: u.kind, name: u.name }, "–", "unsupported", u.reason);
  return { outputs: ctx.outputs, losses: ctx.losses.list, diagnostics: ctx.diags.list };
}

/** A table (`["mcp_servers", name]`) or a top-level key set in config.toml, comments and all else kept. */
function tomlEdit(ctx: Ctx, at: string[], value: unknown, asset: AssetRef): void {
  const file = ctx.layout.config;
  ctx.outputs.push({
    kind: "edit",
    file,
    key: at.join("."),
    value,
    asset,
    read: (text) => tomlValueAt(parseToml(text, file), at),
    apply: (text) =>
      at.length === 1 ? setTomlTopKey(text, at[0]!, value as string) : setTomlTable(text, at, value as Record<string, unknown>),
  });
}

function writeInstructions(ctx: Ctx, inst: Instructions): void {
  const { o, layout } = ctx;
  const asset: AssetRef = { kind: "instructions", name: "instructions" };
  const abs = (f: string) => (path.isAbsolute(f) ? f : path.join(o.root, f));
  if (!inst.main) return;
  // OpenCode's AGENTS.md is Codex's too: nothing to write.
  if (abs(inst.main.file) === layout.agentsMd) return;
  const importsAgentsMd = inst.imports.some((i) => abs(i.file) === layout.agentsMd);
  const own = withoutSections(inst.main.text)
    .split("\n")
    .filter((line) => !/^\s*@\S+\s*$/.test(line))
    .join("\n");
  for (const imp of inst.imports)
    if (abs(imp.file) !== layout.agentsMd)
      ctx.losses.add(asset, "imports", "lossy", `${imp.file}: Codex does not expand @imports; it is not read`);
  if (inst.local) ctx.losses.standing(asset, "local");
  for (const rule of inst.rules) ctx.losses.add(asset, "rules", "unsupported", `${rule.file}: Codex has no rules folder`);
  for (const url of inst.urls) ctx.losses.add(asset, "urls", "unsupported", `${url}: Codex cannot read a URL`);
  const usersFile = fs.existsSync(layout.agentsMd) && !o.owns(layout.agentsMd);
  if (importsAgentsMd || usersFile) {
    // The user's AGENTS.md keeps every word: what the source says besides it goes into a marked section.
    if (own.trim() === "" || (usersFile && fs.readFileSync(layout.agentsMd, "utf8").trim() === inst.main.text.trim())) return;
    ctx.outputs.push({ kind: "section", file: layout.agentsMd, id: "instructions", content: own.trim(), asset });
    ctx.losses.add(
      asset,
      "main",
      "lossy",
      `${path.basename(layout.agentsMd)} is the user's: ${inst.main.file} is added as a marked section`,
    );
    return;
  }
  ctx.outputs.push({ kind: "file", file: layout.agentsMd, content: inst.main.text, asset });
}

/** Fields of an agent a Codex role has no place for: each reported with its declared reason. */
const ROLELESS_FIELDS = ["tools", "disallowedTools", "permission", "permissionMode", "color", "maxTurns", "temperature"] as const;

function writeAgent(ctx: Ctx, agent: Agent): void {
  const asset: AssetRef = { kind: "agents", name: agent.name };
  if (agent.disabled) return ctx.losses.add(asset, "hidden", "unsupported", "disabled; not ported");
  if (agent.hidden) ctx.losses.standing(asset, "hidden");
  if (!agent.description?.trim())
    return ctx.losses.add(asset, "description", "unsupported", "Codex refuses an agent role without a description; not ported");
  if (agent.name.includes("/")) ctx.losses.standing(asset, "name");
  let model: string | undefined;
  if (agent.model && "provider" in agent.model && agent.model.provider === "openai") model = agent.model.id;
  else if (agent.model) ctx.losses.add(asset, "model", "lossy", `${describeModel(agent.model)} left out: the role runs Codex's model`);
  for (const field of ROLELESS_FIELDS) if (agent[field] !== undefined) ctx.losses.standing(asset, field);
  // An agent that cannot edit must not become a role that can: it gets the read-only sandbox.
  const readOnly = cannotEdit(agent);
  if (readOnly)
    ctx.losses.add(
      asset,
      "tools",
      "lossy",
      "it has no edit tool: the role runs in Codex's read-only sandbox, where its commands cannot write either",
    );
  if (agent.topP !== undefined) ctx.losses.standing(asset, "temperature");
  if (agent.mode !== undefined && agent.mode !== "subagent") ctx.losses.standing(asset, "mode");
  ctx.losses.extras(asset, agent.extras, "agent field");
  const role = toCodexRole(agent, { model, ...(readOnly ? { sandbox_mode: "read-only" } : {}) });
  ctx.outputs.push({ kind: "file", file: path.join(ctx.layout.agentsDir, `${role.name}.toml`), content: role.text, asset });
}

const EDIT_TOOLS = ["Edit", "Write", "MultiEdit", "NotebookEdit"];

/** Whether the agent may not change files: no edit tool in its allowlist, edits denied, or plan mode. */
function cannotEdit(agent: Agent): boolean {
  if (agent.permissionMode === "plan") return true;
  if (agent.tools !== undefined && !agent.tools.some((t) => EDIT_TOOLS.includes(t) || t === "*")) return true;
  return ["Edit", "Write"].every((t) => agent.disallowedTools?.includes(t));
}

/**
 * A command as a skill, `$<name>` in Codex: 0.169 reads no custom prompts. A skill of the same name, in the
 * workflow or already on disk, is kept and the command is not ported.
 */
function writeCommand(ctx: Ctx, command: Command, skills: readonly Skill[]): void {
  const asset: AssetRef = { kind: "commands", name: command.name };
  const name = command.name.replace(/\//g, "-");
  const file = path.join(ctx.layout.skillDirs[0]!, name, "SKILL.md");
  // On disk, quartet's own file is this command ported before.
  const onDisk = ctx.layout.skillDirs.some((d) => fs.existsSync(path.join(d, name, "SKILL.md"))) && !ctx.o.owns(file);
  if (onDisk || skills.some((s) => s.name === name))
    return ctx.losses.add(asset, "name", "unsupported", `a skill named ${name} already exists: it is kept and this command is not ported`);
  ctx.losses.standing(asset, "name");
  const body = toCodexSkillBody(command.template, name, command.argumentNames);
  for (const reason of body.lossy) ctx.losses.add(asset, "template", "lossy", reason);
  for (const reason of body.unsupported) ctx.losses.add(asset, "template", "unsupported", reason);
  for (const field of ["model", "agent", "subtask", "argumentHint", "allowedTools", "disableModelInvocation"] as const)
    if (command[field] !== undefined) ctx.losses.standing(asset, field);
  if (command.argumentNames?.length) ctx.losses.standing(asset, "argumentNames");
  ctx.losses.extras(asset, command.extras, "command field");
  let description = command.description?.trim();
  if (!description) {
    description = `The ${command.name} command`;
    ctx.losses.add(asset, "description", "lossy", `Codex skips a skill without a description: it is "${description}"`);
  }
  ctx.outputs.push({ kind: "file", file, content: writeFrontmatter({ name, description }, body.text), asset });
}

function writeSkill(ctx: Ctx, skill: Skill): void {
  const asset: AssetRef = { kind: "skills", name: skill.name };
  const from = path.join(ctx.o.root, skill.dir);
  // A skill already in a folder Codex reads stays where it is.
  if (ctx.layout.skillDirs.some((d) => path.dirname(from) === d)) return;
  const dir = path.join(ctx.layout.skillDirs[0]!, skill.name);
  const fm: Record<string, unknown> = { ...skill.frontmatter, name: skill.name };
  if (typeof fm.description !== "string") ctx.losses.add(asset, "frontmatter", "unsupported", "Codex skips a skill without a description");
  ctx.outputs.push({ kind: "file", file: path.join(dir, "SKILL.md"), content: writeFrontmatter(fm, skill.body), asset });
  for (const f of skill.files) ctx.outputs.push({ kind: "copy", file: path.join(dir, f), from: path.join(from, f), asset });
}

function writePermissions(ctx: Ctx, p: Permissions): void {
  const asset: AssetRef = { kind: "permissions", name: "permissions" };
  const exact = p.extras.codex as { approval_policy?: string; sandbox_mode?: string } | undefined;
  const { policy, lossy, widened } =
    exact?.approval_policy && exact.sandbox_mode ? { policy: exact, lossy: [], widened: [] } : toCodexPolicy(p);
  for (const reason of lossy) ctx.losses.add(asset, "rules", "lossy", reason);
  for (const reason of widened) {
    ctx.losses.add(asset, "rules", "unsupported", reason);
    ctx.diags.add("warning", p.source.file, `${reason}; that rule cannot be kept in Codex`, { field: "permissions" });
  }
  if (p.additionalDirectories?.length) ctx.losses.standing(asset, "additionalDirectories");
  tomlEdit(ctx, ["approval_policy"], policy.approval_policy, asset);
  tomlEdit(ctx, ["sandbox_mode"], policy.sandbox_mode, asset);
}

function writeHooks(ctx: Ctx, hooks: readonly Hook[]): void {
  const asset: AssetRef = { kind: "hooks", name: "hooks" };
  const { events, losses } = toCodexHooks(hooks, ctx.o.from.runtime);
  for (const l of losses) ctx.losses.add(asset, l.field, l.level, l.reason);
  const file = ctx.layout.config;
  let written = 0;
  for (const [event, groups] of Object.entries(events)) {
    written += groups.reduce((n, g) => n + g.hooks.length, 0);
    ctx.outputs.push({
      kind: "edit",
      file,
      key: `hooks.${event}`,
      value: groups,
      asset,
      read: (text) => tomlValueAt(parseToml(text, file), ["hooks", event]),
      apply: (text) => setTomlArrayTables(text, ["hooks", event], groups as unknown as TomlTable[], file),
    });
  }
  if (written === 0) return;
  // Codex lists a new or changed hook as untrusted and skips it until the person reviews it.
  const reason = `${written} hook${written === 1 ? "" : "s"} written to ${ctx.diags.rel(file)}: Codex runs them only after you trust them (“Hooks need review” when Codex starts, or /hooks)`;
  ctx.losses.add(asset, "trust", "lossy", reason);
  ctx.diags.add("warning", file, reason, { field: "hooks" });
}
