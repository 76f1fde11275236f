import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { writeLauncher } from "./launcher.js";

describe("the session launcher", () => {
  it("runs the program with exactly the given environment, then is gone; values are never interpreted", () => {
    const dir = path.join(tempDir(), "session");
    const tricky = 'it\'s $HOME `id` $(id) "quoted"\nexport FAKE=1\n\\';
    const launcher = writeLauncher({
      dir,
      argv: ["/usr/bin/env", "-0"],
      env: { PATH: process.env.PATH, TRICKY: tricky, TERM: "not-passed", "BASH_FUNC_x%%": "() { :; }" },
    });
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(launcher.argv[1]!).mode & 0o777).toBe(0o600);
    // A stale variable from the tmux server's environment, and the pane's own TERM.
    const r = spawnSync(launcher.argv[0]!, launcher.argv.slice(1), {
      env: { PATH: process.env.PATH, STALE_SECRET: "from an old server", TERM: "tmux-256color" },
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const env = Object.fromEntries(
      r.stdout
        .split("\0")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    expect(env).toMatchObject({ TRICKY: tricky, TERM: "tmux-256color" });
    expect(env).not.toHaveProperty("STALE_SECRET");
    expect(env).not.toHaveProperty("FAKE");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("is removed by discard when it never ran", () => {
    const dir = path.join(tempDir(), "session");
    writeLauncher({ dir, argv: ["true"], env: {} }).discard();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
