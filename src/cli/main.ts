/**
 * The quartet command line: one command group per module, errors mapped to exit codes
 * (0 ok, 1 failure, 2 usage error).
 */
import { Command, CommanderError } from "commander";
import { errorMessage, NamedError } from "../core/errors.js";
import { colors } from "../core/output.js";
import { registerCache } from "./cache.js";
import { registerLab } from "./lab.js";
import { registerPort } from "./port.js";
import { registerReport } from "./report.js";
import { registerReview } from "./review.js";
import { registerSessions } from "./sessions.js";
import { registerUsage } from "./usage.js";
import { VERSION } from "./version.js";

export function buildProgram(): Command {
  const program = new Command()
    .name("quartet")
    .description("Cost, cache, sessions, workflow and review for Claude Code, OpenCode and Codex")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerUsage(program);
  registerCache(program);
  registerReport(program);
  registerLab(program);
  registerPort(program);
  registerSessions(program);
  registerReview(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command that finished but partly failed (a lab run with a crashed runtime) sets its own code.
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit through here with code 0; commander already printed its message.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof NamedError) {
      process.stderr.write(`${colors.red("error:")} ${errorMessage(e)}\n`);
      return e.exitCode;
    }
    process.stderr.write(`${colors.red("error:")} ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
