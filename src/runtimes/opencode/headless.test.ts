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
