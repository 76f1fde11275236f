/**
 * Writing the IR as a Claude Code workflow: a CLAUDE.md that imports AGENTS.md (so both runtimes read one
 * file), `.claude/agents/*.md`, `.claude/commands/**.md`, skills copied into `.claude/skills/` (unless they
 * are there already), MCP servers in .mcp.json (or ~/.claude.json), and permissions and hooks in
 * .claude/settings.json, edited in place.
 */
import fs from "node:fs";
import path from "node:path";
import { assetPath } from "../../../contract/workflow/asset-path.js";
import { hasGlob } from "../../../core/glob.js";
import type { Agent, Command, Hook, Instructions, McpServer, Settings, Skill } from "../../../contract/workflow/ir.js";
import { Losses } from "../../../contract/workflow/losses.js";
import { claudeFidelity } from "./fidelity.js";
import { toClaudeColor } from "./colors.js";
import { describeModel } from "../../../contract/workflow/models.js";
import { toClaudeModel } from "./models.js";
import { markdownOutput, type AssetRef, type Output } from "../../../contract/workflow/outputs.js";
import { describeRule } from "../../../contract/workflow/permissions.js";
import { toClaudePermissions } from "./permissions.js";
import { Diagnostics } from "../../../contract/workflow/read-helpers.js";
import { toClaudeTool } from "./tools.js";
import type { WorkflowWriteOptions, WorkflowWriteResult } from "../../types.js";
import { envRefs } from "../../../contract/workflow/env-refs.js";
import { claudeLayout, mainInstructionsFile, type ClaudeLayout } from "./layout.js";

interface Ctx {
  o: WorkflowWriteOptions;
  layout: ClaudeLayout;
  outputs: Output[];
  losses: Losses;
  diags: Diagnostics;
}

export function writeClaudeWorkflow(o: WorkflowWriteOptions): WorkflowWriteResult {
  const ctx: Ctx = {
    o,
    layout: claudeLayout(o.root, o.scope),
    outputs: [],
    losses: new Losses({ from: o.from, to: claudeFidelity }),
    diags: new Diagnostics(o.root),
  };
  const wf = o.workflow;
  if (wf.instructions) writeInstructions(ctx, wf.instructions);
  for (const agent of wf.agents) writeAgent(ctx, agent);
  for (const command of wf.commands) writeCommand(ctx, command);
  for (const skill of wf.skills) writeSkill(ctx, skill);
  for (const server of wf.mcp) writeMcp(ctx, server);
  if (wf.permissions) writePermissions(ctx);
  if (wf.hooks.length > 0) writeHooks(ctx, wf.hooks);
  if (wf.settings) writeSettings(ctx, wf.settings);
  for (const u of wf.unportable) ctx.losses.add({ kind: u.kind, name: u.name }, "–", "unsupported", u.reason);
  return { outputs: ctx.outputs, losses: ctx.losses.list, diagnostics: ctx.diags.list };
}

function writeInstructions(ctx: Ctx, inst: Instructions): void {
  const asset: AssetRef = { kind: "instructions", name: "instructions" };
  const { o } = ctx;
  for (const url of inst.urls) ctx.losses.add(asset, "urls", "unsupported", `${url}: Claude Code cannot import a URL`);
  // OpenCode fell back to CLAUDE.md itself: Claude Code already reads the same file.
  if (inst.extras.opencode?.fallback === true && inst.imports.length === 0) return;
  const target = mainInstructionsFile(ctx.layout).file;
  const ref = (file: string) => {
    const abs = path.isAbsolute(file) ? file : path.join(o.root, file);
    if (o.scope === "user" && !path.relative(o.home, abs).startsWith(".."))
      return `~/${path.relative(o.home, abs).split(path.sep).join("/")}`;
    const rel = path.relative(path.dirname(target), abs).split(path.sep).join("/");
    return rel.startsWith(".") ? rel : rel;
  };
  const lines: string[] = [];
  const abs = (file: string) => (path.isAbsolute(file) ? file : path.join(o.root, file));
  // OpenCode may list CLAUDE.md itself in `instructions`: Claude Code reads it anyway.
  const files = [...(inst.main && inst.extras.opencode?.fallback !== true ? [inst.main.file] : []), ...inst.imports.map((i) => i.file)];
  for (const file of files) if (abs(file) !== target && !lines.includes(`@${ref(file)}`)) lines.push(`@${ref(file)}`);
  if (lines.length === 0) return;
  if (inst.main) ctx.losses.standing(asset, "main");
  if (inst.imports.some((i) => i.ref && hasGlob(i.ref))) ctx.losses.standing(asset, "imports");
  const content = `${lines.join("\n")}\n`;
  // A CLAUDE.md the user wrote keeps every word: the imports go into a marked section of it.
  if (fs.existsSync(target) && !o.owns(target)) ctx.outputs.push({ kind: "section", file: target, id: "instructions", content, asset });
  else ctx.outputs.push({ kind: "file", file: target, content, asset });
}

