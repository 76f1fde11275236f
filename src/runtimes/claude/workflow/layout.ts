/**
 * Where Claude Code keeps each part of a workflow, for a project (`<dir>/CLAUDE.md`, `<dir>/.claude/…`,
 * `<dir>/.mcp.json`) or for the user (`~/.claude/…`, MCP servers in `~/.claude.json`).
 */
import fs from "node:fs";
import path from "node:path";
import type { Scope } from "../../../contract/workflow/ir.js";

export interface ClaudeLayout {
  scope: Scope;
  root: string;
  /** CLAUDE.md candidates, first existing wins. */
  main: string[];
  local?: string;
  rules: string;
  agents: string;
  commands: string;
  skills: string;
  /** The file holding MCP servers, and the key they sit under. */
  mcpFile: string;
  settings: string;
  localSettings?: string;
}

export function claudeLayout(root: string, scope: Scope): ClaudeLayout {
  const dir = path.join(root, ".claude");
  const common = {
    scope,
    root,
    rules: path.join(dir, "rules"),
    agents: path.join(dir, "agents"),
    commands: path.join(dir, "commands"),
    skills: path.join(dir, "skills"),
    settings: path.join(dir, "settings.json"),
  };
  return scope === "project"
    ? {
        ...common,
        main: [path.join(root, "CLAUDE.md"), path.join(dir, "CLAUDE.md")],
        local: path.join(root, "CLAUDE.local.md"),
        mcpFile: path.join(root, ".mcp.json"),
        localSettings: path.join(dir, "settings.local.json"),
      }
    : { ...common, main: [path.join(dir, "CLAUDE.md")], mcpFile: path.join(root, ".claude.json") };
}

/** The CLAUDE.md in use, or where a new one goes. */
export function mainInstructionsFile(layout: ClaudeLayout): { file: string; exists: boolean } {
  const found = layout.main.find((f) => fs.existsSync(f));
  return found ? { file: found, exists: true } : { file: layout.main[0]!, exists: false };
}
