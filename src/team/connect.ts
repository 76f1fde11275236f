/**
 * Where the team ledger lives and who this machine pushes as: the `sync` section of the user's
 * `config.jsonc` (quartet's config folder), the server URL from `--to` first, and the connection itself.
 *
 *   "sync": {
 *     "url": "postgres://alice@db.example.com:5432/quartet",   // no password here: PGPASSWORD or ~/.pgpass
 *     "user": "alice",       // the name attached to this machine's records (default: the OS user name)
 *     "project": "name"      // what leaves the machine of a project's path: "name" (its last folder,
 *                            // the default), "hash" (a hash of that name) or "none"
 *   }
 *
 * Passwords never come from quartet's files or flags: a URL with one is refused (it would sit in shell
 * history and config files). The password comes from PGPASSWORD or ~/.pgpass (pgpass.ts), as with psql.
 * quartet writes no password anywhere, and the URLs it prints carry none.
 */
import os from "node:os";
import pg from "pg";
import { z } from "zod";
import { NamedError, UsageError } from "../core/errors.js";
import { readConfigSection, userConfigFile } from "../core/project-config.js";
import { lookupPassword, type ConnectionTarget } from "./pgpass.js";

export const PROJECT_MODES = ["name", "hash", "none"] as const;
export type ProjectMode = (typeof PROJECT_MODES)[number];

const PASSWORD_ADVICE =
  "put the password in the PGPASSWORD environment variable or in ~/.pgpass (mode 0600) instead: a password in a URL ends up in shell history and config files";

/** Why a URL is not a usable server address, or undefined when it is. */
export function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a URL (expected postgres://user@host:port/database)";
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:")
    return `must start with postgres:// or postgresql:// (got ${url.protocol}//)`;
  // node-postgres also reads a password from the query string (`?password=`).
  if (url.password !== "" || url.searchParams.has("password")) return `carries a password: ${PASSWORD_ADVICE}`;
  return undefined;
}

export const SyncConfig = z
  .object({
    url: z
      .string()
      .superRefine((text, ctx) => {
        const problem = urlProblem(text);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
    user: z.string().trim().min(1).max(200).optional(),
    project: z.enum(PROJECT_MODES).optional(),
  })
  .strict();
export type SyncConfig = z.infer<typeof SyncConfig>;

export interface SyncSettings {
  /** The server's URL (never with a password), or null when none is set. */
  url: string | null;
  /** Where the URL came from: "--to" or the config file. */
  urlOrigin: string | null;
  user: string;
  project: ProjectMode;
  configFile: string;
}

/** The OS user's name: the default name attached to records. */
function osUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers).
    return process.env.USER || process.env.LOGNAME || `uid-${process.getuid?.() ?? "unknown"}`;
  }
}

export function syncSettings(o: { configDir: string; to?: string }): SyncSettings {
  const configFile = userConfigFile(o.configDir);
  const config = readConfigSection(configFile, "sync", SyncConfig) ?? {};
  if (o.to !== undefined) {
    const problem = urlProblem(o.to);
    // The flag's value is not repeated: it may hold the password.
    if (problem) throw new UsageError(`--to ${problem}`);
  }
  const url = o.to ?? config.url ?? null;
  return {
    url,
    urlOrigin: o.to !== undefined ? "--to" : config.url !== undefined ? configFile : null,
    user: config.user ?? osUserName(),
    project: config.project ?? "name",
    configFile,
  };
}

/** The URL as it may be shown: without a password (the URL never has one here, but one never prints either). */
export function shownUrl(text: string): string {
  try {
    const url = new URL(text);
    url.password = "";
    url.searchParams.delete("password");
    return url.toString();
  } catch {
    return "(not a URL)";
  }
}

export const ServerError = NamedError.create<"ServerError", { message: string }>("ServerError");

/** A connected client; a failure says which server (without a password) and what to try. */
export async function connectServer(url: string, o: { timeoutMs?: number } = {}): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: "quartet sync",
    connectionTimeoutMillis: o.timeoutMs ?? 15_000,
  });
  // The password is asked for only when the server wants one (the URL never carries it: see urlProblem).
  // node-postgres calls this with the connection's parameters and takes undefined as "none". It is set
  // after construction because a connectionString's empty password would override a `password` option.
  (client as unknown as { password: (target: ConnectionTarget) => string | undefined }).password = (target) => lookupPassword(target);
  // A connection that drops later reports through the query that was running; without a listener an
  // 'error' event would end the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (e) {
    // Frees the socket; the connect error is the one that says what went wrong, so end()'s own is dropped.
    await client.end().catch(() => undefined);
    throw serverError(url, e);
  }
  return client;
}

/** An error talking to the server, as a message naming the server and, where it helps, what to do. */
export function serverError(url: string, e: unknown): NamedError {
  if (e instanceof NamedError) return e;
  const err = e as { message?: string; code?: string };
  const message = err.message ?? String(e);
  const hint =
    err.code === "28P01" || /password/i.test(message)
      ? ` (the password comes from PGPASSWORD or ~/.pgpass)`
      : err.code === "ECONNREFUSED" || err.code === "ENOTFOUND" || err.code === "ETIMEDOUT"
        ? " (is the server running and reachable?)"
        : "";
  return new ServerError({ message: `${shownUrl(url)}: ${message}${hint}` }, { cause: e });
}
