/** The Claude Code adapter: the parts quartet implements for this runtime. */
import type { RuntimeAdapter } from "../types.js";
import { claudeGateway } from "./gateway.js";
import { claudeSession } from "./session.js";
import { claudeHeadless } from "./headless.js";
import { claudeLogs } from "./logs.js";

export const claude: RuntimeAdapter = {
  id: "claude",
  displayName: "Claude Code",
  color: "#d97757",
  logs: claudeLogs,
  headless: claudeHeadless,
  // Loaded when a port needs it: its schemas and YAML parser would slow every other command's start.
  workflow: async () => (await import("./workflow/index.js")).claudeWorkflow,
  session: claudeSession,
  gateway: claudeGateway,
};