/** Claude Code takes any agent name that does not start with "-" (and is not empty). */
function claudeName(name: string): string {
  const trimmed = name.replace(/^-+/, "");
  return trimmed === "" ? "agent" : trimmed;
}

function writeAgent(ctx: Ctx, agent: Agent): void {
  const asset: AssetRef = { kind: "agents", name: agent.name };
  const { losses } = ctx;
  if (agent.disabled) {
    losses.add(asset, "hidden", "unsupported", "disabled in OpenCode; not ported");
    return;
  }
  const name = claudeName(agent.name);
  if (name !== agent.name)
    losses.add(asset, "name", "lossy", `named "${name}" in Claude Code (it refuses names that start with "-" or are empty)`);
  const tools = (list: string[] | undefined, field: "tools" | "disallowedTools") => {
    if (!list) return undefined;
    const kept: string[] = [];
    for (const t of list) {
      const m = toClaudeTool(t);
      if (m.ok) kept.push(m.key);
      else losses.add(asset, field, "unsupported", m.reason);
    }
    if (list.includes("Edit") && list.includes("Write")) losses.standing(asset, field);
    return kept.join(", ");
  };
  // Claude Code has no per-agent rules. Dropping an allow only makes the agent ask more; dropping a deny or
  // an ask would let it do more than in OpenCode, so the tool is taken from it instead.
  const finer = agent.permission ?? [];
  const guarded = [...new Set(finer.filter((r) => r.action !== "allow" && r.tool !== "*").map((r) => r.tool))];
  if (finer.length > 0)
    losses.add(
      asset,
      "permission",
      "unsupported",
      `per-agent rules ${finer.map(describeRule).join(", ")} have no Claude Code agent field` +
        (guarded.length > 0 ? `; the agent is denied ${guarded.join(", ")} altogether rather than allowed more than in OpenCode` : "") +
        "; put them in .claude/settings.json if they should apply everywhere",
    );
  const disallowed = [...new Set([...(agent.disallowedTools ?? []), ...guarded])];
  let model: string | undefined;
  if (agent.model) {
    const m = toClaudeModel(agent.model);
    if (m.ok) model = m.value;
    else {
      losses.add(asset, "model", "unsupported", m.reason);
      ctx.diags.add("warning", agent.source.file, `agent "${agent.name}": ${m.reason}; it will use the session's model`, {
        field: "model",
      });
    }
  }
  const color = agent.color === undefined ? undefined : toClaudeColor(agent.color, ctx.o.from.colors);
  if (agent.color !== undefined && color !== agent.color) losses.add(asset, "color", "lossy", `${agent.color} → ${color ?? "left out"}`);
  if (agent.maxTurns !== undefined) losses.standing(asset, "maxTurns");
  // No mode is OpenCode's "all" (primary and subagent): in Claude Code it is a subagent only.
  if (agent.mode !== "subagent") losses.standing(asset, "mode");
  if (agent.temperature !== undefined || agent.topP !== undefined) losses.standing(asset, "temperature");
  if (agent.hidden !== undefined) losses.standing(asset, "hidden");
  losses.extras(asset, agent.extras, "agent field");
  for (const name of agent.source.file.match(/\.jsonc?$/) ? envRefs(agent.prompt) : [])
    losses.add(asset, "prompt", "lossy", `{env:${name}} is filled in by OpenCode from the environment; Claude Code reads it as text`);
  let description = agent.description;
  if (!description) {
    description = `The ${name} agent.`;
    losses.add(asset, "description", "lossy", "Claude Code needs a description (it decides when to delegate); a placeholder was written");
  }
  const data = {
    name,
    description,
    tools: tools(agent.tools, "tools"),
    disallowedTools: tools(disallowed.length > 0 ? disallowed : undefined, "disallowedTools"),
    model,
    permissionMode: agent.permissionMode,
    maxTurns: agent.maxTurns,
    color,
    ...agent.extras.claude,
  };
  ctx.outputs.push(markdownOutput(path.join(ctx.layout.agents, `${assetPath(agent)}.md`), data, agent.prompt, asset));
}

