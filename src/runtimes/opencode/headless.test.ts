import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../../test/helpers.js";
import { opencodeHeadless } from "./headless.js";

describe("OpenCode's home for a lab run", () => {
  it("copies ~/.config/opencode without provider keys, and never the stored logins", () => {
    const user = tempDir("quartet-user-");
    const config = path.join(user, ".config", "opencode");
    fs.mkdirSync(path.join(config, "agent"), { recursive: true });
    fs.writeFileSync(path.join(config, "agent", "review.md"), "---\ndescription: review\n---\nReview.\n");
    fs.writeFileSync(
      path.join(config, "opencode.jsonc"),
      `{\n  // mine\n  "provider": { "openrouter": { "options": { "apiKey": "sk-or-REAL", "baseURL": "https://openrouter.ai/api/v1" } } },\n  "instructions": ["RULES.md"]\n}\n`,
    );
    fs.mkdirSync(path.join(user, ".local", "share", "opencode"), { recursive: true });
    fs.writeFileSync(
      path.join(user, ".local", "share", "opencode", "auth.json"),
      JSON.stringify({ anthropic: { type: "oauth", access: "REAL" } }),
    );
    const home = tempDir("quartet-run-home-");
    const notes = opencodeHeadless.prepareHome({ home, userHome: user, clean: false });
    const copied = JSON.parse(fs.readFileSync(path.join(home, ".config", "opencode", "opencode.jsonc"), "utf8"));
    expect(copied).toEqual({
      provider: { openrouter: { options: { baseURL: "https://openrouter.ai/api/v1" } } },
      instructions: ["RULES.md"],
    });
    expect(fs.existsSync(path.join(home, ".config", "opencode", "agent", "review.md"))).toBe(true);
    expect(fs.existsSync(path.join(home, ".local", "share", "opencode", "auth.json"))).toBe(false);
    expect(notes).toEqual(["~/.config/opencode", "~/.config/opencode/opencode.jsonc (without provider.openrouter.options.apiKey)"]);
  });

  it("leaves out an invalid config file, naming its line, and copies the rest", () => {
    const user = tempDir("quartet-user-");
    const config = path.join(user, ".config", "opencode");
    fs.mkdirSync(path.join(config, "command"), { recursive: true });
    fs.writeFileSync(path.join(config, "command", "ship.md"), "Ship it.\n");
    fs.writeFileSync(path.join(config, "opencode.json"), `{\n  "model": "anthropic/claude-sonnet-4-5",\n  "provider": {\n}}}\n`);
    const home = tempDir("quartet-run-home-");
    const notes = opencodeHeadless.prepareHome({ home, userHome: user, clean: false });
    expect(notes[1]).toBe(
      `~/.config/opencode/opencode.json not copied: ${path.join(config, "opencode.json")}:4: invalid JSON: EndOfFileExpected`,
    );
    expect(fs.existsSync(path.join(home, ".config", "opencode", "opencode.json"))).toBe(false);
    expect(fs.existsSync(path.join(home, ".config", "opencode", "command", "ship.md"))).toBe(true);
  });
});

describe("what a lab run's OpenCode home gets from the person's OpenCode cache", () => {
  function userWithCache(): string {
    const user = tempDir("quartet-user-");
    const cache = path.join(user, ".cache", "opencode");
    fs.mkdirSync(path.join(cache, "bin"), { recursive: true });
    fs.writeFileSync(path.join(cache, "bin", "rg"), "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(path.join(cache, "models.json"), '{"anthropic":{}}');
    return user;
  }

  it("ripgrep in every run, the fetched model list only when the run measures the person's setup", () => {
    const user = userWithCache();
    const clean = tempDir("quartet-run-home-");
    expect(opencodeHeadless.prepareHome({ home: clean, userHome: user, clean: true })).toEqual([]);
    const rg = path.join(clean, ".cache", "opencode", "bin", "rg");
    expect(fs.readlinkSync(rg)).toBe(path.join(user, ".cache", "opencode", "bin", "rg"));
    expect(fs.statSync(rg).mode & 0o777).toBe(0o755);
    expect(fs.existsSync(path.join(clean, ".cache", "opencode", "models.json"))).toBe(false);

    const mine = tempDir("quartet-run-home-");
    expect(opencodeHeadless.prepareHome({ home: mine, userHome: user, clean: false })).toEqual([
      "~/.cache/opencode/models.json (the model list OpenCode last fetched)",
    ]);
    expect(fs.readFileSync(path.join(mine, ".cache", "opencode", "models.json"), "utf8")).toBe('{"anthropic":{}}');
    expect(fs.statSync(path.join(mine, ".cache", "opencode", "models.json")).mode & 0o777).toBe(0o600);
  });

  it("is nothing when the person's OpenCode has no cache, or an unreadable one", () => {
    const bare = tempDir("quartet-user-");
    const home = tempDir("quartet-run-home-");
    expect(opencodeHeadless.prepareHome({ home, userHome: bare, clean: false })).toEqual([]);
    expect(fs.existsSync(path.join(home, ".cache"))).toBe(false);

    const odd = tempDir("quartet-user-");
    fs.mkdirSync(path.join(odd, ".cache", "opencode", "bin", "rg"), { recursive: true }); // a folder, not the program
    const home2 = tempDir("quartet-run-home-");
    expect(opencodeHeadless.prepareHome({ home: home2, userHome: odd, clean: true })).toEqual([]);
    expect(fs.existsSync(path.join(home2, ".cache", "opencode", "bin", "rg"))).toBe(false);
  });
});
