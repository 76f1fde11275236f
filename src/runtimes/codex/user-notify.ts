/**
 * The person's own Codex `notify` program, read from their config.toml, so that the program quartet sets
 * for a session (`-c notify=[…]` replaces the setting) can run it too. Read only, never written.
 *
 * `notify` is a top-level key holding an array of strings: `notify = ["notify-send", "Codex"]`. Only that
 * key is read, so this is not a TOML parser: it finds `notify =` before the first table header and reads
 * the array's basic ("…", with escapes) and literal ('…') strings, across lines, with comments and a
 * trailing comma allowed. Anything else it cannot read is reported as unreadable, never guessed at.
 */
import fs from "node:fs";
import path from "node:path";

export type UserNotify = { kind: "none" } | { kind: "argv"; argv: string[] } | { kind: "unreadable"; file: string };

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
  const argv = notifyFromToml(text);
  if (argv === undefined) return { kind: "none" };
  return argv === null ? { kind: "unreadable", file: file! } : { kind: "argv", argv };
}

const ESCAPES: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", e: "\x1b", '"': '"', "\\": "\\" };

/** The top-level `notify` array: undefined when absent, null when present but not an array of strings. */
export function notifyFromToml(text: string): string[] | null | undefined {
  const lines = text.split(/\r?\n/);
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*\[/.test(lines[i]!)) break; // a table header: later keys are not top-level
    if (/^\s*("notify"|notify)\s*=/.test(lines[i]!)) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  const rest = lines.slice(start).join("\n");
  let i = rest.indexOf("=") + 1;
  const skip = () => {
    for (;;) {
      while (i < rest.length && /[\s,]/.test(rest[i]!)) i++;
      if (rest[i] !== "#") return;
      while (i < rest.length && rest[i] !== "\n") i++;
    }
  };
  skip();
  if (rest[i] !== "[") return null;
  i++;
  const out: string[] = [];
  for (;;) {
    skip();
    const c = rest[i];
    if (c === "]") return out;
    if (c === "'") {
      const end = rest.indexOf("'", i + 1);
      if (end < 0 || rest.slice(i + 1, end).includes("\n")) return null;
      out.push(rest.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let s = "";
      for (i++; rest[i] !== '"'; i++) {
        if (i >= rest.length || rest[i] === "\n") return null;
        if (rest[i] !== "\\") {
          s += rest[i];
          continue;
        }
        const e = rest[++i]!;
        if (e in ESCAPES) s += ESCAPES[e];
        else if (e === "u" || e === "U") {
          const n = e === "u" ? 4 : 8;
          const hex = rest.slice(i + 1, i + 1 + n);
          const code = parseInt(hex, 16);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n || code > 0x10ffff) return null;
          s += String.fromCodePoint(code);
          i += n;
        } else return null;
      }
      out.push(s);
      i++;
    } else return null;
  }
}
