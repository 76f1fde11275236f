import { spawn } from "node:child_process";
import path from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { FIXTURES, tempDir } from "../../test/helpers.js";

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
