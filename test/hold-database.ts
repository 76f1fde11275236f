/** Another process holding a SQLite database's write lock, as a long first ingest (or one stopped with Ctrl-Z) does. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { expect } from "vitest";

const require = createRequire(import.meta.url);

/** Holds `file` for writing for `ms` (until killed, by default); resolves once the lock is taken. */
export async function holdDatabase(file: string, ms = 1e9): Promise<ChildProcess> {
  const code = `const D = require(${JSON.stringify(require.resolve("better-sqlite3"))}); const db = new D(${JSON.stringify(file)});
    db.exec("BEGIN IMMEDIATE"); console.log("holding"); setTimeout(() => { db.exec("COMMIT"); db.close(); }, ${ms});`;
  const holder = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  const [data] = (await once(holder.stdout!, "data")) as [Buffer];
  expect(data.toString()).toContain("holding");
  return holder;
}
