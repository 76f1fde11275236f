/**
 * How Claude Code 2.1.197 reads agent and command frontmatter its YAML parser refuses: once, it quotes
 * every top-level `key: value` line whose value holds a YAML indicator (`{}[]*&#!|>%@` and backtick) or
 * `: `, unless the value is already quoted or is a `[…]` list on its own, turns leading tabs into two
 * spaces, and parses again. So `description: Examples: <example>Context: …` and
 * `argument-hint: [a] | [b]` load as text. When that fails too, the frontmatter is dropped (an agent
 * then has no name and is skipped).
 */
import { parseDocument } from "yaml";

const KEY_VALUE = /^([a-zA-Z_-]+):\s+(.+)$/;
const NEEDS_QUOTES = /[{}[\]*&#!|>%@`]|: /;

export function claudeYamlFallback(yaml: string): string {
  return yaml
    .split("\n")
    .map((line) => {
      const m = KEY_VALUE.exec(line);
      if (!m) return line;
      const [, key, value] = m as unknown as [string, string, string];
      if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) return line;
      if (value.startsWith("[") && value.endsWith("]") && isList(value)) return line;
      if (!NEEDS_QUOTES.test(value)) return line;
      return `${key}: "${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    })
    .join("\n")
    .replace(/^\t+/gm, (tabs) => "  ".repeat(tabs.length));
}

function isList(text: string): boolean {
  const doc = parseDocument(text);
  return doc.errors.length === 0 && Array.isArray(doc.toJS());
}
