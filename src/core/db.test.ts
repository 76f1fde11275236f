import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { FIXTURES, tempDir } from "../../test/helpers.js";
import { isBusy, openDatabase, withBusyTimeout } from "./db.js";

const require = createRequire(import.meta.url);

test("several processes migrating a new database at once all succeed, and each migration runs once", async () => {
  const file = path.join(tempDir(), "quartet.db");
  const script = path.join(FIXTURES, "scripts", "migrate-once.ts");
  const at = String(Date.now() + 3000);
  const runs = Array.from({ length: 6 }, () => {
    const child = spawn(process.execPath, ["--import", "tsx", script, file, at], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stderr })));
  });
  for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0);
  const db = new Database(file, { readonly: true });
  expect(db.prepare("SELECT version FROM schema_version WHERE namespace = 'probe'").get()).toEqual({ version: 2 });
  db.close();
}, 60_000);

test("a new database reaches WAL mode while another process is writing it (SQLite does not wait for that switch itself)", async () => {
  const file = path.join(tempDir(), "quartet.db");
  const setup = new Database(file);
  setup.exec("CREATE TABLE t (x)");
  setup.close();
  // Another process is writing it (a first ingest): the switch to WAL needs the database to itself.
  const holder = spawn(
    process.execPath,
    [
      "-e",
      `const db = new (require(${JSON.stringify(require.resolve("better-sqlite3"))}))(process.argv[1]);
       db.exec("BEGIN IMMEDIATE"); db.prepare("INSERT INTO t VALUES (1)").run(); console.log("held");
       process.stdin.once("data", () => setTimeout(() => { db.exec("COMMIT"); db.close(); process.exit(0); }, 300));`,
      file,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve) => holder.stdout.on("data", (c: Buffer) => c.toString().includes("held") && resolve()));
  // The holder lets go 300 ms after this, so the switch is tried while it still writes, whatever the load.
  const started = Date.now();
  holder.stdin.write("go\n");
  const db = openDatabase(file);
  expect(Date.now() - started, "openDatabase waited for the writer").toBeGreaterThanOrEqual(250);
  expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  db.close();
  await new Promise((resolve) => holder.on("close", resolve));
});

test("an in-memory database opens in memory journal mode (it has no journal to switch to WAL)", () => {
  const db = openDatabase(":memory:");
  expect(db.pragma("journal_mode", { simple: true })).toBe("memory");
  db.exec("CREATE TABLE t (x)");
  db.close();
});

test("the write-ahead log is checkpointed at about 4 MB, whatever the database's page size", () => {
  const fresh = openDatabase(path.join(tempDir(), "quartet.db"));
  expect([fresh.pragma("page_size", { simple: true }), fresh.pragma("wal_autocheckpoint", { simple: true })]).toEqual([16_384, 256]);
  fresh.close();
  // A ledger made before 16 KiB pages keeps its 4 KiB ones.
  const file = path.join(tempDir(), "old.db");
  const old = new Database(file);
  old.pragma("page_size = 4096");
  old.pragma("journal_mode = WAL");
  old.exec("CREATE TABLE t (x)");
  old.close();
  const reopened = openDatabase(file);
  expect([reopened.pragma("page_size", { simple: true }), reopened.pragma("wal_autocheckpoint", { simple: true })]).toEqual([4096, 1024]);
  reopened.close();
});

test("a statement given a short wait fails as busy after it, and the connection's own wait comes back, also nested", () => {
  const file = path.join(tempDir(), "quartet.db");
  const holder = openDatabase(file);
  holder.exec("CREATE TABLE t (x); BEGIN IMMEDIATE");
  const waiter = openDatabase(file);
  const wait = () => waiter.pragma("busy_timeout", { simple: true });
  const before = wait();
  let failure: unknown;
  withBusyTimeout(waiter, 200, () => {
    try {
      withBusyTimeout(waiter, 50, () => waiter.exec("INSERT INTO t VALUES (1)"));
    } catch (e) {
      failure = e;
    }
    expect(wait()).toBe(200);
  });
  expect(wait()).toBe(before);
  expect(isBusy(failure)).toBe(true);
  expect(isBusy(new Error("database is locked"))).toBe(false);
  holder.exec("ROLLBACK");
  holder.close();
  waiter.close();
});
