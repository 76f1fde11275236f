/**
 * What a writer asks for: whole files (agents, commands, AGENTS.md, the hooks plugin), or single keys set
 * inside JSON files the user owns (`mcp.github` in opencode.jsonc, `permissions` in settings.json), which
 * are edited in place so their comments and other keys survive. And what cannot come across: losses.
 */
import { createHash } from "node:crypto";
import * as jsonc from "jsonc-parser";
import { writeFrontmatter } from "../../core/frontmatter.js";
import type { AssetKind } from "./ir.js";

export interface AssetRef {
  kind: AssetKind;
  name: string;
}

export type Output =
  | { kind: "file"; file: string; content: string; asset: AssetRef }
  /** A file copied byte for byte (a skill's scripts and images). */
  | { kind: "copy"; file: string; from: string; asset: AssetRef }
  /** `value` set at `path` in a JSON file; `newFile` is the text a file that does not exist yet starts from. */
  | { kind: "json"; file: string; path: (string | number)[]; value: unknown; newFile?: string; asset: AssetRef }
  /**
   * A marked block inside a text file the user owns (a hand-written CLAUDE.md): only the text between the
   * markers is quartet's; it is added at the end the first time and replaced in place after.
   */
  | { kind: "section"; file: string; id: string; content: string; asset: AssetRef }
  /**
   * `value` set at `key` inside a file in a format the runtime edits itself (Codex's config.toml): `read`
   * gives what the text holds there now (undefined when absent) and `apply` the text with the value set;
   * both throw on a file they cannot parse, so nothing is written.
   */
  | {
      kind: "edit";
      file: string;
      key: string;
      value: unknown;
      read(text: string): unknown;
      apply(text: string): string;
      asset: AssetRef;
    };

/** A field that does not come across as it was: approximated (lossy) or left out (unsupported). */
export interface Loss {
  asset: AssetRef;
  field: string;
  level: "lossy" | "unsupported";
  reason: string;
}

/** A markdown file with frontmatter (an agent, a command, a skill). */
export function markdownOutput(file: string, data: Record<string, unknown>, body: string, asset: AssetRef): Output {
  return { kind: "file", file, content: writeFrontmatter(data, body), asset };
}

export function assetId(a: AssetRef): string {
  return a.kind === a.name ? a.kind : `${a.kind}/${a.name}`;
}

/** Where an output lands: the file, plus the key path for JSON keys (`opencode.json#mcp.github`) or the section. */
export function outputTarget(o: Output): string {
  if (o.kind === "json") return `${o.file}#${o.path.join(".")}`;
  if (o.kind === "section") return `${o.file}#section:${o.id}`;
  if (o.kind === "edit") return `${o.file}#${o.key}`;
  return o.file;
}

/** The lines that open and close a quartet section. The model reads them too, so they say what they are. */
export function sectionMarkers(id: string): { begin: string; end: string } {
  return {
    begin: `<!-- quartet:begin ${id} (written by \`quartet port\`; the next port replaces what is between these lines) -->`,
    end: `<!-- quartet:end ${id} -->`,
  };
}

function sectionRange(text: string, id: string): { start: number; end: number; inner: string } | undefined {
  const begin = new RegExp(`^<!-- quartet:begin ${escapeRegExp(id)}\\b.*-->[ \\t]*\\r?\\n`, "m").exec(text);
  if (!begin) return undefined;
  const afterBegin = begin.index + begin[0].length;
  const end = new RegExp(`^<!-- quartet:end ${escapeRegExp(id)} -->[ \\t]*(?:\\r?\\n|$)`, "m").exec(text.slice(afterBegin));
  if (!end) return undefined;
  return { start: begin.index, end: afterBegin + end.index + end[0].length, inner: text.slice(afterBegin, afterBegin + end.index) };
}

/** The content of a quartet section in `text`, or undefined when there is none. */
export function sectionContent(text: string, id: string): string | undefined {
  return sectionRange(text, id)?.inner;
}

/** `text` with the section set to `content`: replaced where it is, or added at the end after a blank line. */
export function setSection(text: string, id: string, content: string): string {
  const { begin, end } = sectionMarkers(id);
  const block = `${begin}\n${content.endsWith("\n") ? content : `${content}\n`}${end}\n`;
  const range = sectionRange(text, id);
  if (range) return text.slice(0, range.start) + block + text.slice(range.end);
  if (text === "") return block;
  return `${text.replace(/\n*$/, "\n")}\n${block}`;
}

/** `text` without any quartet section: what the user wrote. */
export function withoutSections(text: string): string {
  return text.replace(/^<!-- quartet:begin (\S+)\b.*-->[ \t]*\r?\n[\s\S]*?^<!-- quartet:end \1 -->[ \t]*(?:\r?\n|$)/gm, "");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function sha(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** A stable serialisation for hashing and comparing JSON values (key order ignored). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

const FORMAT: jsonc.FormattingOptions = { insertSpaces: true, tabSize: 2, eol: "\n" };

/** The value at `path` in a JSON/JSONC text, or undefined. */
export function jsonValueAt(text: string, path: (string | number)[]): unknown {
  const tree = jsonc.parseTree(text, [], { allowTrailingComma: true });
  if (!tree) return undefined;
  const node = jsonc.findNodeAtLocation(tree, path);
  return node ? jsonc.getNodeValue(node) : undefined;
}

/** Sets `path` to `value` in a JSON/JSONC text, keeping comments, other keys and their layout. */
export function setJsonValue(text: string, path: (string | number)[], value: unknown): string {
  const base = text.trim() === "" ? "{}\n" : text;
  const edits = jsonc.modify(base, path, value, { formattingOptions: FORMAT });
  return jsonc.applyEdits(base, edits);
}
