/**
 * The password for a PostgreSQL connection, as libpq finds one: PGPASSWORD, else the first matching line
 * of the password file (PGPASSFILE, else ~/.pgpass) — `host:port:database:user:password`, `*` matching
 * anything, `\:` and `\\` escaping. Like libpq, a password file others can read is ignored.
 *
 * node-postgres can read ~/.pgpass itself, but that path is deprecated (it prints a warning and goes away
 * in pg 9), so quartet hands it this lookup instead.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** The password file's path, and whether it may be used (owner-only permissions, as libpq requires). */
export function passwordFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGPASSFILE || path.join(env.HOME || os.homedir(), ".pgpass");
}

export function lookupPassword(target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PGPASSWORD) return env.PGPASSWORD;
  const file = passwordFile(env);
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || (stat.mode & 0o077) !== 0) return undefined;
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  // A unix socket folder is "localhost" in the password file, as libpq has it.
  const host = target.host.startsWith("/") ? "localhost" : target.host;
  const wanted = [host, String(target.port), target.database, target.user];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const fields = splitFields(line);
    if (fields.length < 5) continue;
    if (wanted.every((value, i) => fields[i] === "*" || fields[i] === value)) return fields.slice(4).join(":");
  }
  return undefined;
}

/** The fields of a line, split at unescaped colons, escapes removed. */
function splitFields(line: string): string[] {
  const fields: string[] = [];
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && i + 1 < line.length) current += line[++i];
    else if (c === ":") {
      fields.push(current);
      current = "";
    } else current += c;
  }
  fields.push(current);
  return fields;
}
