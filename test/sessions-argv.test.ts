/**
 * User text is data, and secrets stay off command lines: the real `claude` and `opencode` started by
 * `quartet run` with prompts that look like their own options must receive them as prompts, and while
 * sessions start no process's command line (/proc/<pid>/cmdline, readable by every user) holds a key.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { sessionLab, watchCommandLines, type SessionLab } from "./sessions.js";

let lab: SessionLab;
beforeAll(async () => {
  lab = await sessionLab({ delayMs: 200 });
});
afterAll(async () => {
  await lab?.close();
});

const OPTION_LIKE = ["--version", "-p", "--permission-mode=bypassPermissions"];

describe.each(["claude", "opencode"])("%s", (runtime) => {
  test("gets prompts that look like options as prompts, and no secret on any command line", { timeout: 480_000 }, async () => {
    const secret = `quartet-test-secret-${Math.random().toString(36).slice(2)}`;
    const watch = watchCommandLines([secret, LAB_API_KEY]);
    const names = OPTION_LIKE.map((_, i) => `argv-${runtime}-${i}`);
    const run = (i: number) =>
      lab.cli(["run", "--runtime", runtime, "--name", names[i]!, "--json", "--", OPTION_LIKE[i]!], {
        env: { QUARTET_TEST_SECRET: secret },
      });
    // The first alone: two first-ever OpenCode starts in one home at once can hang one (its own setup races).
    const first = await run(0);
    const started = [first, ...(await Promise.all([run(1), run(2)]))];
    for (const r of started) expect(r.code, r.stderr).toBe(0);
    watch.started();
    // Three first starts at once: OpenCode's took over 90 s in a full run on a slow two-core host (10 s alone).
    for (const name of names) await lab.waitFor(name, (s) => s.state === "idle", "idle after its first turn", 180_000);
    const hits = await watch.stop();
    expect(hits, `command lines holding a secret:\n${hits.join("\n")}`).toEqual([]);
    for (const prompt of OPTION_LIKE) expect(lab.userTexts(), prompt).toContain(prompt);

    // The secret reached the agent (through the launcher, which removed itself), not a command line.
    for (const r of started) {
      const row = JSON.parse(r.stdout) as { tmux: { pane: string }; stateDir?: string };
      expect(row.tmux.pane).toMatch(/^%\d+$/);
    }
    const sessions = path.join(lab.dataDir, "sessions");
    const leftovers = fs
      .readdirSync(sessions, { recursive: true })
      .map(String)
      .filter((f) => path.basename(f).startsWith("launch-"));
    expect(leftovers).toEqual([]);
    for (const dir of fs.readdirSync(sessions)) expect(fs.statSync(path.join(sessions, dir)).mode & 0o777).toBe(0o700);
    for (const name of names) expect((await lab.cli(["stop", "--force", name])).code).toBe(0);
  });
});
