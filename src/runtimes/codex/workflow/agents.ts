/**
 * Agents between the IR and Codex CLI 0.169's agent roles. A role is what the model may pick when it spawns an
 * agent (`spawn_agent`'s `agent_type`, listed with its description): a TOML file in `.codex/agents/`
 * (`name`, `description`, and config keys applied to the spawned agent, `developer_instructions` being its
 * prompt), or an `[agents.<name>]` table in config.toml with a `description` and a `config_file` holding
 * those keys. Observed with the pinned codex: `codex debug prompt-input` lists both kinds; a role without a
 * description is refused.
 */
import fs from "node:fs";
import path from "node:path";
import { stringify } from "smol-toml";
import type { Agent } from "../../../contract/workflow/ir.js";
import type { Diagnostics } from "../../../contract/workflow/read-helpers.js";
import type { CodexLayout } from "./layout.js";
import { readTomlFile, type TomlTable } from "./toml.js";

/** Keys of a role the IR models; every other (nickname_candidates, model_reasoning_effort, sandbox_mode…) is Codex's own. */
const MODELLED = new Set(["name", "description", "developer_instructions", "model", "config_file"]);

/** The roles in `.codex/agents/*.toml` and config.toml's `[agents.<name>]` tables, as IR agents. */
export function readCodexAgents(layout: CodexLayout, config: TomlTable, diags: Diagnostics): Agent[] {
  const agents: Agent[] = [];
  if (fs.existsSync(layout.agentsDir))
    for (const entry of fs.readdirSync(layout.agentsDir).sort()) {
      if (!entry.endsWith(".toml")) continue;
      const file = path.join(layout.agentsDir, entry);
      const role = readRoleFile(file, diags);
      if (!role) continue;
      if (typeof role.name !== "string" || role.name.trim() === "") {
        diags.add("error", file, "an agent role file must define a non-empty `name`; not ported", { field: "name" });
        continue;
      }
      const agent = fromRole(role.name, role, role, file, diags);
      if (agent) agents.push(agent);
    }
  const tables = (config.agents as TomlTable | undefined) ?? {};
  for (const [name, t] of Object.entries(tables)) {
    // `[agents]` also holds settings for spawned agents (max_threads, …): only tables are roles.
    if (!t || typeof t !== "object" || Array.isArray(t)) continue;
    const table = t as TomlTable;
    const layer = typeof table.config_file === "string" ? readRoleFile(path.resolve(layout.dir, table.config_file), diags) : {};
    if (!layer) continue;
    const agent = fromRole(name, table, layer, layout.config, diags);
    if (agent) agents.push(agent);
  }
  return agents;
}

function readRoleFile(file: string, diags: Diagnostics): TomlTable | undefined {
  try {
    const r = readTomlFile(file);
    if (!r) diags.add("error", file, "the agent role's config_file does not exist; not ported", { field: "config_file" });
    return r?.value;
  } catch (e) {
    diags.failed(file, e);
    return undefined;
  }
}

/** One role: `table` says who it is, `layer` what the spawned agent is configured with. */
function fromRole(name: string, table: TomlTable, layer: TomlTable, file: string, diags: Diagnostics): Agent | undefined {
  if (typeof table.description !== "string" || table.description.trim() === "") {
    diags.add("error", file, `agent role "${name}" must define a description (Codex refuses it without one); not ported`, {
      field: "description",
    });
    return undefined;
  }
  const extras = Object.fromEntries([...Object.entries(table), ...Object.entries(layer)].filter(([k]) => !MODELLED.has(k)));
  return {
    name,
    description: table.description,
    prompt: typeof layer.developer_instructions === "string" ? layer.developer_instructions : "",
    ...(typeof layer.model === "string" ? { model: { provider: "openai", id: layer.model } } : {}),
    extras: Object.keys(extras).length > 0 ? { codex: extras } : {},
    source: { file: diags.rel(file), path: name },
  };
}

/** The role file's name (a folder becomes `folder-name`) and its text, with the config keys given. */
export function toCodexRole(agent: Agent, config: { model?: string; sandbox_mode?: string }): { name: string; text: string } {
  const name = agent.name.replace(/\//g, "-");
  const role: TomlTable = { name, description: agent.description };
  for (const [k, v] of Object.entries(config)) if (v !== undefined) role[k] = v;
  role.developer_instructions = agent.prompt;
  const text = stringify(role);
  return { name, text: text.endsWith("\n") ? text : `${text}\n` };
}
