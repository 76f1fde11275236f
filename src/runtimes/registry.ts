/**
 * Every supported runtime, in display order. Adding a runtime is a folder under src/runtimes/ plus one
 * entry here; a runtime kept outside quartet's source (a plug-in, a test's toy) is added at startup with
 * registerRuntime, which the CLI calls for each module named in $QUARTET_EXTRA_RUNTIMES.
 */
import { pathToFileURL } from "node:url";
import path from "node:path";
import { UsageError } from "../core/errors.js";
import { claude } from "./claude/index.js";
import { codex } from "./codex/index.js";
import { opencode } from "./opencode/index.js";
import type { RuntimeAdapter, RuntimeId } from "./types.js";

const registered = new Map<RuntimeId, RuntimeAdapter>([
  ["claude", claude],
  ["opencode", opencode],
  ["codex", codex],
]);

export const RUNTIMES: ReadonlyMap<RuntimeId, RuntimeAdapter> = registered;

/**
 * Adds a runtime after the built-in ones. Call it before anything reads the registry (the CLI does so before
 * it builds its commands), as flags and help are made from it. The id names a flag (`--<id>-bin`), a log
 * parser chunk and a column in the ledger, so it is lower-case letters, digits and dashes, and new.
 */
export function registerRuntime(adapter: RuntimeAdapter): void {
  if (!/^[a-z][a-z0-9-]*$/.test(adapter.id)) throw new UsageError(`runtime id "${adapter.id}": use lower-case letters, digits and dashes`);
  if (registered.has(adapter.id)) throw new UsageError(`runtime "${adapter.id}" is already registered`);
  registered.set(adapter.id, adapter);
}

/**
 * Registers the runtimes of each module named in `list` ($QUARTET_EXTRA_RUNTIMES: absolute paths, separated as
 * in $PATH); a module default-exports one RuntimeAdapter.
 */
export async function registerRuntimeModules(list: string): Promise<void> {
  for (const file of list.split(path.delimiter).filter((f) => f.trim() !== "")) {
    const mod = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: RuntimeAdapter };
    if (!mod.default?.id) throw new UsageError(`QUARTET_EXTRA_RUNTIMES: ${file} has no default export of a runtime adapter`);
    registerRuntime(mod.default);
  }
}

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

/** The colour a runtime is drawn in; grey for a name read from data that is no runtime quartet knows (an old ledger). */
export function runtimeColor(runtime: string): string {
  return RUNTIMES.get(runtime as RuntimeId)?.color ?? "#888888";
}

/** The runtimes that provide `part` (an optional part of RuntimeAdapter), in display order. */
export function runtimesWith(part: "logs" | "headless" | "workflow" | "session"): RuntimeAdapter[] {
  return [...RUNTIMES.values()].filter((r) => r[part] !== undefined);
}
