/**
 * The quartet command line: every command group, each module (and everything it imports) loaded only when one
 * of its commands runs, or for help.
 */
import type { Command } from "commander";
import { buildProgram as buildFrom, runProgram, type CommandGroup } from "./program.js";
import { SESSION_COMMANDS } from "./session-commands.js";

/**
 * Every command group, in help order, with the top-level commands it defines. A group's module (and
 * everything it imports) is loaded only when one of its commands runs, or for help: a report never loads
 * the port's schemas or the board's server.
 */
const GROUPS: readonly CommandGroup[] = [
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
  { commands: SESSION_COMMANDS, load: async () => (await import("./sessions.js")).registerSessions },
  {
    commands: ["task", "review", "approve", "reject", "board"],
    load: async () => (await import("./review.js")).registerReview,
  },
];

/** The program with the commands `argv` can reach: one group when it names a command, else all of them. */
export function buildProgram(argv: readonly string[] = []): Promise<Command> {
  return buildFrom(GROUPS, argv);
}

export function main(argv: string[]): Promise<number> {
  return runProgram(GROUPS, argv);
}
