/**
 * The toy's workflow: one instructions file, TOY.md, at the project root. Everything else a workflow holds
 * has no place here, and says so in the loss report.
 */
import fs from "node:fs";
import path from "node:path";
import { na, none, ok, row, type RuntimeFidelity } from "../../src/contract/workflow/fidelity.js";
import { emptyWorkflow } from "../../src/contract/workflow/ir.js";
import type { Loss } from "../../src/contract/workflow/outputs.js";
import type { WorkflowAdapter } from "../../src/runtimes/types.js";

const FILE = "TOY.md";
const NO_SUCH = "the toy has only TOY.md";

const fidelity: RuntimeFidelity = {
  runtime: "toy",
  name: "Toy Agent",
  fields: [
    row("instructions", "main", FILE, ok, ok),
    ...["imports", "local", "rules", "urls"].map((f) => row("instructions", f, "–", na, none(NO_SUCH))),
  ],
};

export const toyWorkflow: WorkflowAdapter = {
  fidelity,
  read(o) {
    const workflow = emptyWorkflow("toy", o.scope);
    const file = path.join(o.root, FILE);
    if (o.only.includes("instructions") && fs.existsSync(file)) {
      const text = fs.readFileSync(file, "utf8");
      workflow.instructions = { main: { file: FILE, text }, imports: [], rules: [], urls: [], extras: {}, source: { file: FILE } };
    }
    return { workflow, diagnostics: [] };
  },
  write(o) {
    const main = o.workflow.instructions?.main;
    const asset = { kind: "instructions" as const, name: "instructions" };
    const outputs = main ? [{ kind: "file" as const, file: path.join(o.root, FILE), content: main.text, asset }] : [];
    const losses: Loss[] = [];
    const w = o.workflow;
    for (const [kind, items] of [
      ["agents", w.agents],
      ["commands", w.commands],
      ["skills", w.skills],
      ["mcp", w.mcp],
      ["hooks", w.hooks],
    ] as const)
      for (const item of items as readonly { name?: string }[])
        losses.push({ asset: { kind, name: item.name ?? kind }, field: "*", level: "unsupported", reason: NO_SUCH });
    return { outputs, losses, diagnostics: [] };
  },
};
