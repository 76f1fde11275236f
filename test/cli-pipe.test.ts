/**
 * A reader that stops early (`quartet cache | head -1`) ends quartet quietly with status 0: every command's
 * help and the reports are run with their output pipe closed before they write, so each write hits EPIPE.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/main.js";
import { fixtureHome, ROOT, tempDir } from "./helpers.js";

function withClosedPipe(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "quartet.js"), ...args], {
    env: { PATH: process.env.PATH, HOME: tempDir("quartet-userhome-"), QUARTET_HOME: tempDir("quartet-data-"), TZ: "UTC", NO_COLOR: "1" },
    cwd: tempDir("quartet-cwd-"),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

// Each test runs the CLI again and again: 12 s and 3 s alone, up to 31 s in a full `npm test` on two cores (CI, 2026-12-02).
describe("output into a pipe closed early", { timeout: 120_000 }, () => {
  it("ends every command's help quietly, with status 0", async () => {
    const program = await buildProgram();
    const commands = program.commands.flatMap((c) => [[c.name()], ...c.commands.map((s) => [c.name(), s.name()])]);
    expect(commands.length).toBeGreaterThan(20);
    const results = await Promise.all([[], ...commands].map(async (c) => ({ c, r: await withClosedPipe([...c, "--help"]) })));
    for (const { c, r } of results) {
      expect(r.stderr, c.join(" ")).toBe("");
      expect(r.code, c.join(" ")).toBe(0);
    }
  });

  it("ends the reports quietly, with status 0", async () => {
    const home = fixtureHome();
    for (const args of [
      ["usage"],
      ["usage", "--by", "session"],
      ["usage", "--csv"],
      ["usage", "--json"],
      ["cache"],
      ["statusline"],
      ["--version"],
    ]) {
      const r = await withClosedPipe([...args, ...(args[0] === "--version" ? [] : ["--home", home])]);
      // The fixtures' deliberate bad lines are still warned about; no crash, no stack.
      expect(r.stderr, args.join(" ")).not.toMatch(/EPIPE|\n\s+at /);
      expect(r.code, args.join(" ")).toBe(0);
    }
  });
});
