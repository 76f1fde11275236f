/**
 * `quartet gateway env` through the built CLI: it never prints a key it found in the environment, and for
 * Claude Code it says when the person's settings.json would override the variable it prints, and what wins.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const URL_ = "http://127.0.0.1:4100";

test("gateway env opencode refuses to print an inline config holding a literal key, and prints one that names a variable", async () => {
  const secret = "sk-or-inline-key-8d2e";
  const withKey = JSON.stringify({ provider: { openrouter: { options: { apiKey: secret } } } });
  const refused = await runCli(["gateway", "env", "opencode", "--url", URL_], { env: { OPENCODE_CONFIG_CONTENT: withKey } });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`holds "provider.openrouter.options.apiKey" from your environment's OPENCODE_CONFIG_CONTENT`);
  expect(refused.stdout + refused.stderr).not.toContain(secret);

  const byName = JSON.stringify({
    provider: { openrouter: { options: { apiKey: "{env:OPENROUTER_API_KEY}" } } },
    keybinds: { leader: "ctrl+x" },
  });
  const printed = await runCli(["gateway", "env", "opencode", "--url", URL_], { env: { OPENCODE_CONFIG_CONTENT: byName } });
  expect(printed.code, printed.stderr).toBe(0);
  const value = /^export OPENCODE_CONFIG_CONTENT='(.*)'$/.exec(printed.stdout.trim())![1]!;
  expect(JSON.parse(value)).toMatchObject({ provider: { anthropic: { options: { baseURL: `${URL_}/v1` } }, openrouter: {} } });
});

test("gateway env claude says when ~/.claude/settings.json overrides ANTHROPIC_BASE_URL, and prints the --settings that wins", async () => {
  const home = tempDir();
  const plain = await runCli(["gateway", "env", "claude", "--url", URL_], { env: { HOME: home } });
  expect([plain.code, plain.stdout, plain.stderr]).toEqual([0, `export ANTHROPIC_BASE_URL='${URL_}'\n`, ""]);

  fs.mkdirSync(path.join(home, ".claude"));
  fs.writeFileSync(path.join(home, ".claude", "settings.json"), JSON.stringify({ env: { ANTHROPIC_BASE_URL: "http://127.0.0.1:3456" } }));
  const noted = await runCli(["gateway", "env", "claude", "--url", URL_], { env: { HOME: home } });
  expect([noted.code, noted.stdout]).toEqual([0, `export ANTHROPIC_BASE_URL='${URL_}'\n`]);
  expect(noted.stderr).toContain(`${path.join(home, ".claude", "settings.json")} sets ANTHROPIC_BASE_URL in its "env", which wins`);
  expect(noted.stderr).toContain(`claude --settings '{"env":{"ANTHROPIC_BASE_URL":"${URL_}"}}'`);
});
