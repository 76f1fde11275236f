import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../test/helpers.js";
import { FIDELITY, fidelityOf, losslessBothWays } from "./fidelity.js";
import { withFidelityTable } from "./fidelity-table.js";
import { ASSET_KINDS } from "./ir.js";

describe("the fidelity table", () => {
  it("covers every kind of asset, each field once, with a reason for everything not lossless", () => {
    for (const kind of ASSET_KINDS)
      expect(
        FIDELITY.some((f) => f.kind === kind),
        kind,
      ).toBe(true);
    const keys = FIDELITY.map((f) => `${f.kind}.${f.field}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const f of FIDELITY) {
      for (const d of ["claude-to-opencode", "opencode-to-claude"] as const) {
        if (f[d].level === "lossy" || f[d].level === "unsupported") expect(f[d].reason, `${f.kind}.${f.field} ${d}`).toBeTruthy();
      }
    }
    expect(losslessBothWays("agents")).toEqual(["name", "description"]);
  });

  it("refuses a field it has no row for, so a typo never passes as lossless", () => {
    expect(fidelityOf("agents", "maxTurns", "claude-to-opencode").level).toBe("lossy");
    expect(() => fidelityOf("agents", "maxturns", "claude-to-opencode")).toThrow("no row for agents.maxturns");
  });

  it("is what docs/port.md shows (run `npm run docs` after changing it)", () => {
    const page = fs.readFileSync(path.join(ROOT, "docs", "port.md"), "utf8");
    expect(page).toBe(withFidelityTable(page));
  });
});
