/**
 * A toy fourth runtime, kept in the test tree to prove the runtime contract: this folder is all it takes.
 * It is registered at startup through $QUARTET_EXTRA_RUNTIMES (test/runtime-plugin.test.ts bundles it and
 * names the bundle), and imports nothing from quartet but the contract's types and its fidelity helpers.
 */
import type { RuntimeAdapter } from "../../src/runtimes/types.js";
import { toyLogs } from "./logs.js";
import { toySession } from "./session.js";
import { toyWorkflow } from "./workflow.js";

const toy: RuntimeAdapter = {
  id: "toy",
  displayName: "Toy Agent",
  color: "#aa33cc",
  logs: toyLogs,
  session: toySession,
  workflow: async () => toyWorkflow,
};

export default toy;
