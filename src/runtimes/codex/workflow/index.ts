/** Codex CLI's workflow adapter: AGENTS.md, config.toml (MCP servers, approval and sandbox), skills, custom prompts. */
import type { WorkflowAdapter } from "../../types.js";
import { codexFidelity } from "./fidelity.js";
import { readCodexWorkflow } from "./read.js";
import { writeCodexWorkflow } from "./write.js";

export const codexWorkflow: WorkflowAdapter = { fidelity: codexFidelity, read: readCodexWorkflow, write: writeCodexWorkflow };
