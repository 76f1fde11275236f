/**
 * A tool list as Claude Code reads it (`tools`, `disallowedTools`, `allowed-tools`): a string or a list of
 * strings, each split on commas and spaces outside parentheses, so `Read Grep, Bash(git log:*)` is three
 * tools. Items that are not strings are dropped.
 */
export function claudeToolList(value: string | readonly unknown[]): string[] {
  const items = typeof value === "string" ? [value] : value.filter((v): v is string => typeof v === "string");
  return items.flatMap(splitOutsideParens);
}

function splitOutsideParens(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    else if (ch === ")") depth = Math.max(0, depth - 1);
    if (depth === 0 && (ch === "," || /\s/.test(ch))) {
      if (current) out.push(current);
      current = "";
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}
