import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Seconds each end-to-end file took in a full run on a CI-like machine (scripts/test-durations.mjs writes it). */
const recorded = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "test", "durations.json"), "utf8")) as Record<string, number>;

/**
 * The end-to-end files (test/) first, the longest first: by vitest's own durations once a run has timed them,
 * else by test/durations.json. On a fresh clone (CI) vitest knows no durations and would start the largest files
 * first, and a short file that drives the real runtimes for five minutes started last and ran alone at the end.
 * Every file over 20 s is under test/.
 */
class EndToEndFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const relative = (f: TestSpecification) => path.relative(this.ctx.config.root, f.moduleId).split(path.sep).join("/");
    const endToEnd = ordered.filter((f) => relative(f).startsWith("test/"));
    const timed = endToEnd.every((f) => this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(f)}`));
    // A file not in the record is new: first, as vitest runs unknown files first.
    const byRecord = (f: TestSpecification) => recorded[relative(f)] ?? Infinity;
    const longerFirst = (a: TestSpecification, b: TestSpecification) =>
      byRecord(a) === byRecord(b) ? 0 : byRecord(a) > byRecord(b) ? -1 : 1;
    const e2e = timed ? endToEnd : [...endToEnd].sort(longerFirst);
    return [...e2e, ...ordered.filter((f) => !relative(f).startsWith("test/"))];
  }
}

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // A folder for the generated corpora that test files share, made once per run and removed at its end.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Three test files at a time, even on two cores: the end-to-end files often wait on the real runtimes, tmux,
    // PostgreSQL and the browser. With two, the cores were busy 71% of a full run (13 min); with three, 72% of
    // 12. Every test has its own home, data folder, tmux server, ports and database, so files never share state.
    maxWorkers: 3,
    sequence: { sequencer: EndToEndFirst },
    env: { TZ: "UTC", NO_COLOR: "1" },
  },
});
