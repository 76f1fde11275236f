/**
 * A private PostgreSQL cluster for tests: initdb + pg_ctl in a temp folder, listening on 127.0.0.1 (a free
 * port) and on a unix socket inside that folder; never the machine's own cluster.
 *
 * `usePgCluster()` starts one cluster per test file (beforeAll) and removes it afterwards (afterAll);
 * `createDatabase()` gives each test an empty database of its own. initdb takes seconds, so it runs once per
 * PostgreSQL version and user: the initialized folder is kept in the system temp folder as a template and
 * copied for each cluster. PostgreSQL refuses to run as root, so under root every server command runs as
 * `nobody`, in folders owned by it.
 *
 * Password auth is on for TCP (scram-sha-256, a random password per cluster); the unix socket trusts its
 * local user, which is how the harness itself sets the password. Clients get the password from the
 * environment (`env.PGPASSWORD`), as `quartet sync` does in real use.
 */
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "../src/core/free-port.js";

const run = promisify(execFile);

/** The PostgreSQL programs: the newest /usr/lib/postgresql/<version>/bin, else PATH. */
function pgBin(name: string): string {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, "bin", name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] ? path.join(root, versions[0], "bin", name) : name;
}

const asRoot = process.getuid?.() === 0;
const SERVER_USER = "nobody";

/** Runs a server program, as `nobody` when the tests run as root. */
async function server(program: string, args: readonly string[]): Promise<string> {
  const [cmd, argv] = asRoot ? ["runuser", ["-u", SERVER_USER, "--", pgBin(program), ...args]] : [pgBin(program), [...args]];
  try {
    const { stdout } = await run(cmd, argv, { cwd: os.tmpdir() });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${program} ${args.join(" ")} failed: ${err.stderr || err.stdout || err.message}`);
  }
}

async function chownToServer(dir: string): Promise<void> {
  if (asRoot) await run("chown", ["-R", `${SERVER_USER}:`, dir]);
}

/** An initialized data folder for this PostgreSQL version, made once and kept for later test runs. */
async function templateDir(): Promise<string> {
  const out = (await run(pgBin("initdb"), ["--version"])).stdout;
  const version = /\d+(\.\d+)*/.exec(out)?.[0] ?? "unknown";
  const template = path.join(os.tmpdir(), `quartet-pg-template-${version}-${process.getuid?.() ?? 0}`);
  if (fs.existsSync(path.join(template, "PG_VERSION"))) return template;
  const parent = fs.mkdtempSync(`${template}.tmp-`);
  fs.chmodSync(parent, 0o755);
  const data = path.join(parent, "data");
  await chownToServer(parent);
  await server("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "-E",
    "UTF8",
    "--no-locale",
    "--no-sync",
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
  ]);
  try {
    // Atomic: another test file initializing at the same time either wins this rename or loses it.
    fs.renameSync(data, template);
  } catch (e) {
    if (!["ENOTEMPTY", "EEXIST"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
  }
  fs.rmSync(parent, { recursive: true, force: true });
  return template;
}

export interface PgCluster {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The folder holding the unix socket. */
  readonly socketDir: string;
  /** A connection URL without the password (clients read it from PGPASSWORD). */
  url(database: string): string;
  /** The environment a client process needs besides the URL: the password. */
  readonly env: { PGPASSWORD: string };
  /** A new empty database; its URL. */
  createDatabase(): Promise<{ name: string; url: string }>;
  /** A connected client on a database (over TCP, with the password). The caller ends it. */
  connect(database: string): Promise<pg.Client>;
  /** Stops the server; `immediate` is a crash (no checkpoint), as a power cut or a kill would be. */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

/** Starts a private cluster; `remove` stops it and deletes its folder. */
export async function startPgCluster(): Promise<PgCluster & { remove(): Promise<void> }> {
  const template = await templateDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quartet-pg-"));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, "data");
  const socketDir = path.join(dir, "socket");
  await run("cp", ["-a", template, data]);
  fs.mkdirSync(socketDir);
  await chownToServer(dir);
  const port = await freePort();
  const password = crypto.randomBytes(18).toString("base64url");
  const options = [
    `-p ${port}`,
    `-k ${socketDir}`,
    "-c listen_addresses=127.0.0.1",
    // Test data needs no durability against an OS crash; a server crash (stop -m immediate) still recovers.
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=60",
    "-c shared_buffers=32MB",
  ].join(" ");
  const start = () =>
    server("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "-o", options, "start"]).then(() => {});
  const stop = (mode: "fast" | "immediate" = "fast") => server("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]).then(() => {});
  try {
    await start();
    const admin = new pg.Client({ host: socketDir, port, user: "postgres", database: "postgres" });
    await admin.connect();
    try {
      await admin.query(`ALTER ROLE postgres PASSWORD '${password}'`);
    } finally {
      await admin.end();
    }
  } catch (e) {
    // A cluster that never came up leaves no folder behind; the server log says why it failed.
    const logFile = path.join(dir, "server.log");
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").slice(-2000) : "";
    // It may be half up (started, then the password failed) or not up at all, when stopping fails too.
    await stop("immediate").catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`the test PostgreSQL cluster did not start: ${(e as Error).message}\n${log}`);
  }
  let databases = 0;
  const cluster = {
    host: "127.0.0.1",
    port,
    user: "postgres",
    password,
    socketDir,
    env: { PGPASSWORD: password },
    url: (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase() {
      const name = `t${++databases}_${crypto.randomBytes(3).toString("hex")}`;
      const c = new pg.Client({ host: socketDir, port, user: "postgres", database: "postgres" });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return { name, url: cluster.url(name) };
    },
    async connect(database: string) {
      const c = new pg.Client({ host: "127.0.0.1", port, user: "postgres", password, database });
      await c.connect();
      return c;
    },
    stop,
    start,
    async remove() {
      await stop("immediate").catch((e: Error) => {
        // Already stopped (a test stopped it); anything else is worth seeing.
        if (!/not running|No such file|does not exist/i.test(e.message)) throw e;
      });
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
  return cluster;
}

/** One cluster for the test file: started in beforeAll, removed in afterAll. Call at the file's top level. */
export function usePgCluster(): () => PgCluster {
  let cluster: Awaited<ReturnType<typeof startPgCluster>> | undefined;
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 120_000);
  afterAll(async () => {
    await cluster?.remove();
  }, 60_000);
  return () => {
    if (!cluster) throw new Error("the PostgreSQL cluster is not running (usePgCluster starts it in beforeAll)");
    return cluster;
  };
}
