/**
 * Codex's config.toml, read and edited without losing what the user wrote. smol-toml parses (and names the
 * line of a syntax error); edits are surgical: a table quartet writes (`[mcp_servers.github]`) replaces
 * only that table's lines, a top-level key (`approval_policy = …`) only its line, so every comment and every
 * other key stays byte for byte.
 */
import fs from "node:fs";
import { parse, stringify, TomlError } from "smol-toml";
import { InputError } from "../../../core/errors.js";

export type TomlTable = Record<string, unknown>;

/** The parsed file; a syntax error is an InputError naming the file, line and (when it can) the key. */
export function parseToml(text: string, file: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const line = e.line;
    const key = /^\s*\[?\s*([\w.-]+)/.exec(text.split("\n")[line - 1] ?? "")?.[1];
    throw new InputError({
      message: `${file}:${line}: not valid TOML (${e.message.split("\n")[0]}); nothing was written`,
      file,
      line,
      ...(key ? { field: key } : {}),
    });
  }
}

export function readTomlFile(file: string): { text: string; value: TomlTable } | undefined {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, "utf8");
  return { text, value: parseToml(text, file) };
}

/** The value at a dotted path (`["mcp_servers", "github"]`), or undefined. */
export function tomlValueAt(value: TomlTable, path: readonly string[]): unknown {
  let at: unknown = value;
  for (const key of path) {
    if (!at || typeof at !== "object" || Array.isArray(at)) return undefined;
    at = (at as TomlTable)[key];
  }
  return at;
}

const BARE = /^[A-Za-z0-9_-]+$/;
function key(k: string): string {
  return BARE.test(k) ? k : JSON.stringify(k);
}

const HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;

/** The table header's dotted path as written (`mcp_servers."my server"` → ["mcp_servers", "my server"]). */
function headerPath(inner: string): string[] {
  return [...inner.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+)/g)].map((m) =>
    m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : (m[2] ?? m[3]!),
  );
}

/** `text` with the table at `path` set to `value` (replaced where it is, else added at the end), or removed. */
export function setTomlTable(text: string, path: readonly string[], value: TomlTable | undefined): string {
  const lines = text.split("\n");
  const same = (p: string[]) => p.length === path.length && p.every((k, i) => k === path[i]);
  const isSub = (p: string[]) => p.length > path.length && path.every((k, i) => k === p[i]);
  let start = -1;
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const m = HEADER.exec(lines[i]!);
    if (!m) continue;
    const p = headerPath(m[1]!);
    if (start < 0 && same(p)) start = i;
    else if (start >= 0 && !isSub(p)) {
      end = i;
      break;
    }
  }
  const block = value === undefined ? [] : tableLines(path, value);
  if (start < 0) {
    if (value === undefined) return text;
    const base = text.replace(/\n*$/, "");
    return `${base}${base === "" ? "" : "\n\n"}${block.join("\n")}\n`;
  }
  // Keep the blank lines and comments that separate this table from the next one.
  while (end > start + 1 && /^\s*(#.*)?$/.test(lines[end - 1]!)) end--;
  return [...lines.slice(0, start), ...block, ...lines.slice(end)].join("\n");
}

function tableLines(path: readonly string[], value: TomlTable): string[] {
  const body = stringify(value).trimEnd();
  // stringify writes nested tables as `[sub]` headers relative to the root: put them under this table.
  const lines =
    body === ""
      ? []
      : body
          .split("\n")
          .map((l) => l.replace(/^\[(\[?)([^\]]+)\]/, (_, arr: string, inner: string) => `[${arr}${path.map(key).join(".")}.${inner}]`));
  return [`[${path.map(key).join(".")}]`, ...lines];
}

/** `text` with a top-level key set: its line replaced, or a new line before the first table. */
export function setTomlTopKey(text: string, name: string, value: string | number | boolean): string {
  const lines = text.split("\n");
  const line = `${key(name)} = ${stringify({ v: value }).slice(4).trim()}`;
  const firstTable = lines.findIndex((l) => HEADER.test(l));
  const top = firstTable < 0 ? lines.length : firstTable;
  const at = lines.slice(0, top).findIndex((l) => new RegExp(`^\\s*${name.replace(/[-]/g, "\\-")}\\s*=`).test(l));
  if (at >= 0) lines[at] = line;
  else if (text.trim() === "") return `${line}\n`;
  else lines.splice(top, 0, ...(top > 0 && lines[top - 1]!.trim() !== "" ? [line] : [line, ""]));
  return lines.join("\n");
}

/**
 * `text` with the array of tables at `path` (`[[hooks.PreToolUse]]` and the `[[hooks.PreToolUse.hooks]]`
 * under it) set to `entries`: its blocks replaced where the first one is (else added at the end), every
 * other line kept. The result must parse (a key set some other way, inline, is not edited) or it throws.
 */
export function setTomlArrayTables(text: string, path: readonly string[], entries: readonly TomlTable[], file: string): string {
  const lines = text.split("\n");
  const belongs = (p: string[]) => p.length >= path.length && path.every((k, i) => k === p[i]);
  const keep: string[] = [];
  let at = -1;
  let inside = false;
  let region: string[] = [];
  // The comments and blank lines closing a replaced block belong to what follows it: they stay.
  const leave = () => {
    let n = region.length;
    while (n > 0 && /^\s*(#.*)?$/.test(region[n - 1]!)) n--;
    keep.push(...region.slice(n));
    region = [];
  };
  for (const line of lines) {
    const m = HEADER.exec(line);
    if (m) {
      const now = belongs(headerPath(m[1]!));
      if (inside && !now) leave();
      inside = now;
    }
    if (!inside) keep.push(line);
    else {
      if (at < 0) at = keep.length;
      region.push(line);
    }
  }
  if (inside) leave();
  const body = stringify({ v: entries })
    .trimEnd()
    .split("\n")
    .map((l) => l.replace(/^\[\[v(\.|\])/, (_, rest: string) => `[[${path.map(key).join(".")}${rest}`));
  let out: string;
  if (at < 0) {
    const base = text.replace(/\n*$/, "");
    out = `${base}${base === "" ? "" : "\n\n"}${body.join("\n")}\n`;
  } else {
    // Keep the blank lines and comments that separated the old blocks from what follows.
    const gap = at < keep.length && keep[at]!.trim() !== "" ? [""] : [];
    out = [...keep.slice(0, at), ...body, ...gap, ...keep.slice(at)].join("\n");
  }
  parseToml(out, file);
  return out;
}
