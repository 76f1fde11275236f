/**
 * The parts of a command line that name runtimes, made from the registry: a runtime registered there gets
 * its `--<id>-bin` flag and its place in every list of help text without a change here.
 */
import type { Command } from "commander";
import type { RuntimeAdapter, RuntimeId } from "../runtimes/types.js";

/** The property commander gives `--<id>-bin` (it camel-cases the flag). */
function binKey(id: string): string {
  return `${id}-bin`.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Adds `--<id>-bin <path>` for each runtime, described as "the <id> executable" + `suffix`. */
export function addBinOptions(command: Command, runtimes: readonly RuntimeAdapter[], suffix = ""): Command {
  for (const r of runtimes) command.option(`--${r.id}-bin <path>`, `the ${r.id} executable${suffix}`);
  return command;
}

/** The executables given with `--<id>-bin`, by runtime. */
export function binsGiven(flags: object, runtimes: readonly RuntimeAdapter[]): Partial<Record<RuntimeId, string>> {
  const bins: Partial<Record<RuntimeId, string>> = {};
  for (const r of runtimes) {
    const value = (flags as Record<string, unknown>)[binKey(r.id)];
    if (typeof value === "string") bins[r.id] = value;
  }
  return bins;
}

/** "a, b or c": names in a sentence, joined by `last` before the final one. */
export function listed(names: readonly string[], last = "or"): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} ${last} ${names.at(-1)}`;
}
