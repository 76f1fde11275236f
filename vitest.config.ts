import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Three test files at a time, even on two cores: the end-to-end files often wait on the real runtimes, tmux,
    // PostgreSQL and the browser. With two, the cores were busy 71% of a full run (13 min); with three, 72% of
    // 12. Every test has its own home, data folder, tmux server, ports and database, so files never share state.
    maxWorkers: 3,
    env: { TZ: "UTC", NO_COLOR: "1" },
  },
});
