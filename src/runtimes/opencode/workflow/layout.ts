/**
 * Where OpenCode 1.18 (V1 config) keeps each part of a workflow: `opencode.json(c)` and `.opencode/` in a
 * project, `~/.config/opencode/` for the user; plus the Claude Code skill folders it reads natively.
 */
import fs from "node:fs";
import path from "node:path";
import type { Scope } from "../../../contract/workflow/ir.js";

export interface OpencodeLayout {
  scope: Scope;
  root: string;
  home: string;
  /** `.opencode/` in a project, `~/.config/opencode/` for the user. */
  dir: string;
  /** Config files in the order OpenCode merges them (later wins). */
  configFiles: string[];
  /** AGENTS.md, and the CLAUDE.md OpenCode falls back to when there is none. */
  agentsMd: string;
  claudeMdFallback: string;
  agentDirs: { dir: string; primary: boolean }[];
  commandDirs: string[];
  skillDirs: string[];
  pluginDirs: string[];
}

export function opencodeLayout(o: { root: string; scope: Scope; home: string; configHome: string }): OpencodeLayout {
  const dir = o.scope === "project" ? path.join(o.root, ".opencode") : path.join(o.configHome, "opencode");
  const base = o.scope === "project" ? o.root : o.home;
  return {
    scope: o.scope,
    root: o.root,
    home: o.home,
    dir,
    configFiles:
      o.scope === "project"
        ? [
            path.join(o.root, "opencode.json"),
            path.join(o.root, "opencode.jsonc"),
            path.join(dir, "opencode.json"),
            path.join(dir, "opencode.jsonc"),
          ]
        : [path.join(dir, "config.json"), path.join(dir, "opencode.json"), path.join(dir, "opencode.jsonc")],
    agentsMd: o.scope === "project" ? path.join(o.root, "AGENTS.md") : path.join(dir, "AGENTS.md"),
    claudeMdFallback: o.scope === "project" ? path.join(o.root, "CLAUDE.md") : path.join(o.home, ".claude", "CLAUDE.md"),
    agentDirs: [
      { dir: path.join(dir, "agents"), primary: false },
      { dir: path.join(dir, "agent"), primary: false },
      { dir: path.join(dir, "modes"), primary: true },
      { dir: path.join(dir, "mode"), primary: true },
    ],
    commandDirs: [path.join(dir, "commands"), path.join(dir, "command")],
    skillDirs: [
      path.join(dir, "skills"),
      path.join(dir, "skill"),
      path.join(base, ".claude", "skills"),
      path.join(base, ".agents", "skills"),
    ],
    pluginDirs: [path.join(dir, "plugins"), path.join(dir, "plugin")],
  };
}

/** What a config file quartet creates starts from. */
export const NEW_CONFIG = `{\n  "$schema": "https://opencode.ai/config.json"\n}\n`;

/** The config file quartet edits: an existing one (JSONC first), else a new opencode.json. */
export function configTarget(layout: OpencodeLayout): { file: string; exists: boolean } {
  const candidates =
    layout.scope === "project"
      ? [path.join(layout.root, "opencode.jsonc"), path.join(layout.root, "opencode.json")]
      : [path.join(layout.dir, "opencode.jsonc"), path.join(layout.dir, "opencode.json"), path.join(layout.dir, "config.json")];
  const found = candidates.find((f) => fs.existsSync(f));
  // Both lists have opencode.json second: the name OpenCode's docs use for a new file.
  return found ? { file: found, exists: true } : { file: candidates[1]!, exists: false };
}

/**
 * The folder a ported agent or command file goes to: `agent/` or `agents/` (`command/`, `commands/`),
 * whichever already holds the file, else whichever the project already uses, else the plural.
 */
export function opencodeAssetDir(layout: OpencodeLayout, kind: "agent" | "command", relPath: string): string {
  const spellings = [path.join(layout.dir, `${kind}s`), path.join(layout.dir, kind)];
  return spellings.find((d) => fs.existsSync(path.join(d, `${relPath}.md`))) ?? spellings.find((d) => fs.existsSync(d)) ?? spellings[0]!;
}
