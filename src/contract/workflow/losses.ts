/** Collecting what a port loses, with the standing reasons composed from both runtimes' declarations. */
import { fidelityOf, type RuntimeFidelity } from "./fidelity.js";
import type { RuntimeExtras } from "./ir.js";
import type { AssetRef, Loss } from "./outputs.js";

export class Losses {
  readonly list: Loss[] = [];
  constructor(readonly way: { from: RuntimeFidelity; to: RuntimeFidelity }) {}

  /** The field is present and the declarations say it does not port losslessly: report their reason. */
  standing(asset: AssetRef, field: string): void {
    const f = fidelityOf({ ...this.way, kind: asset.kind, field });
    if (f.level === "lossy" || f.level === "unsupported") this.add(asset, field, f.level, f.reason ?? "");
  }

  /** Each field the source runtime keeps under its extras, reported as having no counterpart in the target. */
  extras(asset: AssetRef, extras: RuntimeExtras, what: string): void {
    const { from, to } = this.way;
    for (const key of Object.keys(extras[from.runtime] ?? {})) {
      this.add(asset, `extras.${from.runtime}.${key}`, "unsupported", `${from.name}'s ${what} "${key}" has no ${to.name} equivalent`);
    }
  }

  add(asset: AssetRef, field: string, level: Loss["level"], reason: string): void {
    if (!this.list.some((l) => l.asset.kind === asset.kind && l.asset.name === asset.name && l.field === field && l.reason === reason)) {
      this.list.push({ asset, field, level, reason });
    }
  }
}
