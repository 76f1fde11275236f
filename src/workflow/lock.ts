/**
 * The port lock: for every file or JSON key quartet wrote, a hash of what it wrote and of the source asset
 * it came from. It tells an update (the target is still what quartet wrote, so replacing it loses nothing)
 * from a conflict (someone changed the target since), and which side changed since the last port.
 *
 * Project scope: `.quartet/port-lock.json` in the project, meant to be committed with the ported files.
 * User scope: `port/user-lock.json` in quartet's data dir, keyed by home folder.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { InputError } from "../core/errors.js";
import { readJsoncFile } from "../core/jsonc-file.js";
import { WorkflowRuntime, type Scope } from "../contract/workflow/ir.js";
import { sha } from "../contract/workflow/outputs.js";

export const LockEntry = z
  .object({
    /** Hash of what quartet wrote there. */
    sha: z.string(),
    /** The runtime the asset was ported from. */
    from: WorkflowRuntime,
    /** The runtime it was ported to (absent in locks written before ports were N-way). */
    to: WorkflowRuntime.optional(),
    /** `agents/reviewer`, `mcp/github`, `permissions`. */
    asset: z.string(),
    /** Hash of the source asset at the time. */
    sourceSha: z.string(),
    at: z.string(),
  })
  .strict();
export type LockEntry = z.infer<typeof LockEntry>;

export const PortLock = z.object({ version: z.literal(1), entries: z.record(z.string(), LockEntry) }).strict();
export type PortLock = z.infer<typeof PortLock>;

const UserLocks = z.object({ version: z.literal(1), homes: z.record(z.string(), PortLock) }).strict();

export interface LockLocation {
  file: string;
  /** For the user-scope file: which home's lock inside it. */
  home?: string;
}

export function lockLocation(o: { scope: Scope; root: string; dataDir: string }): LockLocation {
  return o.scope === "project"
    ? { file: path.join(o.root, ".quartet", "port-lock.json") }
    : { file: path.join(o.dataDir, "port", "user-lock.json"), home: o.root };
}

/** Lock entries are keyed by target relative to the root, so a moved or cloned project keeps its lock. */
export function lockKey(root: string, target: string): string {
  return path.relative(root, target).split(path.sep).join("/");
}

export function readLock(at: LockLocation): PortLock {
  if (!fs.existsSync(at.file)) return { version: 1, entries: {} };
  const value = readJsoncFile(at.file);
  if (at.home === undefined) return parse(PortLock, value, at.file);
  return parse(UserLocks, value, at.file).homes[at.home] ?? { version: 1, entries: {} };
}

/** The lock file's new text with `lock` in place (for the user-scope file, next to other homes' locks). */
export function lockText(at: LockLocation, lock: PortLock): string {
  if (at.home === undefined) return `${JSON.stringify(lock, null, 2)}\n`;
  const all = fs.existsSync(at.file) ? parse(UserLocks, readJsoncFile(at.file), at.file) : { version: 1 as const, homes: {} };
  return `${JSON.stringify({ ...all, homes: { ...all.homes, [at.home]: lock } }, null, 2)}\n`;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError({
      message: `invalid port lock at ${issue.path.join(".") || "top level"}: ${issue.message}`,
      file,
      field: issue.path.join("."),
    });
  }
  return parsed.data;
}

/**
 * Whether quartet owns a whole file: it wrote it (the lock says so) and nobody changed it since. A file
 * that exists otherwise is the user's, and a port must work around it, never replace it.
 */
export function ownsFile(lock: PortLock, root: string): (file: string) => boolean {
  return (file) => {
    const entry = lock.entries[lockKey(root, file)];
    if (!entry || !fs.existsSync(file)) return false;
    return sha(fs.readFileSync(file)) === entry.sha;
  };
}
