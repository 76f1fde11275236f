import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../test/helpers.js";
import { fidelityOf, fieldsOf, losslessBothWays, type RuntimeFidelity } from "../contract/workflow/fidelity.js";
import { withFidelityTable } from "./fidelity-table.js";
import { ASSET_KINDS } from "../contract/workflow/ir.js";
import { fidelityDeclarations } from "./port.js";
import { RUNTIMES } from "../runtimes/registry.js";

const declarations = await fidelityDeclarations([...RUNTIMES.values()]);
const by = (id: string) => declarations.find((d) => d.runtime === id)!;

describe("the fidelity declarations", () => {
  it("cover every kind of asset in every runtime, each field once, with a reason for everything not lossless", () => {
    for (const d of declarations) {
      for (const kind of ASSET_KINDS)
        expect(
          d.fields.some((f) => f.kind === kind),
          `${d.runtime} ${kind}`,
        ).toBe(true);
      const keys = d.fields.map((f) => `${f.kind}.${f.field}`);
      expect(new Set(keys).size, d.runtime).toBe(keys.length);
      for (const f of d.fields)
        for (const step of [f.read, f.write])
          if (step.level === "lossy" || step.level === "unsupported") expect(step.reason, `${d.runtime} ${f.kind}.${f.field}`).toBeTruthy();
    }
  });

  it("declare every neutral field in every runtime, so each of the directions composes", () => {
    const neutral = (d: RuntimeFidelity) => d.fields.filter((f) => !f.field.startsWith("extras.")).map((f) => `${f.kind}.${f.field}`);
    for (const d of declarations) expect(neutral(d).sort(), d.runtime).toEqual(neutral(declarations[0]!).sort());
    for (const from of declarations)
      for (const to of declarations)
        for (const kind of ASSET_KINDS)
          for (const field of fieldsOf(declarations, kind)) expect(() => fidelityOf({ from, to, kind, field })).not.toThrow();
  });

  it("compose a direction from reading the source and writing the target", () => {
    expect(losslessBothWays(by("claude"), by("opencode"), "agents")).toEqual(["name", "description"]);
    expect(fidelityOf({ from: by("claude"), to: by("opencode"), kind: "agents", field: "maxTurns" }).level).toBe("lossy");
    expect(fidelityOf({ from: by("opencode"), to: by("claude"), kind: "agents", field: "permissionMode" }).level).toBe("n/a");
    expect(fidelityOf({ from: by("claude"), to: by("opencode"), kind: "agents", field: "extras.claude" })).toEqual({
      level: "unsupported",
      reason: "OpenCode has no such setting",
    });
  });

  it("refuse a field they have no row for, so a typo never passes as lossless", () => {
    expect(() => fidelityOf({ from: by("claude"), to: by("opencode"), kind: "agents", field: "maxturns" })).toThrow(
      "no row for agents.maxturns",
    );
  });

  it("are what docs/port.md shows (run `npm run docs` after changing them)", () => {
    const page = fs.readFileSync(path.join(ROOT, "docs", "port.md"), "utf8");
    expect(page).toBe(withFidelityTable(page, declarations));
  });
});
