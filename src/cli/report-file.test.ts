/**
 * `--html FILE` never turns a file the user has into a report: it replaces only a page quartet wrote, refuses
 * anything else (naming it) before the command's work starts, and never creates folders.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import { REPORT_GENERATOR_META } from "../core/report-page.js";
import { checkReportTarget, writeReportFile } from "./report-file.js";

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quartet-report-file-"));
  made.push(dir);
  return dir;
}

const PAGE = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">${REPORT_GENERATOR_META}<title>quartet usage report</title>`;
const quiet = () => vi.spyOn(process.stderr, "write").mockImplementation(() => true);

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("checkReportTarget and writeReportFile", () => {
  it("writes a new page, private, and says where on stderr", () => {
    const file = path.join(scratch(), "usage.html");
    const said = quiet();
    writeReportFile(file, PAGE);
    expect(fs.readFileSync(file, "utf8")).toBe(PAGE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(said).toHaveBeenCalledWith(`wrote ${file} (${Buffer.byteLength(PAGE)} B)\n`);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["usage.html"]);
  });

  it("replaces a page quartet wrote, of this version or of one before the generator mark", () => {
    const dir = scratch();
    quiet();
    const now = path.join(dir, "now.html");
    fs.writeFileSync(now, PAGE + "old");
    writeReportFile(now, PAGE + "new");
    expect(fs.readFileSync(now, "utf8")).toBe(PAGE + "new");
    const earlier = path.join(dir, "earlier.html");
    fs.writeFileSync(earlier, `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>quartet lab: explore</title>`);
    writeReportFile(earlier, PAGE);
    expect(fs.readFileSync(earlier, "utf8")).toBe(PAGE);
    const earlierUsage = path.join(dir, "earlier-usage.html");
    fs.writeFileSync(
      earlierUsage,
      `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\n<title>quartet usage report</title>`,
    );
    writeReportFile(earlierUsage, PAGE);
    expect(fs.readFileSync(earlierUsage, "utf8")).toBe(PAGE);
  });

  it("refuses a file the user has, whatever its name, and leaves it as it was", () => {
    const dir = scratch();
    for (const [name, content] of [
      ["README.md", "# my project\n"],
      ["index.html", "<!doctype html><title>my site</title>"],
      // quartet's mark in the body, not where quartet's pages begin with it: still the user's.
      ["notes.html", `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>notes</title><p>${REPORT_GENERATOR_META}</p>`],
    ]) {
      const file = path.join(dir, name!);
      fs.writeFileSync(file, content!);
      const message = refusal(() => writeReportFile(file, PAGE));
      expect(message).toBe(
        `refusing to replace ${file}: it is not a report quartet wrote; choose another --html file, or move it aside first`,
      );
      expect(fs.readFileSync(file, "utf8")).toBe(content);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(["README.md", "index.html", "notes.html"]);
  });

  it("refuses a folder, a symbolic link (even to one of its pages) and a FIFO, without opening the FIFO", () => {
    const dir = scratch();
    fs.mkdirSync(path.join(dir, "out.html"));
    expect(refusal(() => checkReportTarget(path.join(dir, "out.html")))).toMatch(/out\.html: it is a folder;/);
    const page = path.join(dir, "page.html");
    fs.writeFileSync(page, PAGE);
    fs.symlinkSync(page, path.join(dir, "link.html"));
    expect(refusal(() => checkReportTarget(path.join(dir, "link.html")))).toMatch(/link\.html: it is a symbolic link;/);
    expect(fs.readlinkSync(path.join(dir, "link.html"))).toBe(page);
    execFileSync("mkfifo", [path.join(dir, "pipe.html")]);
    // Opening a FIFO for reading with no writer would block this test forever.
    expect(refusal(() => checkReportTarget(path.join(dir, "pipe.html")))).toMatch(/pipe\.html: it is not a regular file;/);
  });

  it("creates no folder: a missing one, or a file where the folder should be, is named", () => {
    const dir = scratch();
    const missing = path.join(dir, "reports", "2026", "usage.html");
    expect(refusal(() => checkReportTarget(missing))).toBe(
      `cannot write the report to ${missing}: the folder ${path.dirname(missing)} does not exist; create it first`,
    );
    fs.writeFileSync(path.join(dir, "plain"), "x");
    expect(refusal(() => checkReportTarget(path.join(dir, "plain", "usage.html")))).toMatch(/plain is not a folder$/);
    expect(refusal(() => checkReportTarget(path.join(dir, "plain", "deeper", "usage.html")))).toMatch(
      /: part of .*plain\/deeper is a file, not a folder$/,
    );
    expect(fs.readdirSync(dir)).toEqual(["plain"]);
  });

  it("wants a file name: not a blank one, not one ending in a folder's slash", () => {
    expect(refusal(() => checkReportTarget(" "))).toBe("--html needs a file name");
    const dir = scratch();
    expect(refusal(() => checkReportTarget(path.join(dir, "reports") + "/"))).toMatch(/^--html needs a file name, not a folder: /);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("replaces nothing that appears between the last look and the write", () => {
    const dir = scratch();
    const file = path.join(dir, "usage.html");
    const link = fs.linkSync;
    // The user's file lands in the instant between writeReportFile's check and its write.
    vi.spyOn(fs, "linkSync").mockImplementation((from, to) => {
      fs.writeFileSync(to, "# theirs\n");
      link(from, to);
    });
    expect(refusal(() => writeReportFile(file, PAGE))).toBe(
      `refusing to replace ${file}: it appeared while the report was written; nothing was replaced`,
    );
    expect(fs.readFileSync(file, "utf8")).toBe("# theirs\n");
    expect(fs.readdirSync(dir)).toEqual(["usage.html"]);
  });

  it("replaces a page another quartet wrote at the same moment, as two reports to one file at once do", () => {
    const dir = scratch();
    quiet();
    const file = path.join(dir, "usage.html");
    const link = fs.linkSync;
    vi.spyOn(fs, "linkSync").mockImplementation((from, to) => {
      fs.writeFileSync(to, PAGE + "the other one's");
      link(from, to);
    });
    writeReportFile(file, PAGE + "this one's");
    expect(fs.readFileSync(file, "utf8")).toBe(PAGE + "this one's");
    expect(fs.readdirSync(dir)).toEqual(["usage.html"]);
  });

  it("on a file system without hard links, copies without replacing, and leaves no half copy", () => {
    const dir = scratch();
    quiet();
    vi.spyOn(fs, "linkSync").mockImplementation(() => {
      throw Object.assign(new Error("operation not permitted"), { code: "EPERM" });
    });
    const file = path.join(dir, "usage.html");
    writeReportFile(file, PAGE);
    expect(fs.readFileSync(file, "utf8")).toBe(PAGE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(["usage.html"]);
    // A copy that fails half-way (a full disk) is taken away, and the error is the copy's.
    const copy = fs.copyFileSync;
    vi.spyOn(fs, "copyFileSync").mockImplementation((from, to, mode) => {
      copy(from, to, mode);
      throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    });
    expect(() => writeReportFile(path.join(dir, "second.html"), PAGE)).toThrow("no space left on device");
    expect(fs.readdirSync(dir)).toEqual(["usage.html"]);
  });
});

describe("writeFileAtomic with onlyNew", () => {
  it("fails with EEXIST when anything is there by the time it writes, replacing nothing and leaving no temp file", () => {
    const dir = scratch();
    const file = path.join(dir, "a.html");
    writeFileAtomic(file, "first", { private: true, onlyNew: true });
    expect(fs.readFileSync(file, "utf8")).toBe("first");
    expect(() => writeFileAtomic(file, "second", { onlyNew: true })).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(fs.readFileSync(file, "utf8")).toBe("first");
    expect(fs.readdirSync(dir)).toEqual(["a.html"]);
  });
});
