import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../../test/helpers.js";
import { buildProgram } from "./main.js";
import { commandReference } from "./reference.js";

it("docs/commands.md is what the commands define (run `npm run docs` after changing them)", async () => {
  const reference = commandReference(await buildProgram());
  expect(fs.readFileSync(path.join(ROOT, "docs", "commands.md"), "utf8")).toBe(reference);
  // Nothing from the machine that generated it: no home, no working folder.
  expect(reference).not.toContain(process.cwd());
  expect(reference).not.toContain(ROOT);
  for (const name of ["usage", "lab run", "port", "board", "task add"]) expect(reference).toContain(`## quartet ${name}\n`);
});
