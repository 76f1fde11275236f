/**
 * OpenCode's config files merged as OpenCode merges them (later files win, per agent / command / server
 * name; `instructions` lists concatenate), remembering which file and line each value came from.
 */
import type { Diagnostics, JsonDoc } from "../../../contract/workflow/read-helpers.js";
import { readJsonDoc } from "../../../contract/workflow/read-helpers.js";
import { substituteFileRefs } from "./file-refs.js";
import type { OpencodeLayout } from "./layout.js";

const BY_NAME = new Set(["agent", "command", "mcp"]);

export interface MergedConfig {
  value: Record<string, unknown>;
  /** The file and line a key path was read from (the last file that sets it). */
  at(...path: string[]): { file: string; line: number };
}

export function readOpencodeConfig(layout: OpencodeLayout, diags: Diagnostics): MergedConfig {
  const docs = layout.configFiles
    .map((f) => readJsonDoc(f, diags, (text) => substituteFileRefs(text, f, layout.home, diags)))
    .filter((d): d is JsonDoc => d !== undefined);
  const value: Record<string, unknown> = {};
  for (const doc of docs) {
    const v = (doc.value ?? {}) as Record<string, unknown>;
    if (typeof v !== "object" || Array.isArray(v)) {
      diags.add("error", doc.file, "the config must be a JSON object");
      continue;
    }
    for (const [key, val] of Object.entries(v)) {
      if (BY_NAME.has(key) && val && typeof val === "object") value[key] = { ...((value[key] as object) ?? {}), ...val };
      else if (key === "instructions" && Array.isArray(val)) value[key] = [...((value[key] as unknown[]) ?? []), ...val];
      else value[key] = val;
    }
  }
  return {
    value,
    at: (...path) => {
      for (const doc of [...docs].reverse()) {
        const line = doc.lineOf(path);
        if (line !== undefined) return { file: doc.file, line };
      }
      const last = docs[docs.length - 1];
      return { file: last?.file ?? layout.configFiles[0]!, line: 1 };
    },
  };
}
