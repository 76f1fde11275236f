/**
 * File-system helpers shared by the log readers: a recursive walk that reports unreadable folders
 * instead of failing, and atomic writes (temp file + rename) for everything quartet writes.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Warning } from "./errors.js";

export interface WalkOptions {
  /** Keep a file when this returns true (called with the file name and its path). */
  match(name: string, file: string): boolean;
  warnings: Warning[];
  /** Folder names not to descend into. */
  skipDirs?: ReadonlySet<string>;
}

/** All matching files under `root`, sorted for a stable order. Symlinked folders are not followed. */
export function walkFiles(root: string, options: WalkOptions): string[] {
  const out: string[] = [];
  const stack = [path.normalize(root)];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== "ENOENT") {
        options.warnings.push({ code: "unreadable-folder", message: `cannot read folder: ${err.code ?? err.message}`, file: dir });
      }
      continue;
    }
    for (const entry of entries) {
      // `dir` is already normal and an entry name has no separator: plain concatenation, cheaper than path.join
      // over the thousands of transcripts every report lists.
      const file = dir.endsWith(path.sep) ? dir + entry.name : dir + path.sep + entry.name;
      if (entry.isDirectory()) {
        if (!options.skipDirs?.has(entry.name)) stack.push(file);
      } else if (options.match(entry.name, file)) {
        if (entry.isFile() || entry.isSymbolicLink()) out.push(file);
        // Opening a FIFO blocks until something writes to it, and a device may never end: never read them.
        else options.warnings.push({ code: "not-a-file", message: `not a regular file (${specialKind(entry)}): not read`, file });
      }
    }
  }
  return out.sort();
}

/** What kind of special file an entry (or a stat) is, in words. */
export function specialKind(e: fs.Dirent | fs.Stats): string {
  if (e.isFIFO()) return "a FIFO";
  if (e.isSocket()) return "a socket";
  if (e.isCharacterDevice() || e.isBlockDevice()) return "a device";
  if (e.isDirectory()) return "a folder";
  return "not a file";
}

/**
 * Opens a file for reading only if it is a regular file. O_NONBLOCK keeps the open itself from hanging on a
 * FIFO that replaced the file since it was listed; the check after it then refuses the FIFO.
 */
export function openRegularFile(file: string): number {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    throw new Error(`not a regular file (${specialKind(stat)})`);
  }
  return fd;
}

/**
 * Creates a folder only the user can enter (0700), parents included, for what quartet keeps of its own:
 * its database, session folders, lab runs. An existing folder is made private too, unless it is shared (a
 * sticky folder such as /tmp, the home folder): pointing QUARTET_HOME at /tmp must not lock everyone else out.
 */
export function privateDir(dir: string): string {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "ENOTDIR") throw e;
    // Said in words, not as mkdir's EEXIST: most often QUARTET_HOME names a file.
    const named = process.env.QUARTET_HOME && path.resolve(process.env.QUARTET_HOME) === path.resolve(dir) ? " (QUARTET_HOME)" : "";
    throw new Error(`cannot use ${dir}${named} as a folder: ${code === "EEXIST" ? "it is a file" : "part of that path is a file"}`);
  }
  const stat = fs.statSync(dir);
  // A shared folder (a sticky one such as /tmp, the home folder, the root) is never narrowed: other users and
  // programs depend on it. Only a folder quartet uses for itself is.
  const shared = (stat.mode & 0o1000) !== 0 || SHARED_DIRS.has(path.resolve(dir));
  if (!shared && (stat.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  return dir;
}

const SHARED_DIRS = new Set([path.parse(process.cwd()).root, os.homedir(), os.tmpdir()].map((d) => path.resolve(d)));

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Bytes a folder takes on disk (allocated blocks, as `du` counts them), everything under it included.
 * Symbolic links are counted as links, never followed: only what removing the folder would free.
 */
export function diskUsage(dir: string): number {
  let bytes = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch {
      continue; // removed while being counted
    }
    bytes += stat.blocks * 512;
    if (!stat.isDirectory()) continue;
    try {
      for (const name of fs.readdirSync(current)) stack.push(path.join(current, name));
    } catch {
      // An unreadable folder counts for its own blocks only.
    }
  }
  return bytes;
}

/**
 * Writes a file atomically: a reader sees the old content or the new, never half of it. `private` makes it
 * readable by the user alone (0600) from its first byte, for what quartet writes of its own (reports hold
 * project paths, session names and prompts); files written into a user's project keep the usual mode.
 * `onlyNew` fails with EEXIST, replacing nothing, when anything is at `file` by the time it is written
 * (a hard link of the finished file, which unlike a rename never replaces).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, o: { private?: boolean; onlyNew?: boolean } = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // A name nobody can guess, created new ("wx"): in a shared folder another user could otherwise place a link
  // there and have this write go through it.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`);
  try {
    fs.writeFileSync(tmp, data, { flag: "wx", ...(o.private ? { mode: 0o600 } : {}) });
    if (o.onlyNew) linkOrCopyNew(tmp, file);
    else fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function linkOrCopyNew(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A file system without hard links (some network and FUSE mounts): an exclusive copy still replaces nothing.
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw e;
    try {
      fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
    } catch (copyError) {
      // Half a copy (a full disk) is not left behind; a file that was there already is not ours to remove.
      if ((copyError as NodeJS.ErrnoException).code !== "EEXIST") fs.rmSync(to, { force: true });
      throw copyError;
    }
  }
}
