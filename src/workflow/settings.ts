/**
 * How a port is done, from `.quartet/config.jsonc` in the project (key `port`) and the command line:
 * which id each Claude Code model alias is pinned to, whether CLAUDE.md imports are listed or inlined for
 * OpenCode, and whether skills are left where OpenCode already reads them or copied.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { InputError, UsageError } from "../core/errors.js";
import { parseJsoncTree, lineAt } from "../core/jsonc-file.js";
import * as jsonc from "jsonc-parser";
import { ALIAS_TABLE } from "./models.js";

const ModelId = z.string().regex(/^[\w.-]+\/[\w.:[\]-]+$/, "provider/model, e.g. anthropic/claude-sonnet-5");

export const PortConfig = z
  .object({
    models: z.record(z.string(), ModelId).optional(),
    imports: z.enum(["list", "inline"]).optional(),
    skills: z.enum(["native", "copy"]).optional(),
  })
  .strict();

/** quartet's own project config; strict, so a typo is an error rather than silently ignored. */
export const ProjectConfig = z.object({ $schema: z.string().optional(), port: PortConfig.optional() }).strict();
export type ProjectConfig = z.infer<typeof ProjectConfig>;

export interface PortSettings {
  /** Alias → provider/id. */
  models: Record<string, string>;
  imports: "list" | "inline";
  skills: "native" | "copy";
}

export function projectConfigFile(root: string): string {
  return path.join(root, ".quartet", "config.jsonc");
}

export function readProjectConfig(root: string): ProjectConfig {
  const file = projectConfigFile(root);
  if (!fs.existsSync(file)) return {};
  const text = fs.readFileSync(file, "utf8");
  const tree = parseJsoncTree(text, file);
  const parsed = ProjectConfig.safeParse(jsonc.getNodeValue(tree));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const at = issue.path as (string | number)[];
  const node = jsonc.findNodeAtLocation(tree, at);
  const field = at.join(".");
  throw new InputError({ message: `${field || "config"}: ${issue.message}`, file, line: lineAt(text, node?.offset ?? 0), field });
}

/** `sonnet=anthropic/claude-sonnet-4-5` flags over the config over the built-in alias table. */
export function portSettings(o: {
  config: ProjectConfig;
  modelFlags?: readonly string[];
  imports?: string;
  skills?: string;
}): PortSettings {
  const models = { ...ALIAS_TABLE, ...o.config.port?.models };
  for (const flag of o.modelFlags ?? []) {
    const m = /^([^=\s]+)=(.+)$/.exec(flag);
    if (!m || !ModelId.safeParse(m[2]).success)
      throw new UsageError(`--model ${flag}: expected alias=provider/model, e.g. sonnet=anthropic/claude-sonnet-5`);
    models[m[1]!] = m[2]!;
  }
  const imports = o.imports ?? o.config.port?.imports ?? "list";
  const skills = o.skills ?? o.config.port?.skills ?? "native";
  if (imports !== "list" && imports !== "inline") throw new UsageError(`--imports must be list or inline, not "${imports}"`);
  if (skills !== "native" && skills !== "copy") throw new UsageError(`--skills must be native or copy, not "${skills}"`);
  return { models, imports, skills };
}
