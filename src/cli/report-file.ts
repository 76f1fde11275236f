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
import { UsageError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import { isQuartetPage } from "../core/report-page.js";
import { terminalSafe } from "../core/output.js";

/**
 * Throws a UsageError, before a long command starts, when writing the report would replace something the
 * user has (a file that is not one of quartet's pages, a folder, a link) or its folder does not exist.
 * Returns whether a page of quartet's is there to be replaced.
 */
export function checkReportTarget(file: string): boolean {
  const target = path.resolve(file);
  const shown = terminalSafe(target);
  const folder = path.dirname(target);
  let folderStat: fs.Stats;
  try {
    folderStat = fs.statSync(folder);
  } catch {
    throw new UsageError(`cannot write the report to ${shown}: the folder ${terminalSafe(folder)} does not exist; create it first`);
  }
  if (!folderStat.isDirectory()) throw new UsageError(`cannot write the report to ${shown}: ${terminalSafe(folder)} is not a folder`);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return false; // nothing there: the common case
  }
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
    throw new UsageError(`refusing to replace ${terminalSafe(target)}: it appeared while the report was written; nothing was replaced`);
  }
  process.stderr.write(`wrote ${terminalSafe(target)} (${fmtBytes(Buffer.byteLength(content))})\n`);
}
