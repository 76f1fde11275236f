/** Claude Code's workflow adapter: reading and writing agents, commands, skills, MCP, permissions, hooks, CLAUDE.md. */
import type { WorkflowAdapter } from "../../types.js";
import { readClaudeWorkflow } from "./read.js";
import { writeClaudeWorkflow } from "./write.js";

export const claudeWorkflow: WorkflowAdapter = { read: readClaudeWorkflow, write: writeClaudeWorkflow };
