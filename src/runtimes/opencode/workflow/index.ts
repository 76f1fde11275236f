/** OpenCode's workflow adapter (V1 config, as opencode-ai 1.18 reads it). */
import type { WorkflowAdapter } from "../../types.js";
import { opencodeFidelity } from "./fidelity.js";
import { readOpencodeWorkflow } from "./read.js";
import { writeOpencodeWorkflow } from "./write.js";

export const opencodeWorkflow: WorkflowAdapter = { fidelity: opencodeFidelity, read: readOpencodeWorkflow, write: writeOpencodeWorkflow };
