/**
 * Every supported runtime, in display order. Adding a runtime is a folder under src/runtimes/ plus one
 * entry here.
 */
import { UsageError } from "../core/errors.js";
import { claude } from "./claude/index.js";
import { codex } from "./codex/index.js";
import { opencode } from "./opencode/index.js";
import type { RuntimeAdapter, RuntimeId } from "./types.js";

export const RUNTIMES: ReadonlyMap<RuntimeId, RuntimeAdapter> = new Map([
  ["claude", claude],
  ["opencode", opencode],
  ["codex", codex],
]);

export function runtimeIds(): RuntimeId[] {
  return [...RUNTIMES.keys()];
}

/** One runtime by name; an unknown name is a usage error listing the known ones. */
export function runtimeById(name: string): RuntimeAdapter {
  const adapter = RUNTIMES.get(name.trim() as RuntimeId);
  if (!adapter) throw new UsageError(`unknown runtime "${name.trim()}" (known: ${runtimeIds().join(", ")})`);
  return adapter;
}

/** Parses a comma-separated --runtime value. */
export function selectRuntimes(value?: string): RuntimeAdapter[] {
  if (!value) return [...RUNTIMES.values()];
  return value.split(",").map(runtimeById);
}

/** The runtimes that provide `part` (an optional part of RuntimeAdapter), in display order. */
export function runtimesWith(part: "logs" | "headless" | "workflow" | "session"): RuntimeAdapter[] {
  return [...RUNTIMES.values()].filter((r) => r[part] !== undefined);
}
