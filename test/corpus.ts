/**
 * Generated Claude Code corpora for the ledger's crash and concurrency tests: the benchmark generator
 * (bench/generate-claude-corpus.ts), run once per test file into a temporary home.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT, fileTempDir } from "./helpers.js";

/** A home holding `sizeMb` of generated transcripts under .claude/projects. */
export function generatedHome(sizeMb: number, seed = 7): string {
  const home = fileTempDir("quartet-corpus-");
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(ROOT, "bench", "generate-claude-corpus.ts"),
      "--out",
      home,
      "--size-mb",
      String(sizeMb),
      "--seed",
      String(seed),
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`corpus generation failed: ${r.stderr}`);
  return home;
}

/** Every transcript under a home, sorted. */
export function transcripts(home: string): string[] {
  const root = path.join(home, ".claude", "projects");
  return fs
    .readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => path.join(root, f));
}

/**
 * A copy of `full` holding an earlier moment of it: a third of the transcripts not written yet, and every
 * other one cut after about half its lines. `grow(copy)` then appends what is missing, in place (the same
 * files, so the ledger reads them from where it stopped), and adds the missing files.
 */
export function earlierCopy(full: string, into: string): { grow(): void } {
  const files = transcripts(full);
  const cuts = new Map<string, number>();
  files.forEach((file, i) => {
    const target = path.join(into, path.relative(full, file));
    if (i % 3 === 0) return;
    const data = fs.readFileSync(file);
    let cut = data.length;
    if (i % 2 === 0) {
      const half = data.indexOf(10, Math.floor(data.length / 2));
      cut = half === -1 ? data.length : half + 1;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data.subarray(0, cut));
    cuts.set(file, cut);
  });
  return {
    grow() {
      for (const file of files) {
        const target = path.join(into, path.relative(full, file));
        const cut = cuts.get(file);
        if (cut === undefined) {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.copyFileSync(file, target);
        } else {
          const data = fs.readFileSync(file);
          if (cut < data.length) fs.appendFileSync(target, data.subarray(cut));
        }
      }
    },
  };
}