function writeCommand(ctx: Ctx, command: Command): void {
  const asset: AssetRef = { kind: "commands", name: command.name };
  const { losses, o } = ctx;
  if (command.name.includes("/")) losses.standing(asset, "name");
  const positions = [...command.template.matchAll(/\$(\d+)(?!\w)/g)].map((m) => Number(m[1]));
  if (o.workflow.runtime === "opencode" && positions.length > 0) {
    losses.add(
      asset,
      "template",
      "lossy",
      `$${Math.max(...positions) + 1} took all remaining arguments in OpenCode; its Claude Code form $${Math.max(...positions)} takes one`,
    );
  }
  if (command.agent && !command.subtask) losses.add(asset, "agent", "lossy", "Claude Code uses a command's agent only with context: fork");
  losses.extras(asset, command.extras, "command field");
  let model: string | undefined;
  if (command.model) {
    const m = toClaudeModel(command.model);
    if (m.ok) model = m.value;
    else losses.add(asset, "model", "unsupported", `${describeModel(command.model)}: ${m.reason}`);
  }
  const data = {
    description: command.description,
    "argument-hint": command.argumentHint,
    arguments: command.argumentNames,
    model,
    "allowed-tools": command.allowedTools?.join(", "),
    "disable-model-invocation": command.disableModelInvocation,
    context: command.subtask ? "fork" : undefined,
    agent: command.agent,
    ...command.extras.claude,
  };
  ctx.outputs.push(markdownOutput(path.join(ctx.layout.commands, `${assetPath(command)}.md`), data, command.template, asset));
}

/** `model` and `env` into settings.json, key by key (the user's other variables stay); the rest reported. */
function writeSettings(ctx: Ctx, settings: Settings): void {
  const asset: AssetRef = { kind: "settings", name: "settings" };
  const set = (path: string[], value: unknown) =>
    ctx.outputs.push({ kind: "json", file: ctx.layout.settings, path, value, newFile: "{}\n", asset });
  if (settings.model) {
    const m = toClaudeModel(settings.model);
    if (m.ok) set(["model"], m.value);
    else ctx.losses.add(asset, "model", "unsupported", `${describeModel(settings.model)}: ${m.reason}`);
  }
  for (const [name, value] of Object.entries(settings.env ?? {})) set(["env", name], value);
  for (const field of ["smallModel", "defaultAgent"] as const) if (settings[field] !== undefined) ctx.losses.standing(asset, field);
  ctx.losses.extras(asset, settings.extras, "setting");
}

function writeSkill(ctx: Ctx, skill: Skill): void {
  const asset: AssetRef = { kind: "skills", name: skill.name };
  const target = path.join(ctx.layout.skills, skill.name);
  const from = path.join(ctx.o.root, skill.dir);
  if (path.resolve(from) === path.resolve(target)) return;
  if (`${skill.dir}/`.includes(".claude/skills/")) return;
  ctx.outputs.push({
    kind: "file",
    file: path.join(target, "SKILL.md"),
    content: fs.readFileSync(path.join(from, "SKILL.md"), "utf8"),
    asset,
  });
  for (const f of skill.files) ctx.outputs.push({ kind: "copy", file: path.join(target, f), from: path.join(from, f), asset });
}

