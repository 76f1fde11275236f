/**
 * How a port is done, from `.quartet/config.jsonc` in the project (key `port`) and the command line:
 * which id each Claude Code model alias is pinned to, whether CLAUDE.md imports are listed or inlined for
 * OpenCode, and whether skills are left where OpenCode already reads them or copied.
 */
import { z } from "zod";
import { UsageError } from "../core/errors.js";
import { readProjectSection } from "../core/project-config.js";
import type { PortSettings } from "../contract/workflow/port-settings.js";

const ModelId = z.string().regex(/^[\w.-]+\/[\w.:[\]-]+$/, "provider/model, e.g. anthropic/claude-sonnet-5");

export const PortConfig = z
  .object({
    models: z.record(z.string(), ModelId).optional(),
    imports: z.enum(["list", "inline"]).optional(),
    skills: z.enum(["native", "copy"]).optional(),
  })
  .strict();

export type ProjectConfig = { port?: z.infer<typeof PortConfig> };

/** The `port` section of the project's `.quartet/config.jsonc`. */
export function readProjectConfig(root: string): ProjectConfig {
  return { port: readProjectSection(root, "port", PortConfig) };
}

/** `sonnet=anthropic/claude-sonnet-4-5` flags over the config over the built-in alias table. */
export function portSettings(o: {
  config: ProjectConfig;
  modelFlags?: readonly string[];
  imports?: string;
  skills?: string;
}): PortSettings {
  // The person's aliases only: each writer puts them before its own table of what an alias resolves to.
  const models: Record<string, string> = { ...o.config.port?.models };
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
