/** Collecting what a port loses, with the standing reasons from the fidelity table. */
import { fidelityOf, type Direction } from "./fidelity.js";
import type { AssetRef, Loss } from "./outputs.js";

export class Losses {
  readonly list: Loss[] = [];
  constructor(readonly direction: Direction) {}

  /** The field is present and the table says it does not port losslessly: report the table's reason. */
  standing(asset: AssetRef, field: string): void {
    const f = fidelityOf(asset.kind, field, this.direction);
    if (f.level === "lossy" || f.level === "unsupported") this.add(asset, field, f.level, f.reason ?? "");
  }

  /** Each field the source runtime keeps under extras, reported as having no counterpart in the target. */
  extras(asset: AssetRef, extras: Record<string, unknown> | undefined, what: string): void {
    const toOpencode = this.direction === "claude-to-opencode";
    const [source, from, to] = toOpencode ? ["claude", "Claude Code", "OpenCode"] : ["opencode", "OpenCode", "Claude Code"];
    for (const key of Object.keys(extras ?? {})) {
      this.add(asset, `extras.${source}.${key}`, "unsupported", `${from}'s ${what} "${key}" has no ${to} equivalent`);
    }
  }

  add(asset: AssetRef, field: string, level: Loss["level"], reason: string): void {
    if (!this.list.some((l) => l.asset.kind === asset.kind && l.asset.name === asset.name && l.field === field && l.reason === reason)) {
      this.list.push({ asset, field, level, reason });
    }
  }
}
