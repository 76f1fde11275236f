/**
 * What a writer asks for: whole files (agents, commands, AGENTS.md, the hooks plugin), or single keys set
 * inside JSON files the user owns (`mcp.github` in opencode.jsonc, `permissions` in settings.json), which
 * are edited in place so their comments and other keys survive. And what cannot come across: losses.
 */
import { createHash } from "node:crypto";
import * as jsonc from "jsonc-parser";
import { writeFrontmatter } from "./frontmatter.js";
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
  | { kind: "json"; file: string; path: (string | number)[]; value: unknown; newFile?: string; asset: AssetRef };

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

/** Where an output lands: the file, plus the key path for JSON keys (`opencode.json#mcp.github`). */
export function outputTarget(o: Output): string {
  return o.kind === "json" ? `${o.file}#${o.path.join(".")}` : o.file;
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
