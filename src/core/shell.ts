/** Quoting for the POSIX shell lines quartet writes (hook commands, session scripts, launchers). */

/** Quotes a value for sh: single quotes, with embedded single quotes closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The sh function `field NAME`, which prints the first `"NAME": "value"` of a JSON text whose value is a plain
 * token (letters, digits, `_.:-`). The runtimes' own text in that JSON is JSON-escaped, so it cannot fake a
 * key. `input` is the pipeline's head that prints the JSON (`printf '%s' "$payload"`); none reads stdin.
 */
export function shJsonField(input?: string): string {
  const sed = `sed -n "s/.*\\"$1\\"[[:space:]]*:[[:space:]]*\\"\\([A-Za-z0-9_.:-]*\\)\\".*/\\1/p" | head -n 1`;
  return `field() { ${input ? `${input} | ` : ""}${sed}; }`;
}
