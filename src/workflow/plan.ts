/**
 * The port plan: for each output, what writing it would do to the target (create / update / unchanged /
 * conflict), and the files' texts before and after. Nothing is written here.
 *
 * An existing target that differs from what quartet would write is a conflict, unless the lock shows it is
 * still exactly what quartet wrote last time (then it is an update: nobody's edit is lost).
 */
import fs from "node:fs";
import { InputError } from "../core/errors.js";
import { parseJsoncTree } from "../core/jsonc-file.js";
import { lockKey, type PortLock } from "./lock.js";
import {
  canonicalJson,
  jsonValueAt,
  outputTarget,
  sectionContent,
  setJsonValue,
  setSection,
  sha,
  type Output,
} from "../contract/workflow/outputs.js";

export type Action = "create" | "update" | "unchanged" | "conflict";

export interface PlannedOutput {
  output: Output;
  action: Action;
  /** Hash of what the target will hold, for the lock. */
  sha: string;
}

export interface PlannedFile {
  file: string;
  /** null: the file does not exist yet. */
  before: string | Buffer | null;
  /** The content with every output applied; written only when there is no conflict, or with --force. */
  after: string | Buffer;
}

export interface Plan {
  outputs: PlannedOutput[];
  files: PlannedFile[];
}

export function planOutputs(o: { outputs: readonly Output[]; root: string; lock: PortLock }): Plan {
  const files = new Map<string, { before: string | Buffer | null; after: string | Buffer }>();
  const fileOf = (file: string, binary: boolean) => {
    let t = files.get(file);
    if (!t) {
      if (fs.existsSync(file) && !fs.statSync(file).isFile()) {
        throw new InputError({ message: "a port target is a folder, not a file", file });
      }
      const before = fs.existsSync(file) ? (binary ? fs.readFileSync(file) : fs.readFileSync(file, "utf8")) : null;
      t = { before, after: before ?? "" };
      files.set(file, t);
    }
    return t;
  };
  const planned: PlannedOutput[] = [];
  for (const output of o.outputs) {
    const t = fileOf(output.file, output.kind === "copy");
    const locked = o.lock.entries[lockKey(o.root, outputTarget(output))];
    let current: string | Buffer | undefined;
    let next: string | Buffer;
    if (output.kind === "file") {
      current = t.before ?? undefined;
      next = output.content;
    } else if (output.kind === "copy") {
      current = t.before ?? undefined;
      next = fs.readFileSync(output.from);
    } else if (output.kind === "section") {
      current = typeof t.before === "string" ? sectionContent(t.before, output.id) : undefined;
      next = output.content.endsWith("\n") ? output.content : `${output.content}\n`;
    } else if (output.kind === "edit") {
      const text = typeof t.before === "string" ? t.before : null;
      const value = text === null ? undefined : output.read(text);
      current = value === undefined ? undefined : canonicalJson(value);
      next = canonicalJson(output.value);
    } else {
      // Never edit a file that is not valid JSON: the edit could land anywhere.
      const text = typeof t.before === "string" ? t.before : null;
      if (text !== null && text.trim() !== "") parseJsoncTree(text, output.file);
      const value = text === null ? undefined : jsonValueAt(text, output.path);
      current = value === undefined ? undefined : canonicalJson(value);
      next = canonicalJson(output.value);
    }
    const same =
      current !== undefined &&
      (Buffer.isBuffer(current) || Buffer.isBuffer(next)
        ? Buffer.compare(Buffer.from(current), Buffer.from(next)) === 0
        : current === next);
    const action: Action =
      current === undefined
        ? "create"
        : same
          ? "unchanged"
          : locked?.sha === sha(current) || onlyAdds(output, typeof t.before === "string" ? t.before : null)
            ? "update"
            : "conflict";
    planned.push({ output, action, sha: sha(next) });
    // A conflict is applied here too, so its diff can be shown; nothing is written while one is unforced.
    if (action === "unchanged") continue;
    if (output.kind === "json") {
      const base = typeof t.after === "string" && t.after !== "" ? t.after : (output.newFile ?? "{}\n");
      t.after = setJsonValue(base, output.path, output.value);
    } else if (output.kind === "edit") {
      t.after = output.apply(typeof t.after === "string" ? t.after : "");
    } else if (output.kind === "section") {
      // Only the section changes: everything the user wrote around it stays byte for byte.
      t.after = setSection(typeof t.after === "string" ? t.after : "", output.id, output.content);
    } else {
      t.after = next;
    }
  }
  return { outputs: planned, files: [...files].map(([file, t]) => ({ file, ...t })).filter((f) => f.before !== f.after) };
}

/** A JSON list that keeps every entry the user has, in order, and adds after them: nothing is lost. */
function onlyAdds(output: Output, text: string | null): boolean {
  if (output.kind !== "json" || text === null || !Array.isArray(output.value)) return false;
  const current = jsonValueAt(text, output.path);
  if (!Array.isArray(current) || current.length > output.value.length) return false;
  return current.every((entry, i) => canonicalJson(entry) === canonicalJson((output.value as unknown[])[i]));
}
