/** The Codex CLI adapter: the parts quartet implements for this runtime. */
import type { RuntimeAdapter } from "../types.js";
import { codexHeadless } from "./headless.js";
import { codexSession } from "./session.js";
import { codexLogs } from "./logs.js";

export const codex: RuntimeAdapter = {
  id: "codex",
  displayName: "Codex CLI",
  color: "#10a37f",
  logs: codexLogs,
  headless: codexHeadless,
  session: codexSession,
  workflow: async () => (await import("./workflow/index.js")).codexWorkflow,
  gateway: {
    supported: false,
    reason: "Codex speaks OpenAI's Responses API, and quartet's gateway serves only the Anthropic Messages API",
  },
};
