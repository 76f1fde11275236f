import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { snapshotTree, tempDir } from "../../../test/helpers.js";
import { claudeHeadless } from "./headless.js";

/** A user home with Claude Code configuration, credentials included. */
function userHome(): string {
  const home = tempDir("quartet-user-");
  const claude = path.join(home, ".claude");
  fs.mkdirSync(path.join(claude, "agents"), { recursive: true });
  fs.writeFileSync(path.join(claude, "CLAUDE.md"), "Always answer in French.\n");
  fs.writeFileSync(path.join(claude, "agents", "reviewer.md"), "---\nname: reviewer\n---\nReview.\n");
  fs.writeFileSync(path.join(claude, ".credentials.json"), JSON.stringify({ claudeAiOauth: { accessToken: "sk-ant-oat-REAL" } }));
  fs.writeFileSync(
    path.join(claude, "settings.json"),
    JSON.stringify({
      apiKeyHelper: "security find-generic-password -w",
      model: "opus",
      env: { ANTHROPIC_API_KEY: "sk-ant-REAL", DEBUG: "1" },
      permissions: { allow: ["Bash(npm test)"] },
    }),
  );
  fs.writeFileSync(
    path.join(home, ".claude.json"),
    JSON.stringify({
      oauthAccount: { emailAddress: "a@b.c" },
      primaryApiKey: "sk-ant-REAL",
      mcpServers: { gh: { command: "gh-mcp", env: { GITHUB_TOKEN: "ghp_REAL", LOG: "1" } } },
    }),
  );
  return home;
}

describe("Claude Code's home for a lab run", () => {
  it("copies the user's configuration without any credential, and leaves the user's home alone", () => {
    const user = userHome();
    const before = snapshotTree(user);
    const home = tempDir("quartet-run-home-");
    const notes = claudeHeadless.prepareHome({ home, userHome: user, clean: false });
    expect(fs.readFileSync(path.join(home, ".claude", "CLAUDE.md"), "utf8")).toContain("French");
    expect(fs.existsSync(path.join(home, ".claude", "agents", "reviewer.md"))).toBe(true);
    expect(fs.existsSync(path.join(home, ".claude", ".credentials.json"))).toBe(false);
    const copied =
      JSON.stringify(snapshotTree(home)) +
      fs.readFileSync(path.join(home, ".claude", "settings.json"), "utf8") +
      fs.readFileSync(path.join(home, ".claude.json"), "utf8");
    expect(copied).not.toMatch(/REAL|security find-generic-password|a@b\.c/);
    expect(JSON.parse(fs.readFileSync(path.join(home, ".claude", "settings.json"), "utf8"))).toEqual({
      model: "opus",
      env: { DEBUG: "1" },
      permissions: { allow: ["Bash(npm test)"] },
    });
    // The user's MCP servers are named, not copied: the lab starts none of them.
    expect(JSON.parse(fs.readFileSync(path.join(home, ".claude.json"), "utf8"))).toEqual({ hasCompletedOnboarding: true });
    expect(notes).toContain("MCP servers from ~/.claude.json not started: gh");
    expect(notes.join(" ")).toMatch(/settings\.json \(without apiKeyHelper, env\.ANTHROPIC_API_KEY\)/);
    expect(snapshotTree(user)).toEqual(before);
  });

  it("skips an invalid settings file with its line, and still copies the rest", () => {
    const user = userHome();
    fs.writeFileSync(path.join(user, ".claude", "settings.json"), '{\n  "model": "opus"\n  "env": {}\n}\n');
    fs.writeFileSync(path.join(user, ".claude.json"), "not json");
    const home = tempDir("quartet-run-home-");
    const notes = claudeHeadless.prepareHome({ home, userHome: user, clean: false });
    expect(notes).toContain(
      `~/.claude/settings.json not copied: ${path.join(user, ".claude", "settings.json")}:3: invalid JSON: CommaExpected`,
    );
    expect(fs.existsSync(path.join(home, ".claude", "settings.json"))).toBe(false);
    expect(fs.readFileSync(path.join(home, ".claude", "CLAUDE.md"), "utf8")).toContain("French");
    expect(JSON.parse(fs.readFileSync(path.join(home, ".claude.json"), "utf8"))).toEqual({ hasCompletedOnboarding: true });
  });

  it("uses nothing of the user's with --clean", () => {
    const home = tempDir("quartet-run-home-");
    expect(claudeHeadless.prepareHome({ home, userHome: userHome(), clean: true })).toEqual([]);
    expect(fs.readdirSync(path.join(home, ".claude"))).toEqual([]);
  });
});
