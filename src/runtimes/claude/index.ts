/** The Claude Code adapter: the parts quartet implements for this runtime. */
import type { RuntimeAdapter } from "../types.js";
import { claudeLogs } from "./logs.js";

export const claude: RuntimeAdapter = {
  id: "claude",
  displayName: "Claude Code",
  capabilities: { logs: true },
  logs: claudeLogs,
};
