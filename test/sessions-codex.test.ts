/**
 * Codex CLI as a session. The pinned Codex speaks the OpenAI API, which the lab endpoint does not, so no
 * turn can run here: this checks that the real `codex` accepts the command line quartet builds (its
 * `--cd` and the per-session `-c notify=[…]`), is tracked in tmux, and that `ps` reads its first-run
 * sign-in screen as waiting for the person — marked as a guess, since Codex reports no event for it.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { sessionLab, type SessionLab } from "./sessions.js";

let lab: SessionLab;
beforeAll(async () => {
  lab = await sessionLab();
});
afterAll(async () => {
  await lab?.close();
});

test(
  "a codex session starts in its worktree and its sign-in screen reads as needs-input (low confidence)",
  { timeout: 120_000 },
  async () => {
    const started = await lab.cli(["run", "--runtime", "codex", "--name", "cx", "--json", "List the files here."]);
    expect(started.code, started.stderr).toBe(0);
    const { session } = await lab.waitFor("cx", (s) => s.state === "needs-input", "needs-input", 60_000);
    expect(session).toMatchObject({ runtime: "codex", stateSource: "screen", confidence: "low", branch: "quartet/cx" });
    const table = await lab.cli(["ps", "--no-usage"]);
    expect(table.stdout).toMatch(/cx\s+│ codex\s+│ needs-input\?/);
    expect(table.stdout).toContain("? = read from the screen");
    const stopped = await lab.cli(["stop", "cx"]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(await lab.ps()).toEqual([]);

    // Prompts that look like options are prompts: Codex shows its screen instead of printing its version,
    // reading a profile (-p) or bypassing approvals.
    for (const [i, prompt] of ["--version", "-p", "--dangerously-bypass-approvals-and-sandbox"].entries()) {
      const name = `cx-option-${i}`;
      const optionLike = await lab.cli(["run", "--runtime", "codex", "--name", name, "--json", "--", prompt]);
      expect(optionLike.code, optionLike.stderr).toBe(0);
      await lab.waitFor(name, (s) => s.state === "needs-input", "needs-input", 60_000);
      expect((await lab.cli(["stop", name])).code).toBe(0);
    }
  },
);
