/**
 * Generated Claude Code corpora for the ledger's end-to-end tests: the benchmark generator
 * (bench/generate-claude-corpus.ts), run at most once per `vitest run` for each size and seed, whichever test
 * file asks first (test/global-setup.ts makes the folder they share and removes it when the run ends).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { inject } from "vitest";
import { acquireLockSync } from "../src/core/file-lock.js";
import { ROOT, fileTempDir } from "./helpers.js";

/** How long a test file waits for another one generating the same corpus. */
const GENERATION_WAIT_MS = 5 * 60 * 1000;

/**
 * A home holding `sizeMb` of generated transcripts under .claude/projects, shared by every test file of the
 * run that asks for the same size and seed: read it, never write to it (`earlierCopy` makes a copy to grow).
 */
export function generatedHome(sizeMb: number, seed = 7): string {
  const shared = inject("corporaDir");
  if (!shared) return generate(fileTempDir("quartet-corpus-"), sizeMb, seed);
  const home = path.join(shared, `${sizeMb}mb-seed${seed}`);
  // Test files run in processes of their own, often two asking at once: one generates, the other waits.
  const lock = acquireLockSync(`${home}.lock`, { timeoutMs: GENERATION_WAIT_MS });
  try {
    if (!fs.existsSync(home)) {
      // Generated beside it and renamed, so that a file killed half-way leaves no half corpus under the name.
      const partial = fs.mkdtempSync(`${home}.partial-`);
      generate(partial, sizeMb, seed);
      fs.renameSync(partial, home);
    }
    return home;
  } finally {
    lock.release();
  }
}

function generate(home: string, sizeMb: number, seed: number): string {
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
 * other one cut after about half its lines. `grow()` then appends what is missing, in place (the same
 * files, so the ledger reads them from where it stopped), and adds the missing files; `restore()` takes the
 * copy back to the earlier moment, in place, so that one copy serves test after test.
 */
export function earlierCopy(full: string, into: string): { grow(): void; restore(): void } {
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
  /** Folders that `grow` made (the earlier moment had no file in them), removed again by `restore`. */
  const grown: string[] = [];
  return {
    grow() {
      for (const file of files) {
        const target = path.join(into, path.relative(full, file));
        const cut = cuts.get(file);
        if (cut === undefined) {
          const made = fs.mkdirSync(path.dirname(target), { recursive: true });
          if (made) grown.push(made);
          fs.copyFileSync(file, target);
        } else {
          const data = fs.readFileSync(file);
          if (cut < data.length) fs.appendFileSync(target, data.subarray(cut));
        }
      }
    },
    restore() {
      for (const file of files) {
        const target = path.join(into, path.relative(full, file));
        const cut = cuts.get(file);
        if (cut === undefined) fs.rmSync(target, { force: true });
        else fs.truncateSync(target, cut);
      }
      for (const dir of grown.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
