/**
 * `--wide` on every command that prints a table: tables fit the terminal unless it is given (see
 * `renderTable`), and it is read before the command runs so no command has to pass it along.
 */
import type { Command } from "commander";
import { showWideTables } from "../core/output.js";

const TABLE_COMMANDS = new Set([
  "usage",
  "cache",
  "live",
  "ps",
  "task list",
  "lab run",
  "lab show",
  "lab scenarios",
  "lab runs",
  "lab compare",
  "port",
]);

export function addWideFlag(program: Command): void {
  const walk = (parent: Command, prefix: readonly string[]) => {
    for (const cmd of parent.commands) {
      const name = [...prefix, cmd.name()];
      if (TABLE_COMMANDS.has(name.join(" "))) cmd.option("--wide", "print tables at full width instead of fitting them to the terminal");
      walk(cmd, name);
    }
  };
  walk(program, []);
  program.hook("preAction", (_, action) => showWideTables(action.opts().wide === true));
}
