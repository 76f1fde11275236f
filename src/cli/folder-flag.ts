/** Flags that name a folder to read (`--home`, `--dir`): a mistyped one would otherwise read as an empty folder. */
import fs from "node:fs";
import { UsageError } from "../core/errors.js";
import { terminalSafe } from "../core/output.js";

export function requireFolderFlag(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  let folder = false;
  try {
    folder = fs.statSync(value, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    // ENOTDIR (a file on the way), EACCES: not a folder this user can read either.
  }
  if (!folder) throw new UsageError(`${flag} ${terminalSafe(value)} is not a folder`);
}
