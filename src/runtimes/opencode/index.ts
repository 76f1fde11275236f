/** The OpenCode adapter: the parts quartet implements for this runtime. */
import type { RuntimeAdapter } from "../types.js";
import { opencodeGateway } from "./gateway.js";
import { opencodeSession } from "./session.js";
import { opencodeHeadless } from "./headless.js";
import { opencodeLogs } from "./logs.js";

export const opencode: RuntimeAdapter = {
  id: "opencode",
  displayName: "OpenCode",
  color: "#4b6fd6",
  logs: opencodeLogs,
  headless: opencodeHeadless,
  // Loaded when a port needs it: its schemas and YAML parser would slow every other command's start.
  workflow: async () => (await import("./workflow/index.js")).opencodeWorkflow,
  session: opencodeSession,
  gateway: opencodeGateway,
};
