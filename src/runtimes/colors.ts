/**
 * The colour each runtime is drawn in, wherever quartet draws runtimes (the usage report, the lab report):
 * one runtime, one colour, so a reader who learned it on one chart reads it on the next. Keyed by RuntimeId,
 * so a new runtime does not compile until it has its colour.
 */
import type { RuntimeId } from "./types.js";

export const RUNTIME_COLORS: Readonly<Record<RuntimeId, string>> = { claude: "#d97757", opencode: "#4b6fd6", codex: "#10a37f" };

/** For a name read from data that may not be a runtime quartet knows (an old ledger, a filtered-out one). */
const OTHER = "#888888";

export function runtimeColor(runtime: string): string {
  return (RUNTIME_COLORS as Record<string, string>)[runtime] ?? OTHER;
}
