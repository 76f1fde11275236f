/**
 * Model references between the IR and OpenCode (`provider/model`). OpenCode has no aliases, so porting pins
 * a Claude Code alias to the id it resolves to today, from ALIAS_TABLE (overridable per project with
 * `port.models` in `.quartet/config.jsonc`, or `--model alias=provider/id`).
 */
import type { ModelRef } from "../../../contract/workflow/ir.js";
import type { ModelMapping } from "../../../contract/workflow/models.js";

/**
 * What each alias resolved to in Claude Code 2.1.197, observed by running `claude -p --model <alias>`
 * against quartet's lab endpoint and reading the request's `model` (2026-11-24).
 */
export const ALIAS_TABLE: Readonly<Record<string, string>> = {
  default: "anthropic/claude-opus-4-8",
  best: "anthropic/claude-opus-4-8",
  opus: "anthropic/claude-opus-4-8",
  sonnet: "anthropic/claude-sonnet-5",
  haiku: "anthropic/claude-haiku-4-5-20251001",
  fable: "anthropic/claude-fable-5",
};

/** Aliases that also change behaviour, which a pinned id cannot carry. */
const BEHAVIOUR_ALIASES: Readonly<Record<string, string>> = {
  opusplan: "Opus while planning and Sonnet otherwise has no OpenCode equivalent; pinned to the Sonnet id",
  "sonnet[1m]": "the 1M-token context window is a request option OpenCode sets per model, not per id; pinned without it",
  "opus[1m]": "the 1M-token context window is a request option OpenCode sets per model, not per id; pinned without it",
};
const BEHAVIOUR_TARGET: Readonly<Record<string, string>> = { opusplan: "sonnet", "sonnet[1m]": "sonnet", "opus[1m]": "opus" };

/**
 * The Anthropic models `opencode models anthropic` lists in opencode 1.18.33 (offline, bundled snapshot,
 * 2026-11-24). An id outside it still ports, with a warning: OpenCode would not find it.
 */
export const OPENCODE_ANTHROPIC_MODELS: ReadonlySet<string> = new Set([
  "claude-fable-5",
  "claude-fable-5-1",
  "claude-haiku-4-5",
  "claude-haiku-4-5-20251001",
  "claude-opus-4-5",
  "claude-opus-4-5-20251101",
  "claude-opus-4-6",
  "claude-opus-4-7",
  "claude-opus-4-8",
  "claude-opus-4-8-fast",
  "claude-opus-5",
  "claude-opus-5-5",
  "claude-opus-5-5-fast",
  "claude-opus-5-fast",
  "claude-sonnet-4-5",
  "claude-sonnet-4-5-20250929",
  "claude-sonnet-4-6",
  "claude-sonnet-5",
]);

/** OpenCode's `provider/model` → IR. */
export function readOpencodeModel(value: string): ModelRef | { invalid: string } {
  const slash = value.indexOf("/");
  if (slash <= 0 || slash === value.length - 1) return { invalid: `"${value}" is not provider/model` };
  return { provider: value.slice(0, slash), id: value.slice(slash + 1) };
}

/** IR → OpenCode `provider/model`; `aliases` (the person's, from port settings) come before ALIAS_TABLE. */
export function toOpencodeModel(model: ModelRef, aliases: Readonly<Record<string, string>>): ModelMapping {
  if ("alias" in model) {
    const behaviour = BEHAVIOUR_ALIASES[model.alias];
    const base = BEHAVIOUR_TARGET[model.alias] ?? model.alias;
    const pinned = aliases[base] ?? ALIAS_TABLE[base];
    if (!pinned)
      return { ok: false, reason: `no id known for the alias "${model.alias}" (add it with --model ${model.alias}=provider/id)` };
    return { ok: true, value: pinned, lossy: behaviour ?? `the alias "${model.alias}" floats; pinned to ${pinned}` };
  }
  const bare = model.id.replace(/\[1m\]$/, "");
  const value = `${model.provider}/${bare}`;
  const lossy = bare !== model.id ? "the [1m] context suffix has no OpenCode equivalent" : undefined;
  const warning =
    model.provider === "anthropic" && !OPENCODE_ANTHROPIC_MODELS.has(bare)
      ? `${value} is not in opencode 1.18.33's model list; OpenCode will not find it`
      : undefined;
  return { ok: true, value, ...(lossy ? { lossy } : {}), ...(warning ? { warning } : {}) };
}
