/**
 * `quartet statusline` without the rest of the command line. Claude Code runs it after every assistant
 * message, and commander with the CLI's command table was a fifth of its time, so bin/quartet.js runs this
 * instead, built as a CommonJS file of its own (dist/statusline.cjs, see scripts/build.mjs): one file to read
 * and compile where the ES module chunks cost a resolution and an asynchronous read each.
 *
 * Only the plain flags are parsed here. Anything else (help, an unknown flag, a flag without its value or with
 * one that looks like a flag) goes to the full command line, which parses and answers it as it always has.
 */
import { addLoadedParser } from "../ledger/read-source.js";

// For the test that this file, built as CommonJS, still loads a log parser by its module URL (read-source.ts).
export { loadParsers } from "../ledger/read-source.js";
import { parser as claudeParser } from "../runtimes/claude/log-parser.js";
import { logParserModule } from "../runtimes/log-parsers.js";
import { endQuietlyOnClosedPipe, reportFailure } from "./exit.js";
import { statuslineCommand, type StatuslineFlags } from "./statusline.js";

const VALUE_FLAGS: Record<string, keyof StatuslineFlags> = { "--home": "home", "--pricing": "pricing" };

/** The flags after `statusline`, or undefined when they need commander: only `--home` and `--pricing`, with plain values. */
export function plainStatuslineFlags(args: readonly string[]): StatuslineFlags | undefined {
  const flags: StatuslineFlags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const key = VALUE_FLAGS[name];
    if (key === undefined) return undefined;
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === "" || value.startsWith("-")) return undefined;
    // As commander does: the last of a repeated flag counts.
    flags[key] = value;
  }
  return flags;
}

/** Runs `quartet statusline` with these arguments (after the command's name); undefined when the full CLI must. */
export async function runStatusline(args: readonly string[]): Promise<number | undefined> {
  const flags = plainStatuslineFlags(args);
  if (!flags) return undefined;
  endQuietlyOnClosedPipe();
  // Bundled here: importing its ES module would start Node's ES module loader for it (4-7 ms), after every message.
  addLoadedParser({ runtime: "claude", url: logParserModule("claude"), parser: claudeParser });
  try {
    await statuslineCommand(flags, { leaveLedgerOpen: true });
  } catch (e) {
    return reportFailure(e);
  }
  // Once the line is out, the process ends here: Node's own exit would close the ledger (see statuslineCommand).
  await new Promise((resolve) => process.stdout.write("", resolve));
  process.exit(0);
}
