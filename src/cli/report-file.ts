/**
 * Writing a report the user asked for (`--html FILE`): atomically, readable by the user alone (it names
 * projects, sessions and prompts), and said on stderr with its full path and size, so that stdout keeps
 * only the command's own output (the lab's table or JSON).
 *
 * The file named may be one the user has: a mistyped `--html README.md` must not turn their file into a
 * chart. So a report replaces only a page quartet wrote before (regenerating a report is the common case)
 * and refuses anything else, naming it, before any work is done.
 */
import fs from "node:fs";
import path from "node:path";
import { fmtBytes } from "../core/bytes.js";
import { errorMessage, UsageError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import { isQuartetPage } from "../core/report-page.js";
import { terminalSafe } from "../core/output.js";

/**
 * Throws a UsageError, before a long command starts, when writing the report would replace something the
 * user has (a file that is not one of quartet's pages, a folder, a link) or its folder does not exist.
 * Returns whether a page of quartet's is there to be replaced.
 */
export function checkReportTarget(file: string): boolean {
  if (!file.trim()) throw new UsageError("--html needs a file name");
  // `reports/` names a folder: written as a file, it would be a file named `reports`.
  if (/[/\\]$/.test(file)) throw new UsageError(`--html needs a file name, not a folder: ${terminalSafe(file)}`);
  const target = path.resolve(file);
  const shown = terminalSafe(target);
  const folder = path.dirname(target);
  const cannot = (why: string) => new UsageError(`cannot write the report to ${shown}: ${why}`);
  const look = (at: string, how: (at: string) => fs.Stats | undefined) => {
    try {
      return how(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR") throw cannot(`part of ${terminalSafe(at)} is a file, not a folder`);
      throw cannot(`cannot look at ${terminalSafe(at)} (${code ?? errorMessage(e)})`);
    }
  };
  const folderStat = look(folder, (at) => fs.statSync(at, { throwIfNoEntry: false }));
  if (!folderStat) throw cannot(`the folder ${terminalSafe(folder)} does not exist; create it first`);
  if (!folderStat.isDirectory()) throw cannot(`${terminalSafe(folder)} is not a folder`);
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    throw cannot(`you may not write to the folder ${terminalSafe(folder)}`);
  }
  const stat = look(target, (at) => fs.lstatSync(at, { throwIfNoEntry: false }));
  if (!stat) return false; // nothing there: the common case
  const refuse = (what: string) =>
    new UsageError(`refusing to replace ${shown}: ${what}; choose another --html file, or move it aside first`);
  if (stat.isDirectory()) throw refuse("it is a folder");
  if (stat.isSymbolicLink()) throw refuse("it is a symbolic link");
  if (!stat.isFile()) throw refuse("it is not a regular file");
  if (!isQuartetPage(target)) throw refuse("it is not a report quartet wrote");
  return true;
}

export function writeReportFile(file: string, content: string): void {
  const target = path.resolve(file);
  // Again at the end: the file may have appeared while the command ran (a lab run takes minutes). Where
  // nothing was, nothing is replaced even if a file appears in the instant before the write.
  const replacing = checkReportTarget(target);
  try {
    writeFileAtomic(target, content, { private: true, onlyNew: !replacing });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    // Another quartet writing the same report at the same moment (two terminals, a script): its page may go.
    const appeared = fs.lstatSync(target, { throwIfNoEntry: false });
    if (!appeared?.isFile() || !isQuartetPage(target))
      throw new UsageError(`refusing to replace ${terminalSafe(target)}: it appeared while the report was written; nothing was replaced`);
    writeFileAtomic(target, content, { private: true });
  }
  process.stderr.write(`wrote ${terminalSafe(target)} (${fmtBytes(Buffer.byteLength(content))})\n`);
}
