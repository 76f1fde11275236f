/**
 * How OpenCode 1.18.33 reads agent and command frontmatter its YAML parser refuses: once, every top-level
 * `key: value` line whose value holds a `:` (and is not quoted or a block scalar) is read as plain text, so
 * `description: Use it. Examples:` loads. Checked with `opencode debug config`. A file that still fails
 * is skipped (agents) or stops OpenCode (commands).
 */
import { rewriteKeyValueLines } from "../../../core/frontmatter.js";

const KEY_VALUE = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*:\s*(.*)$/;

export function opencodeYamlFallback(yaml: string): string {
  return rewriteKeyValueLines(yaml, KEY_VALUE, (key, raw, line) => {
    const value = raw.trimEnd();
    if (value === "" || value === "|" || value === ">" || value.startsWith('"') || value.startsWith("'")) return line;
    // One line of JSON is a YAML double-quoted scalar with the same text (OpenCode writes a `|-` block).
    return value.includes(":") ? `${key}: ${JSON.stringify(value)}` : line;
  });
}
