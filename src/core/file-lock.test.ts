import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { errorMessage } from "./errors.js";
import { acquireLock, acquireLockSync, tryLock } from "./file-lock.js";
import { waitingLine } from "./progress.js";

/** A process that takes the lock, says so on stdout, and holds it until it is killed. */
function holder(file: string) {
  const script = `
    const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve("better-sqlite3"))});
    const db = new Database(process.argv[1], { timeout: 0 });
    db.exec("BEGIN IMMEDIATE");
    process.stdout.write("held\\n");
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", script, file], { stdio: ["ignore", "pipe", "inherit"] });
  const held = new Promise<void>((resolve) => child.stdout.on("data", () => resolve()));
  return { child, held };
}

describe("file lock", () => {
  it("is held by one connection at a time, in this process too, and is private", () => {
    const file = path.join(tempDir(), "sub", "x.lock");
    const a = tryLock(file)!;
    expect(a).not.toBeNull();
    expect(tryLock(file)).toBeNull();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    a.release();
    a.release();
    const b = tryLock(file);
    expect(b).not.toBeNull();
    b!.release();
  });

  it("works on an empty lock file, and names a lock file it cannot use instead of failing with a stack trace", () => {
    const dir = tempDir();
    const empty = path.join(dir, "empty.lock");
    fs.writeFileSync(empty, "");
    tryLock(empty)!.release();
    const garbage = path.join(dir, "garbage.lock");
    fs.writeFileSync(garbage, "not a lock: something else wrote here\n".repeat(200));
    expect(() => tryLock(garbage)).toThrow("cannot use it as a lock file (SQLITE_NOTADB); remove it if no quartet process is running");
    let thrown: unknown;
    try {
      tryLock(garbage);
    } catch (e) {
      thrown = e;
    }
    // Printed with the file in front, once.
    expect(errorMessage(thrown)).toBe(
      `${garbage}: cannot use it as a lock file (SQLITE_NOTADB); remove it if no quartet process is running`,
    );
  });

  it("is free the moment its holder is killed", async () => {
    const file = path.join(tempDir(), "x.lock");
    const h = holder(file);
    await h.held;
    expect(tryLock(file)).toBeNull();
    expect(() => acquireLockSync(file, { timeoutMs: 100 })).toThrow(/another quartet process has held/);
    h.child.kill("SIGKILL");
    const lock = await acquireLock(file, { timeoutMs: 10_000 });
    lock.release();
  });

  it("waits for the holder, saying so on a terminal, and clears the line when it gets the lock", async () => {
    const file = path.join(tempDir(), "x.lock");
    const first = tryLock(file)!;
    const stream = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream;
    let written = "";
    (stream as unknown as PassThrough).on("data", (c) => (written += c));
    const line = waitingLine({ stream });
    const waiting = acquireLock(file, { onWait: line.update });
    await expect.poll(() => written, { timeout: 5000 }).toContain("Waiting for another quartet process to finish reading logs");
    first.release();
    (await waiting).release();
    line.stop();
    expect(written.endsWith("\r\x1b[2K")).toBe(true);
  });
});
