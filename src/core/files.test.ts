/**
 * privateDir: quartet's own folders are 0700, and a shared folder it is pointed at is never narrowed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { privateDir } from "./files.js";

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function scratch(mode: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quartet-files-"));
  made.push(dir);
  fs.chmodSync(dir, mode);
  return dir;
}

describe("privateDir", () => {
  it("names a file in the way of a folder, in words", () => {
    const root = scratch(0o700);
    const file = path.join(root, "data");
    fs.writeFileSync(file, "x");
    expect(() => privateDir(file)).toThrow(`cannot use ${file} as a folder: it is a file`);
    expect(() => privateDir(path.join(file, "homes"))).toThrow(
      `cannot use ${path.join(file, "homes")} as a folder: part of that path is a file`,
    );
    expect(fs.readFileSync(file, "utf8")).toBe("x");
  });

  it("creates missing folders 0700 and narrows an existing folder of quartet's", () => {
    const root = scratch(0o755);
    const nested = privateDir(path.join(root, "a", "b"));
    expect(fs.statSync(nested).mode & 0o7777).toBe(0o700);
    privateDir(root);
    expect(fs.statSync(root).mode & 0o7777).toBe(0o700);
  });

  it("leaves a sticky shared folder (like /tmp) as it is", () => {
    const shared = scratch(0o1777);
    privateDir(shared);
    expect(fs.statSync(shared).mode & 0o7777).toBe(0o1777);
    privateDir(os.tmpdir());
    expect(fs.statSync(os.tmpdir()).mode & 0o1000).toBe(0o1000);
  });
});
