/**
 * quartet's own config, per project in `.quartet/config.jsonc` and per user in `<config dir>/config.jsonc`: one top-level key per layer (`port` for the
 * workflow port, `sessions` for agent sessions, `review` for the board, `gateway` for the gateway's budgets, `sync` for the team ledger). Each layer validates its own section with its own schema;
 * an unknown top-level key is an error, so a typo never silently does nothing.
 */
import fs from "node:fs";
import path from "node:path";
import * as jsonc from "jsonc-parser";
import type { z } from "zod";
import { InputError } from "./errors.js";
import { lineAt, parseJsoncTree } from "./jsonc-file.js";

const SECTIONS = ["$schema", "port", "sessions", "review", "gateway", "sync"] as const;
type Section = Exclude<(typeof SECTIONS)[number], "$schema">;

export function projectConfigFile(root: string): string {
  return path.join(root, ".quartet", "config.jsonc");
}

/** The validated value of one section of the project's config, or undefined when the file or the section is absent. */
export function readProjectSection<S extends z.ZodType>(root: string, section: Section, schema: S): z.infer<S> | undefined {
  return readConfigSection(projectConfigFile(root), section, schema);
}

/** The user's own config, `config.jsonc` in quartet's config folder: the same sections, for every project. */
export function userConfigFile(configDir: string): string {
  return path.join(configDir, "config.jsonc");
}

export function readConfigSection<S extends z.ZodType>(file: string, section: Section, schema: S): z.infer<S> | undefined {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, "utf8");
  const tree = parseJsoncTree(text, file);
  const value = jsonc.getNodeValue(tree) as unknown;
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new InputError({ message: "config: expected an object", file, line: 1 });
  for (const node of tree.children ?? []) {
    const key = node.children?.[0]?.value as string | undefined;
    if (key !== undefined && !(SECTIONS as readonly string[]).includes(key)) {
      throw new InputError({
        message: `${key}: unknown key (known: ${SECTIONS.filter((s) => s !== "$schema").join(", ")})`,
        file,
        line: lineAt(text, node.offset),
        field: key,
      });
    }
  }
  const raw = (value as Record<string, unknown>)[section];
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const at = [section, ...(issue.path as (string | number)[])];
  const node = jsonc.findNodeAtLocation(tree, at);
  const field = at.join(".");
  throw new InputError({ message: `${field}: ${issue.message}`, file, line: lineAt(text, node?.offset ?? 0), field });
}
