import { expect, test } from "vitest";
import { opencodeGateway } from "./gateway.js";

const gateway = opencodeGateway.supported ? opencodeGateway : undefined;

test("the gateway becomes the anthropic provider's baseURL, merged into the inline config already there", () => {
  const url = "http://127.0.0.1:4100";
  expect(JSON.parse(gateway!.env({ url, env: {} }).OPENCODE_CONFIG_CONTENT!)).toEqual({
    provider: { anthropic: { options: { baseURL: `${url}/v1` } } },
  });
  // A session's plugin and the user's own provider settings (a key, another provider) are kept.
  const inline = {
    plugin: ["file:///state/quartet-state.js"],
    provider: { anthropic: { options: { apiKey: "{env:MY_KEY}", baseURL: "https://elsewhere" } }, deepseek: { name: "DS" } },
  };
  const merged = JSON.parse(gateway!.env({ url, env: { OPENCODE_CONFIG_CONTENT: JSON.stringify(inline) } }).OPENCODE_CONFIG_CONTENT!);
  expect(merged).toEqual({
    plugin: ["file:///state/quartet-state.js"],
    provider: { anthropic: { options: { apiKey: "{env:MY_KEY}", baseURL: `${url}/v1` } }, deepseek: { name: "DS" } },
  });
  expect(gateway!.userAgent.test("opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14")).toBe(true);
  expect(gateway!.userAgent.test("claude-cli/2.1.197 (external, sdk-cli)")).toBe(false);
});
