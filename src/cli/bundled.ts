/**
 * What the command line's CommonJS files (dist/ledger.cjs, dist/sessions.cjs; see scripts/build.mjs) run: their
 * command groups, bundled in, with Claude Code's log parser registered as loaded. Loading the parser's ES module
 * would start Node's ES module loader for it; Codex's brings its schemas (zod, 0.8 MB) and OpenCode's its rows'
 * schemas, so theirs are loaded from their own modules when one of their logs is read.
 */
import { addLoadedParser } from "../ledger/read-source.js";
import { parser as claudeParser } from "../runtimes/claude/log-parser.js";
import { logParserModule } from "../runtimes/log-parsers.js";
import { runProgram, type CommandGroup } from "./program.js";

export function runBundled(groups: readonly CommandGroup[], argv: string[]): Promise<number> {
  addLoadedParser({ runtime: "claude", url: logParserModule("claude"), parser: claudeParser });
  return runProgram(groups, argv);
}
