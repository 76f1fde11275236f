/** Claude Code's workflow adapter: reading and writing agents, commands, skills, MCP, permissions, hooks, CLAUDE.md. */
import type { WorkflowAdapter } from "../../types.js";
import { claudeFidelity } from "./fidelity.js";
import { readClaudeWorkflow } from "./read.js";
import { writeClaudeWorkflow } from "./write.js";

export const claudeWorkflow: WorkflowAdapter = { fidelity: claudeFidelity, read: readClaudeWorkflow, write: writeClaudeWorkflow };
