/**
 * Claude Code's `@path` imports in CLAUDE.md: found outside code blocks and code spans, resolved relative
 * to the importing file (or `~/`), followed at most 4 hops deep as Claude Code does.
 */
import fs from "node:fs";
import path from "node:path";

export interface ImportRef {
  /** As written, without the `@`. */
  ref: string;
}

const MAX_DEPTH = 4;

/** The `@path` references of a text, in order. */
export function findImports(text: string): ImportRef[] {
  const refs: ImportRef[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    const outsideSpans = line.replace(/`[^`]*`/g, (s) => " ".repeat(s.length));
    for (const m of outsideSpans.matchAll(/(?:^|\s)@((?:~\/|\.{0,2}\/)?[\w.-][\w./~-]*)/g)) {
      const ref = m[1]!.replace(/[.,;:)]+$/, "");
      if (/[./]/.test(ref)) refs.push({ ref });
    }
  }
  return refs;
}

export interface ResolvedImport {
  ref: string;
  /** Absolute path of the imported file. */
  file: string;
  /** Absolute path of the file that imports it. */
  from: string;
  text: string;
}

export function resolveImportPath(ref: string, from: string, home: string): string {
  if (ref.startsWith("~/")) return path.join(home, ref.slice(2));
  return path.resolve(path.dirname(from), ref);
}

/** Every file `file` imports, directly or through imports, breadth-first; missing ones are reported. */
export function resolveImports(file: string, text: string, home: string, onMissing: (ref: string, from: string) => void): ResolvedImport[] {
  const out: ResolvedImport[] = [];
  const seen = new Set([path.resolve(file)]);
  let level: { file: string; text: string }[] = [{ file, text }];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: { file: string; text: string }[] = [];
    for (const parent of level) {
      for (const { ref } of findImports(parent.text)) {
        const target = resolveImportPath(ref, parent.file, home);
        if (seen.has(target)) continue;
        seen.add(target);
        if (!fs.existsSync(target) || !fs.statSync(target).isFile()) {
          onMissing(ref, parent.file);
          continue;
        }
        const importedText = fs.readFileSync(target, "utf8");
        out.push({ ref, file: target, from: parent.file, text: importedText });
        next.push({ file: target, text: importedText });
      }
    }
    level = next;
  }
  return out;
}
