/**
 * The ledger's reports (`quartet usage`, `cache` and `report`) as a file of their own: built as one CommonJS
 * file (dist/ledger.cjs, see scripts/build.mjs) that bin/quartet.js runs from a V8 code cache. Loading the same
 * code as the ES module build's 31 chunks (each resolved, read and compiled on its own) took about 50 ms of a
 * 340 ms report that had nothing new to read.
 *
 * Parts only some paths need stay in the ES module build (the workflow parts of each runtime, the team ledger's
 * PostgreSQL client, the price file's reader): this file requires them from there. So bin/quartet.js runs it only
 * where Node requires ES modules quietly, and not with QUARTET_EXTRA_RUNTIMES, whose modules only import() loads
 * (in Node 20 a script run from a code cache cannot import()): the full CLI runs the reports there.
 */
import { runBundled } from "./bundled.js";
import { registerCache } from "./cache.js";
import type { CommandGroup } from "./program.js";
import { registerReport } from "./report.js";
import { registerUsage } from "./usage.js";

/** In help order. bin/quartet.js runs these commands, and only these, from this file. */
const GROUPS: readonly CommandGroup[] = [
  { commands: ["usage"], load: async () => registerUsage },
  { commands: ["cache"], load: async () => registerCache },
  { commands: ["report"], load: async () => registerReport },
];

export const LEDGER_COMMANDS: readonly string[] = GROUPS.flatMap((g) => g.commands);

export function main(argv: string[]): Promise<number> {
  return runBundled(GROUPS, argv);
}
