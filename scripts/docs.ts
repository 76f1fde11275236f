/** Regenerates the documentation that comes from the code: the command reference, the port's mapping tables and the README's runtime table. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildProgram } from "../src/cli/main.js";
import { commandReference } from "../src/cli/reference.js";
import { withRuntimeTable } from "../src/cli/runtime-table.js";
import { withFidelityTable } from "../src/workflow/fidelity-table.js";
import { fidelityDeclarations } from "../src/workflow/port.js";
import { RUNTIMES } from "../src/runtimes/registry.js";

const docs = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "docs");
fs.writeFileSync(path.join(docs, "commands.md"), commandReference(await buildProgram()));
const port = path.join(docs, "port.md");
fs.writeFileSync(port, withFidelityTable(fs.readFileSync(port, "utf8"), await fidelityDeclarations([...RUNTIMES.values()])));
const readme = path.join(docs, "..", "README.md");
fs.writeFileSync(readme, withRuntimeTable(fs.readFileSync(readme, "utf8"), [...RUNTIMES.values()]));
