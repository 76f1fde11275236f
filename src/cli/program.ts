/**
 * The command line's program, made from command groups: one group when argv names a command, else all of
 * them, with errors mapped to exit codes (0 ok, 1 failure, 2 usage error). main.ts runs it with every group,
 * each loaded when needed; ledger-entry.ts with the ledger's reports, bundled in (see there).
 */
import { Command, CommanderError } from "commander";
import { errorMessage } from "../core/errors.js";
import { colors, terminalSafe } from "../core/output.js";
import { addExamples } from "./examples.js";
import { endQuietlyOnClosedPipe, reportFailure } from "./exit.js";
import { listed } from "./runtime-options.js";
import { addWideFlag } from "./wide-flag.js";
import { VERSION } from "./version.js";

export type Register = (program: Command) => void;

/** Commands that one module defines, and how to get that module's definitions. */
export interface CommandGroup {
  commands: readonly string[];
  load(): Promise<Register>;
}

/** The program with the commands `argv` can reach: one group when it names a command, else all of them. */
export async function buildProgram(groups: readonly CommandGroup[], argv: readonly string[] = []): Promise<Command> {
  const program = new Command().name("quartet").version(VERSION).showHelpAfterError().exitOverride();
  const named = argv[2];
  const group = groups.find((g) => named !== undefined && g.commands.includes(named));
  // `--version` needs no command: loading every group for it cost about 150 ms.
  const versionOnly = named === "--version" || named === "-V";
  for (const g of versionOnly ? [] : group ? [group] : groups) (await g.load())(program);
  // Only the top-level help shows the description, and only it pays for loading the registry (every runtime's
  // every part: a third of `--version`'s time).
  if (!group && !versionOnly) {
    const { RUNTIMES } = await import("../runtimes/registry.js");
    const names = listed(
      [...RUNTIMES.values()].map((r) => r.displayName),
      "and",
    );
    program.description(`Cost, cache, sessions, workflow and review for ${names}`);
  }
  addExamples(program);
  addWideFlag(program);
  return program;
}

export async function runProgram(groups: readonly CommandGroup[], argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  try {
    // Runtimes kept outside quartet's source, registered before any flag or help is made from the registry.
    const extra = process.env.QUARTET_EXTRA_RUNTIMES;
    if (extra) await (await import("../runtimes/registry.js")).registerRuntimeModules(extra);
  } catch (e) {
    process.stderr.write(`${colors.red("error:")} QUARTET_EXTRA_RUNTIMES: ${terminalSafe(errorMessage(e))}\n`);
    return 2;
  }
  const program = await buildProgram(groups, argv);
  try {
    await program.parseAsync(argv);
    // A command that finished but partly failed (a lab run with a crashed runtime) sets its own code.
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit through here with code 0; commander already printed its message.
      return e.exitCode === 0 ? 0 : 2;
    }
    return reportFailure(e);
  }
}
