/**
 * Writing a port all or nothing: every new file is first staged next to its target, and only when all are
 * staged are they renamed into place. If anything fails, the targets renamed so far are restored from
 * their backups and the staged files removed, so the user's files are as they were.
 */
import fs from "node:fs";
import path from "node:path";

export interface FileChange {
  file: string;
  content: string | Uint8Array;
}

/** The file-system calls apply makes; tests swap one for a failing one to check the rollback. */
export interface ApplyFs {
  writeFile(file: string, content: string | Uint8Array, mode?: number): void;
  rename(from: string, to: string): void;
  unlink(file: string): void;
  mkdir(dir: string): void;
  rmdir(dir: string): void;
  exists(file: string): boolean;
  mode(file: string): number | undefined;
}

export const nodeApplyFs: ApplyFs = {
  writeFile: (file, content, mode) => fs.writeFileSync(file, content, mode === undefined ? {} : { mode }),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (file) => fs.unlinkSync(file),
  mkdir: (dir) => fs.mkdirSync(dir),
  rmdir: (dir) => fs.rmdirSync(dir),
  exists: (file) => fs.existsSync(file),
  mode: (file) => (fs.existsSync(file) ? fs.statSync(file).mode & 0o777 : undefined),
};

export function applyChanges(changes: readonly FileChange[], ops: ApplyFs = nodeApplyFs): void {
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const createdDirs: string[] = [];
  const staged: { file: string; tmp: string; backup?: string; committed: boolean }[] = [];
  const cleanUp = () => {
    for (const s of staged) if (!s.committed && ops.exists(s.tmp)) ops.unlink(s.tmp);
    for (const dir of createdDirs.reverse()) {
      try {
        ops.rmdir(dir);
      } catch {
        // Not empty: something else was put there meanwhile; leave it.
      }
    }
  };
  try {
    for (const change of changes) {
      makeDirs(path.dirname(change.file), ops, createdDirs);
      const tmp = `${change.file}.quartet-${id}.tmp`;
      staged.push({ file: change.file, tmp, committed: false });
      ops.writeFile(tmp, change.content, ops.mode(change.file));
    }
  } catch (e) {
    cleanUp();
    throw e;
  }
  try {
    for (const s of staged) {
      if (ops.exists(s.file)) {
        s.backup = `${s.file}.quartet-${id}.bak`;
        ops.rename(s.file, s.backup);
      }
      ops.rename(s.tmp, s.file);
      s.committed = true;
    }
  } catch (e) {
    for (const s of [...staged].reverse()) {
      if (s.committed && ops.exists(s.file)) ops.unlink(s.file);
      if (s.backup && ops.exists(s.backup)) ops.rename(s.backup, s.file);
      s.committed = false;
    }
    cleanUp();
    throw e;
  }
  for (const s of staged) if (s.backup && ops.exists(s.backup)) ops.unlink(s.backup);
}

function makeDirs(dir: string, ops: ApplyFs, created: string[]): void {
  if (ops.exists(dir)) return;
  makeDirs(path.dirname(dir), ops, created);
  ops.mkdir(dir);
  created.push(dir);
}
