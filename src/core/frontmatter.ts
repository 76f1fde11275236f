/**
 * Markdown files with YAML frontmatter (agents, commands, skills): reading with line numbers for every
 * field, and writing with a stable key order so a re-port of an unchanged asset is byte-identical.
 */
import { stringify } from "yaml";
import { InputError } from "./errors.js";
import { parseYaml, type YamlDocument } from "./yaml-file.js";

export interface Frontmatter {
  data: Record<string, unknown>;
  body: string;
  /** The file line of a frontmatter field (the `---` line when the field is absent). */
  lineOf(field: string | readonly PropertyKey[]): number;
}

const OPEN = /^---[ \t]*\r?\n/;
const CLOSE = /^---[ \t]*$/m;

/**
 * A runtime's second try at frontmatter its YAML parser refused: the block rewritten line for line (so line
 * numbers hold), or undefined when the runtime gives up at once.
 */
export type YamlFallback = (yaml: string) => string;

/**
 * The block with each top-level `key: value` line that `pattern` matches (key and value its two groups)
 * replaced by what `rewrite` returns: how both runtimes' fallbacks rework a block, line for line.
 */
export function rewriteKeyValueLines(yaml: string, pattern: RegExp, rewrite: (key: string, value: string, line: string) => string): string {
  return yaml
    .split("\n")
    .map((line) => {
      const m = pattern.exec(line);
      return m ? rewrite(m[1]!, m[2]!, line) : line;
    })
    .join("\n");
}

export function parseFrontmatter(text: string, file: string, fallback?: YamlFallback): Frontmatter {
  const open = OPEN.exec(text);
  if (!open) return { data: {}, body: withFinalNewline(text), lineOf: () => 1 };
  const rest = text.slice(open[0].length);
  const close = CLOSE.exec(rest);
  if (!close) throw new InputError({ message: "frontmatter is not closed by a `---` line", file, line: 1 });
  const yamlText = rest.slice(0, close.index);
  const doc = parseWithFallback(yamlText, file, fallback);
  if (doc.value !== null && doc.value !== undefined && (typeof doc.value !== "object" || Array.isArray(doc.value))) {
    throw new InputError({ message: "frontmatter must be a mapping of fields", file, line: 2 });
  }
  // Blank lines between the frontmatter and the text are layout, not part of the prompt.
  // …and so is a missing newline at the end (every file quartet writes ends with one).
  const after = rest.slice(close.index + close[0].length).replace(/^(?:[ \t]*\r?\n)+/, "");
  const body = withFinalNewline(after);
  return {
    data: (doc.value ?? {}) as Record<string, unknown>,
    body,
    lineOf: (field) => doc.lineOf(typeof field === "string" ? [field] : field),
  };
}

/** Text that ends with a newline (unless empty): how every prompt and template is held, whatever the file did. */
export function withFinalNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

/** Frontmatter plus body; fields that are undefined are left out, the rest keep their order. */
export function writeFrontmatter(data: Record<string, unknown>, body: string): string {
  const fields = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
  const text = withFinalNewline(body);
  if (Object.keys(fields).length === 0) return text;
  return `---\n${stringify(fields, { lineWidth: 0 })}---\n\n${text.replace(/^\n+/, "")}`;
}

/** The block as YAML; when that fails and the runtime has a fallback, the rewritten block (else the first error). */
function parseWithFallback(yamlText: string, file: string, fallback: YamlFallback | undefined): YamlDocument {
  try {
    return parseYaml(yamlText, file, 2);
  } catch (e) {
    if (!fallback) throw e;
    const rewritten = fallback(yamlText);
    try {
      return parseYaml(rewritten, file, 2, { duplicateKeys: true });
    } catch {
      throw e;
    }
  }
}
