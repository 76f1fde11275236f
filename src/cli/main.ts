/**
 * The quartet command line: one command group per module, errors mapped to exit codes
 * (0 ok, 1 failure, 2 usage error).
 */
import { Command, CommanderError } from "commander";
import { errorMessage } from "../core/errors.js";
import { colors, terminalSafe } from "../core/output.js";
import { addExamples } from "./examples.js";
import { endQuietlyOnClosedPipe, reportFailure } from "./exit.js";
import { listed } from "./runtime-options.js";
import { addWideFlag } from "./wide-flag.js";
import { VERSION } from "./version.js";

type Register = (program: Command) => void;

/**
 * Every command group, in help order, with the top-level commands it defines. A group's module (and
 * everything it imports) is loaded only when one of its commands runs, or for help: a report never loads
 * the port's schemas or the board's server.
 */
const GROUPS: { commands: readonly string[]; load(): Promise<Register> }[] = [
  { commands: ["usage"], load: async () => (await import("./usage.js")).registerUsage },
  { commands: ["cache"], load: async () => (await import("./cache.js")).registerCache },
  { commands: ["report"], load: async () => (await import("./report.js")).registerReport },
  { commands: ["live"], load: async () => (await import("./live.js")).registerLive },
  { commands: ["statusline"], load: async () => (await import("./statusline.js")).registerStatusline },
  { commands: ["lab"], load: async () => (await import("./lab.js")).registerLab },
  { commands: ["gateway"], load: async () => (await import("./gateway.js")).registerGateway },
  { commands: ["sync"], load: async () => (await import("./sync.js")).registerSync },
  { commands: ["export"], load: async () => (await import("./export.js")).registerExport },
  { commands: ["otel"], load: async () => (await import("./otel.js")).registerOtel },
  { commands: ["port"], load: async () => (await import("./port.js")).registerPort },
  {
    commands: ["run", "ps", "attach", "send", "grid", "stop", "gc"],
    load: async () => (await import("./sessions.js")).registerSessions,
  },
  {
    commands: ["task", "review", "approve", "reject", "board"],
    load: async () => (await import("./review.js")).registerReview,
  },
];

/** The program with the commands `argv` can reach: one group when it names a command, else all of them. */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command().name("quartet").version(VERSION).showHelpAfterError().exitOverride();
  const named = argv[2];
  const group = GROUPS.find((g) => named !== undefined && g.commands.includes(named));
  // `--version` needs no command: loading every group for it cost about 150 ms.
  const versionOnly = named === "--version" || named === "-V";
  for (const g of versionOnly ? [] : group ? [group] : GROUPS) (await g.load())(program);
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

export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  try {
    // Runtimes kept outside quartet's source, registered before any flag or help is made from the registry.
    const extra = process.env.QUARTET_EXTRA_RUNTIMES;
    if (extra) await (await import("../runtimes/registry.js")).registerRuntimeModules(extra);
  } catch (e) {
    process.stderr.write(`${colors.red("error:")} QUARTET_EXTRA_RUNTIMES: ${terminalSafe(errorMessage(e))}\n`);
    return 2;
  }
  const program = await buildProgram(argv);
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
