/**
 * Skills: a folder with a SKILL.md (frontmatter + instructions) and any files beside it. Both runtimes use
 * the folder name as the skill's name; OpenCode 1.18 also requires a `name` field equal to it and a
 * `description` of 1–1024 characters, and skips a skill that has neither.
 */
import fs from "node:fs";
import path from "node:path";
import { walkFiles } from "../../core/files.js";
import type { Skill } from "./ir.js";
import { Diagnostics, readMarkdown } from "./read-helpers.js";

/** Skills in `dirs`, in order; a later folder's skill of the same name is reported and left out. */
export function readSkills(dirs: readonly string[], root: string, diags: Diagnostics): Skill[] {
  const skills: Skill[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory()) continue;
      const skillDir = path.join(dir, entry.name);
      const file = path.join(skillDir, "SKILL.md");
      if (!fs.existsSync(file)) continue;
      const earlier = skills.find((s) => s.name === entry.name);
      if (earlier) {
        diags.add("warning", file, `skill "${entry.name}" is also in ${earlier.dir}; that one is used`);
        continue;
      }
      const md = readMarkdown(file, diags);
      if (!md) continue;
      const files = walkFiles(skillDir, { match: () => true, warnings: [], skipDirs: new Set(["node_modules", ".git"]) })
        .map((f) => path.relative(skillDir, f).split(path.sep).join("/"))
        .filter((f) => f !== "SKILL.md");
      skills.push({
        name: entry.name,
        dir: path.relative(root, skillDir).split(path.sep).join("/"),
        frontmatter: md.data,
        body: md.body,
        files,
        extras: {},
        source: { file: diags.rel(file), line: 1 },
      });
    }
  }
  return skills;
}

/** Why OpenCode 1.18 would skip this skill, if it would. */
export function opencodeSkillProblem(skill: Skill): string | undefined {
  const { name, description } = skill.frontmatter;
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(skill.name)) return `the folder name "${skill.name}" is not lower-case words joined by hyphens`;
  if (name !== skill.name)
    return name === undefined ? "it has no `name` field" : `its name "${String(name)}" differs from its folder "${skill.name}"`;
  if (typeof description !== "string" || description.length < 1 || description.length > 1024)
    return "its description is missing or longer than 1024 characters";
  return undefined;
}
