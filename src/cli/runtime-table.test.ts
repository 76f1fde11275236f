import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../../test/helpers.js";
import { RUNTIMES } from "../runtimes/registry.js";
import { runtimeTable, withRuntimeTable } from "./runtime-table.js";

it("is what README.md shows (run `npm run docs` after changing the registry)", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  expect(readme).toBe(withRuntimeTable(readme, [...RUNTIMES.values()]));
});

it("has a row per registered runtime saying which parts it has", () => {
  const table = runtimeTable([...RUNTIMES.values(), { id: "toy", displayName: "Toy Agent", color: "#000000" }]);
  expect(table).toContain("| Claude Code | `claude` | yes | yes | yes | yes |");
  expect(table).toContain("| Toy Agent | `toy` | – | – | – | – |");
});
