import path from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The end-to-end files (test/) first, each group in vitest's own order (longest first once a run has timed
 * them, else largest first). On a fresh clone (CI) vitest knows no durations, and a short end-to-end file that
 * drives the real runtimes for two minutes could start last and run alone; every file over 20 s is under test/.
 */
class EndToEndFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const endToEnd = (f: TestSpecification) => path.relative(this.ctx.config.root, f.moduleId).startsWith(`test${path.sep}`);
    return [...ordered.filter(endToEnd), ...ordered.filter((f) => !endToEnd(f))];
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
