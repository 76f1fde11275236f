/**
 * Shapes found in real public workflows that quartet's port once got wrong, each as a small project of our
 * own: the port must accept what the runtimes accept, never replace what the user wrote, and be a fixed
 * point (right after a port, status shows no drift and the reverse port plans no new file).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";
import { portCli } from "./port.js";

/** A project holding exactly these files. */
function project(files: Record<string, string>): string {
  const dir = tempDir("quartet-shapes-");
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");

/** `port status --json`: each asset's state. */
async function status(dir: string, data: string): Promise<Record<string, string>> {
  const r = await portCli(dir, ["status", "--json"], data);
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as { assets: { asset: string; state: string }[] };
  return Object.fromEntries(json.assets.map((a) => [a.asset, a.state]));
}

describe("instructions the user wrote on both sides", () => {
  const CLAUDE = "# Project\n\nUse pnpm, never npm.\n";
  const AGENTS = "# Agents\n\nRun the linter before you finish.\n";

  it("are never replaced: OpenCode is pointed at CLAUDE.md, Claude Code imports AGENTS.md in a marked section", async () => {
    const dir = project({ "CLAUDE.md": CLAUDE, "AGENTS.md": AGENTS });
    const data = tempDir("quartet-data-");
    const toOpencode = await portCli(dir, ["claude", "opencode", "--json"], data);
    expect(toOpencode.code, toOpencode.stderr).toBe(0);
    expect(toOpencode.json!.conflicts).toBe(0);
    expect(read(dir, "AGENTS.md")).toBe(AGENTS);
    expect(JSON.parse(read(dir, "opencode.json")).instructions).toEqual(["CLAUDE.md"]);
    expect((await status(dir, data)).instructions).toBe("in sync");

    const toClaude = await portCli(dir, ["opencode", "claude", "--json"], data);
    expect(toClaude.code, toClaude.stderr).toBe(0);
    // No new file: CLAUDE.md gains a section.
    expect(toClaude.json!.files.filter((f) => f.before === null)).toEqual([]);
    const claudeMd = read(dir, "CLAUDE.md");
    expect(claudeMd.startsWith(CLAUDE)).toBe(true);
    expect(claudeMd).toMatch(/<!-- quartet:begin instructions .*-->\n@AGENTS\.md\n<!-- quartet:end instructions -->\n$/);
    expect(read(dir, "AGENTS.md")).toBe(AGENTS);
    expect((await status(dir, data)).instructions).toBe("in sync");

    // The user edits their own text around the section: later ports keep it and leave the section as it is.
    fs.writeFileSync(path.join(dir, "CLAUDE.md"), claudeMd.replace("never npm", "never npm or yarn"));
    for (const [from, to] of [
      ["opencode", "claude"],
      ["claude", "opencode"],
    ]) {
      const again = await portCli(dir, [from!, to!, "--json"], data);
      expect(again.code, again.stderr).toBe(0);
      expect(again.json!.conflicts).toBe(0);
    }
    expect(read(dir, "CLAUDE.md")).toBe(claudeMd.replace("never npm", "never npm or yarn"));
    expect(read(dir, "AGENTS.md")).toBe(AGENTS);
    expect(JSON.parse(read(dir, "opencode.json")).instructions).toEqual(["CLAUDE.md"]);
  });

  it("keep the entries the user listed in opencode.json", async () => {
    const dir = project({
      "CLAUDE.md": CLAUDE,
      "AGENTS.md": AGENTS,
      "docs/style.md": "Tabs.\n",
      "opencode.json": '{\n  // mine\n  "instructions": ["docs/style.md"]\n}\n',
    });
    const r = await portCli(dir, ["claude", "opencode", "--json", "--only", "instructions"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json!.conflicts).toBe(0);
    const config = read(dir, "opencode.json");
    expect(config).toContain("// mine");
    expect(config).toMatch(/"docs\/style\.md",\s*"CLAUDE\.md"/);
  });
});
