/** Model references between the IR and Claude Code's `model` (an alias such as `sonnet`, or an id such as `claude-opus-5`). */
import type { ModelRef } from "../../../contract/workflow/ir.js";
import type { ModelMapping } from "../../../contract/workflow/models.js";

/** Claude Code's `model` value → IR. `inherit` and absence both mean "the session's model". */
export function readClaudeModel(value: string): ModelRef | undefined {
  const v = value.trim();
  if (v === "" || v === "inherit") return undefined;
  if (/^claude-/.test(v)) return { provider: "anthropic", id: v };
  return { alias: v };
}

/** IR → Claude Code's `model`. Only Anthropic's models exist there. */
export function toClaudeModel(model: ModelRef): ModelMapping {
  if ("alias" in model) return { ok: true, value: model.alias };
  if (model.provider !== "anthropic") {
    return { ok: false, reason: `${model.provider}/${model.id} has no Claude Code equivalent (Claude Code runs Anthropic models only)` };
  }
  return { ok: true, value: model.id };
}
