import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "../../../test/helpers.js";
import { claudeGateway } from "./gateway.js";

const URL_ = "http://127.0.0.1:4100";
const TOKEN = "kimi-token-3f9c";

function pointed(env: NodeJS.ProcessEnv, settingsEnv?: Record<string, string>) {
  const home = tempDir();
  if (settingsEnv) {
    fs.mkdirSync(path.join(home, ".claude"));
    fs.writeFileSync(path.join(home, ".claude", "settings.json"), JSON.stringify({ env: settingsEnv }));
  }
  if (!claudeGateway.supported) throw new Error("unreachable");
  const client = claudeGateway;
  return () => client.env({ url: URL_, env: { HOME: home, ...env } });
}

test("Claude Code set up for another provider with its token is refused, wherever the setup is", () => {
  const kimi = "https://api.moonshot.ai/anthropic";
  const fromEnv = pointed({ ANTHROPIC_BASE_URL: kimi, ANTHROPIC_AUTH_TOKEN: TOKEN });
  expect(fromEnv).toThrow(/ANTHROPIC_BASE_URL points at api\.moonshot\.ai \(in the environment\), with ANTHROPIC_AUTH_TOKEN/);
  expect(fromEnv).toThrow(/Add a route for that provider's models/);
  expect(fromEnv).not.toThrow(new RegExp(TOKEN));
  // A provider URL may carry a key of its own: only its host is named.
  const keyed = pointed({ ANTHROPIC_BASE_URL: "https://me:url-secret@proxy.example.com/v1?key=url-secret", ANTHROPIC_AUTH_TOKEN: TOKEN });
  expect(keyed).toThrow(/points at proxy\.example\.com \(in the environment\)/);
  expect(keyed).not.toThrow(/url-secret/);
  // settings.json's env overrides the process's: its base URL, and a key in either place.
  expect(pointed({ ANTHROPIC_API_KEY: TOKEN }, { ANTHROPIC_BASE_URL: "https://open.bigmodel.cn/api/anthropic" })).toThrow(
    /\(in .*\.claude\/settings\.json\), with ANTHROPIC_API_KEY \(in the environment\)/,
  );
});

test("Claude Code on Anthropic, on its own login, or already on this gateway is pointed at it", () => {
  expect(pointed({})()).toEqual({ ANTHROPIC_BASE_URL: URL_ });
  expect(pointed({ ANTHROPIC_BASE_URL: "https://api.anthropic.com", ANTHROPIC_API_KEY: TOKEN })()).toEqual({ ANTHROPIC_BASE_URL: URL_ });
  // A provider without a token of the person's: Claude Code's own (Anthropic) login is all that goes.
  expect(pointed({}, { ANTHROPIC_BASE_URL: "https://api.moonshot.ai/anthropic" })()).toEqual({ ANTHROPIC_BASE_URL: URL_ });
  // The lab or a local router, whose token is the person's own local one.
  expect(pointed({ ANTHROPIC_API_KEY: TOKEN }, { ANTHROPIC_BASE_URL: "http://127.0.0.1:3456" })()).toEqual({ ANTHROPIC_BASE_URL: URL_ });
  expect(pointed({ ANTHROPIC_BASE_URL: URL_, ANTHROPIC_AUTH_TOKEN: TOKEN })()).toEqual({ ANTHROPIC_BASE_URL: URL_ });
});
