/**
 * The person's own Codex `notify` program, read from their config.toml, so that the program quartet sets
 * for a session (`-c notify=[…]` replaces the setting) can run it too. Read only, never written.
 *
 * `notify` is a top-level key holding an array of strings: `notify = ["notify-send", "Codex"]`. The file is
 * parsed as TOML (smol-toml, which reads TOML 1.1 as Codex does), so what Codex rejects (a missing comma, a
 * string where the array belongs) is reported as unreadable, with its line, never guessed at. An empty array
 * is no program, as Codex treats it.
 */
import fs from "node:fs";
import path from "node:path";
import { parse, TomlError } from "smol-toml";

export type UserNotify =
  { kind: "none" } | { kind: "argv"; argv: string[] } | { kind: "unreadable"; file: string; line: number | null; reason: string };

/** Codex's user configuration: `$CODEX_HOME/config.toml`, else `~/.codex/config.toml`. */
export function codexConfigFile(env: NodeJS.ProcessEnv): string | null {
  const home = env.CODEX_HOME?.trim() ? env.CODEX_HOME : env.HOME ? path.join(env.HOME, ".codex") : null;
  return home ? path.join(home, "config.toml") : null;
}

export function readUserNotify(file: string | null): UserNotify {
  let text: string;
  try {
    text = file ? fs.readFileSync(file, "utf8") : "";
  } catch {
    return { kind: "none" };
  }
  const read = readNotify(text);
  if (read.kind === "unreadable") return { kind: "unreadable", file: file!, line: read.line, reason: read.reason };
  return read.kind === "absent" || read.argv.length === 0 ? { kind: "none" } : { kind: "argv", argv: read.argv };
}

type Read = { kind: "absent" } | { kind: "argv"; argv: string[] } | { kind: "unreadable"; line: number | null; reason: string };

function readNotify(text: string): Read {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    return { kind: "unreadable", line: e.line, reason: `not valid TOML: ${e.message.split("\n")[0]}` };
  }
  const value = doc.notify;
  if (value === undefined) return { kind: "absent" };
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return { kind: "argv", argv: value };
  // The line of the top-level key, for the message: before the first table header.
  const lines = text.split(/\r?\n/);
  let line: number | null = null;
  for (let i = 0; i < lines.length && !/^\s*\[/.test(lines[i]!); i++)
    if (/^\s*("notify"|'notify'|notify)\s*=/.test(lines[i]!)) line = i + 1;
  return { kind: "unreadable", line, reason: "notify is not an array of strings" };
}

/** The top-level `notify` array: undefined when absent, null when present but not an array of strings or not valid TOML. */
export function notifyFromToml(text: string): string[] | null | undefined {
  const read = readNotify(text);
  return read.kind === "unreadable" ? null : read.kind === "absent" ? undefined : read.argv;
}
