/**
 * What every workflow reader needs: listing asset files, parsing their frontmatter or JSON with line
 * numbers, and validating one field at a time so a bad field costs that field (or that asset), never the
 * whole port.
 */
import fs from "node:fs";
import path from "node:path";
import * as jsonc from "jsonc-parser";
import type { z } from "zod";
import { NamedError, errorMessage } from "../../core/errors.js";
import { walkFiles } from "../../core/files.js";
import { lineAt, parseJsoncTree } from "../../core/jsonc-file.js";
import { parseFrontmatter, type Frontmatter, type YamlFallback } from "../../core/frontmatter.js";
import type { Diagnostic } from "./ir.js";

export class Diagnostics {
  readonly list: Diagnostic[] = [];
  constructor(private readonly root: string) {}

  /** A path for messages: relative to the root that was read when inside it. */
  rel(file: string): string {
    const r = path.relative(this.root, file);
    return r.startsWith("..") || path.isAbsolute(r) ? file : r;
  }

  add(severity: Diagnostic["severity"], file: string, message: string, at: { line?: number; field?: string } = {}): void {
    this.list.push({
      severity,
      file: this.rel(file),
      message,
      ...(at.line ? { line: at.line } : {}),
      ...(at.field ? { field: at.field } : {}),
    });
  }

  /** An exception from parsing a file, as an error diagnostic with the file and line it names. */
  failed(file: string, e: unknown): void {
    const data = e instanceof NamedError ? (e.data as { line?: number; message?: string }) : {};
    this.add("error", file, data.message ?? errorMessage(e), { ...(data.line ? { line: data.line } : {}) });
  }
}

/** Markdown files under `dir`, with their path below it (without `.md`), sorted. */
export function markdownFiles(dir: string): { file: string; name: string }[] {
  return walkFiles(dir, { match: (n) => n.endsWith(".md"), warnings: [], skipDirs: new Set(["node_modules", ".git"]) }).map((file) => ({
    file,
    name: path.relative(dir, file).slice(0, -3).split(path.sep).join("/"),
  }));
}

/**
 * Reads a markdown file's frontmatter, or records why it cannot be read and returns undefined. With
 * `withoutFrontmatter`, frontmatter that cannot be read is left out instead (a warning), as Claude Code
 * does for a command: it keeps the command and its text.
 */
export function readMarkdown(
  file: string,
  diags: Diagnostics,
  fallback?: YamlFallback,
  o: { withoutFrontmatter?: string } = {},
): Frontmatter | undefined {
  const text = fs.readFileSync(file, "utf8");
  try {
    return parseFrontmatter(text, file, fallback);
  } catch (e) {
    if (o.withoutFrontmatter === undefined) {
      diags.failed(file, e);
      return undefined;
    }
    const data = e instanceof NamedError ? (e.data as { line?: number; message?: string }) : {};
    diags.add("warning", file, `${data.message ?? errorMessage(e)}: ${o.withoutFrontmatter}`, data.line ? { line: data.line } : {});
    return parseFrontmatter(text.replace(/^---[ \t]*\r?\n[\s\S]*?^---[ \t]*(?:\r?\n)+/m, ""), file);
  }
}

/** A JSON/JSONC file and a way to find the line of any key in it. */
export interface JsonDoc {
  file: string;
  value: unknown;
  lineOf(at: (string | number)[]): number | undefined;
}

/** `prepare` rewrites the raw text before parsing, line for line (OpenCode's `{file:…}` substitution). */
export function readJsonDoc(file: string, diags: Diagnostics, prepare?: (text: string) => string): JsonDoc | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const raw = fs.readFileSync(file, "utf8");
    const text = prepare ? prepare(raw) : raw;
    const tree = parseJsoncTree(text, file);
    return {
      file,
      value: jsonc.getNodeValue(tree),
      lineOf: (at) => {
        const node = jsonc.findNodeAtLocation(tree, at);
        return node ? lineAt(text, node.parent?.type === "property" ? node.parent.offset : node.offset) : undefined;
      },
    };
  } catch (e) {
    diags.failed(file, e);
    return undefined;
  }
}

/** Validates fields of one asset; a bad field is reported at its line and left out. */
export class FieldReader {
  constructor(
    private readonly data: Record<string, unknown>,
    private readonly file: string,
    private readonly lineOf: (field: string) => number | undefined,
    private readonly diags: Diagnostics,
    private readonly what: string,
  ) {}

  get<T>(key: string, schema: z.ZodType<T>, severity: Diagnostic["severity"] = "warning"): T | undefined {
    const value = this.data[key];
    if (value === undefined || value === null) return undefined;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const line = this.lineOf(key);
    this.diags.add(severity, this.file, `${this.what} field "${key}": ${parsed.error.issues[0]!.message}; left out`, {
      field: key,
      ...(line ? { line } : {}),
    });
    return undefined;
  }

  /** Keys not in `known`: reported once each and returned for the asset's extras. */
  unknown(known: readonly string[], runtimeName: string): Record<string, unknown> {
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.data)) {
      if (known.includes(key)) continue;
      extra[key] = value;
      const line = this.lineOf(key);
      this.diags.add("warning", this.file, `unknown ${this.what} field "${key}" (not one ${runtimeName} reads); kept, not ported`, {
        field: key,
        ...(line ? { line } : {}),
      });
    }
    return extra;
  }
}

/** `a, b` or `[a, b]` → `["a", "b"]`. */
export function listField(value: unknown): string[] | undefined {
  if (typeof value === "string")
    return value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.map((s) => s.trim());
  return undefined;
}

/** The entries of `data` whose keys are in `keys`. */
export function pick(data: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([k, v]) => keys.includes(k) && v !== undefined));
}

/** Drops undefined fields, so IRs compare equal whether a field was absent or unset. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
