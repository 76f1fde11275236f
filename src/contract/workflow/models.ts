/**
 * Model references in the IR: a provider's id, or a Claude Code alias (`sonnet`) that floats with the
 * provider. Each runtime maps its own spelling to and from them in its folder
 * (src/runtimes/<id>/workflow/models.ts); a runtime without aliases pins one to the id it resolves to today.
 */
import type { ModelRef } from "./ir.js";

/** A model as a runtime writes it, approximated (lossy) or with a warning, or why it cannot be written. */
export type ModelMapping = { ok: true; value: string; lossy?: string; warning?: string } | { ok: false; reason: string };

export function describeModel(model: ModelRef): string {
  return "alias" in model ? model.alias : `${model.provider}/${model.id}`;
}
