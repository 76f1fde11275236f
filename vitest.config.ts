import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two test files at a time, even on two cores: the end-to-end files mostly wait on the real runtimes, tmux,
    // PostgreSQL and the browser, so a second file fills that time. Every test has its own home, data folder,
    // tmux server, ports and database, so files never share state.
    maxWorkers: 2,
    env: { TZ: "UTC", NO_COLOR: "1" },
  },
});
