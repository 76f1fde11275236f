/**
 * The README's install puts `quartet` on PATH: after `npm install` (which CI has just run on a fresh clone),
 * `npm link` into a private global prefix gives a `quartet` command that runs from any folder.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { fixtureHome, ROOT, tempDir } from "./helpers.js";

// `npm link` takes about 7 s alone; in a full `npm test` on two cores beside other end-to-end files it took 48 s,
// once 69 s (CI of 2026-12-02).
it("npm link puts a working quartet on PATH", { timeout: 180_000 }, () => {
  const prefix = tempDir("quartet-npm-prefix-");
  const link = spawnSync("npm", ["link", "--offline", "--no-audit", "--no-fund"], {
    cwd: ROOT,
    env: { ...process.env, npm_config_prefix: prefix },
    encoding: "utf8",
  });
  expect(link.status, link.stderr).toBe(0);

  // Only the linked command and node: nothing from the repository's node_modules/.bin.
  const env = {
    PATH: [path.join(prefix, "bin"), path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
    HOME: tempDir("quartet-userhome-"),
    QUARTET_HOME: tempDir("quartet-data-"),
    NO_COLOR: "1",
  };
  const version = spawnSync("quartet", ["--version"], { cwd: tempDir("quartet-cwd-"), env, encoding: "utf8" });
  expect(version.status, version.stderr).toBe(0);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

  const usage = spawnSync("quartet", ["usage", "--json", "--home", fixtureHome(["claude"])], {
    cwd: tempDir("quartet-cwd-"),
    env,
    encoding: "utf8",
  });
  expect(usage.status, usage.stderr).toBe(0);
  expect((JSON.parse(usage.stdout) as { totals: { requests: number } }).totals.requests).toBeGreaterThan(0);
});
