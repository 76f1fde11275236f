/** Regenerates the parts of README.md that come from the code (the port's mapping table). */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { withFidelityTable } from "../src/workflow/fidelity-table.js";

const readme = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "README.md");
fs.writeFileSync(readme, withFidelityTable(fs.readFileSync(readme, "utf8")));
