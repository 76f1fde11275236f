/** Quoting for the POSIX shell lines quartet writes (hook commands, session scripts, launchers). */

/** Quotes a value for sh: single quotes, with embedded single quotes closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