function writeMcp(ctx: Ctx, server: McpServer): void {
  const asset: AssetRef = { kind: "mcp", name: server.name };
  const { losses } = ctx;
  let value: Record<string, unknown>;
  if (server.transport === "stdio") {
    value = { command: server.command, args: server.args, env: server.env };
  } else {
    if (server.transport === "remote") losses.standing(asset, "transport");
    const type = server.transport === "remote" ? "http" : server.transport;
    let oauth: Record<string, unknown> | undefined;
    if (server.oauth && server.oauth.disabled !== true) {
      oauth = typeof server.oauth.clientId === "string" ? { clientId: server.oauth.clientId } : undefined;
      losses.standing(asset, "oauth");
    }
    value = { type, url: server.url, headers: server.headers, oauth };
  }
  if (server.enabled === false) losses.standing(asset, "enabled");
  if (JSON.stringify(value).includes("{file:")) losses.standing(asset, "env");
  for (const key of Object.keys(server.extras.opencode ?? {})) {
    losses.add(
      asset,
      `extras.opencode.${key}`,
      "unsupported",
      key === "timeout"
        ? "OpenCode's timeout limits tool listing; Claude Code's limits a tool call, so it is left out"
        : `OpenCode's "${key}" has no Claude Code equivalent`,
    );
  }
  const clean = Object.fromEntries(Object.entries({ ...value, ...server.extras.claude }).filter(([, v]) => v !== undefined));
  ctx.outputs.push({
    kind: "json",
    file: ctx.layout.mcpFile,
    path: ["mcpServers", server.name],
    value: clean,
    newFile: '{\n  "mcpServers": {}\n}\n',
    asset,
  });
}

function writePermissions(ctx: Ctx): void {
  const p = ctx.o.workflow.permissions!;
  const asset: AssetRef = { kind: "permissions", name: "permissions" };
  const external = p.rules.filter((r) => r.tool === "opencode:external_directory");
  const lists = toClaudePermissions(
    p.rules.filter((r) => !external.includes(r)),
    p.precedence,
  );
  const dirs = [...(p.additionalDirectories ?? [])];
  for (const r of external) {
    if (r.action === "allow" && r.pattern) dirs.push(r.pattern.replace(/\/\*+$/, ""));
    else
      lists.lossy.push(
        `${describeRule(r)} dropped: Claude Code can only add folders (additionalDirectories), not ask or deny outside the project`,
      );
  }
  if (external.length > 0) ctx.losses.standing(asset, "additionalDirectories");
  if (p.precedence === "order") ctx.losses.standing(asset, "rules");
  for (const reason of lists.lossy) ctx.losses.add(asset, "rules", "lossy", reason);
  const value = Object.fromEntries(
    Object.entries({
      allow: lists.allow.length > 0 ? lists.allow : undefined,
      ask: lists.ask.length > 0 ? lists.ask : undefined,
      deny: lists.deny.length > 0 ? lists.deny : undefined,
      defaultMode: p.defaultMode ?? lists.defaultMode,
      additionalDirectories: dirs.length > 0 ? [...new Set(dirs)] : undefined,
      ...p.extras.claude,
    }).filter(([, v]) => v !== undefined),
  );
  ctx.outputs.push({ kind: "json", file: ctx.layout.settings, path: ["permissions"], value, newFile: "{}\n", asset });
}

function writeHooks(ctx: Ctx, hooks: readonly Hook[]): void {
  const asset: AssetRef = { kind: "hooks", name: "hooks" };
  const byEvent: Record<string, { matcher?: string; hooks: Record<string, unknown>[] }[]> = {};
  for (const h of hooks) {
    const groups = (byEvent[h.event] ??= []);
    let group = groups.find((g) => g.matcher === h.matcher);
    if (!group) {
      group = h.matcher === undefined ? { hooks: [] } : { matcher: h.matcher, hooks: [] };
      groups.push(group);
    }
    const { type, command, args, timeout, statusMessage, async } = h;
    group.hooks.push(
      Object.fromEntries(
        Object.entries({ type, command, args, timeout, statusMessage, async, ...h.extras.claude }).filter(([, v]) => v !== undefined),
      ),
    );
    ctx.losses.extras(asset, h.extras, "hook field");
  }
  ctx.outputs.push({ kind: "json", file: ctx.layout.settings, path: ["hooks"], value: byEvent, newFile: "{}\n", asset });
}
