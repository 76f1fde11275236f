/**
 * Where Codex CLI 0.169 keeps each part of a workflow. Project: AGENTS.md at the root, `.codex/config.toml`
 * (read only once the person has trusted the project), skills in `.codex/skills` and `.agents/skills`.
 * User: `~/.codex/` ($CODEX_HOME): config.toml, AGENTS.md, skills/, and old custom prompts in prompts/ (user scope
 * only; Codex 0.169 no longer reads them, quartet still reads them as commands). Agent roles: `agents/*.toml` in either.
 */
import path from "node:path";
import type { Scope } from "../../../contract/workflow/ir.js";

export interface CodexLayout {
  scope: Scope;
  root: string;
  /** `.codex/` in a project, `~/.codex/` for the user. */
  dir: string;
  config: string;
  agentsMd: string;
  /** Where quartet writes skills, then the other folders Codex reads them from. */
  skillDirs: string[];
  /** Old custom prompts, read as commands (Codex 0.169 ignores them): only the user's. */
  promptsDir: string | undefined;
  /** Agent role files. */
  agentsDir: string;
}

export function codexLayout(o: { root: string; scope: Scope; home: string }): CodexLayout {
  const dir = o.scope === "project" ? path.join(o.root, ".codex") : path.join(o.home, ".codex");
  const base = o.scope === "project" ? o.root : o.home;
  return {
    scope: o.scope,
    root: o.root,
    dir,
    config: path.join(dir, "config.toml"),
    agentsMd: o.scope === "project" ? path.join(o.root, "AGENTS.md") : path.join(dir, "AGENTS.md"),
    skillDirs: [path.join(dir, "skills"), path.join(base, ".agents", "skills")],
    promptsDir: o.scope === "user" ? path.join(dir, "prompts") : undefined,
    agentsDir: path.join(dir, "agents"),
  };
}
