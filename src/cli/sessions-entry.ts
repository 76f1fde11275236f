/**
 * The session commands (`run`, `ps`, `send`, `stop`, …) as a file of their own: built as one CommonJS file
 * (dist/sessions.cjs, see scripts/build.mjs) that bin/quartet.js runs from a V8 code cache, as it runs the ledger's
 * reports (ledger-entry.ts). Scripts, the person and the review board's tests call `ps` over and over: from the ES
 * module build it cost about 0.3 s of CPU, 0.19 s of it loading the modules (1.3 MB with zod, see below).
 *
 * The sessions' settings (their schema needs zod) stay in the ES module build, required from there when a session
 * starts, so `ps`, `send` and `stop` never load them; so do each runtime's workflow parts.
 */
import { runBundled } from "./bundled.js";
import type { CommandGroup } from "./program.js";
import { SESSION_COMMANDS } from "./session-commands.js";
import { registerSessions } from "./sessions.js";

const GROUPS: readonly CommandGroup[] = [{ commands: SESSION_COMMANDS, load: async () => registerSessions }];

export function main(argv: string[]): Promise<number> {
  return runBundled(GROUPS, argv);
}
