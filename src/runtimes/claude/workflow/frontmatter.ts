/**
 * How Claude Code 2.1.197 reads agent and command frontmatter its YAML parser refuses: once, it quotes
 * every top-level `key: value` line whose value holds a YAML indicator (`{}[]*&#!|>%@` and backtick) or
 * `: `, unless the value is already quoted or is a `[…]` list on its own, turns leading tabs into two
 * spaces, and parses again. So `description: Examples: <example>Context: …` and
 * `argument-hint: [a] | [b]` load as text. When that fails too, the frontmatter is dropped (an agent
 * then has no name and is skipped).
 */
import { parseDocument } from "yaml";
import { rewriteKeyValueLines } from "../../../core/frontmatter.js";

const KEY_VALUE = /^([a-zA-Z_-]+):\s+(.+)$/;
const NEEDS_QUOTES = /[{}[\]*&#!|>%@`]|: /;

export function claudeYamlFallback(yaml: string): string {
  return rewriteKeyValueLines(yaml, KEY_VALUE, (key, value, line) => {
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) return line;
    if (value.startsWith("[") && value.endsWith("]") && isList(value)) return line;
    if (!NEEDS_QUOTES.test(value)) return line;
    return `${key}: "${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  }).replace(/^\t+/gm, (tabs) => "  ".repeat(tabs.length));
}

function isList(text: string): boolean {
  const doc = parseDocument(text);
  return doc.errors.length === 0 && Array.isArray(doc.toJS());
}
