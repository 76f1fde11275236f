import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyCredentials } from "./credentials.js";
import { fileTempDir } from "../../test/helpers.js";
import { loadRoutes, pickRoute } from "./routes.js";

const KEY = "sk-deepseek-route-key-1234";
const OAUTH = "Bearer sk-ant-oat01-subscription-token";

const dir = fileTempDir();
const routesFile = path.join(dir, "gateway-routes.jsonc");
fs.writeFileSync(
  routesFile,
  JSON.stringify({
    routes: [
      { name: "deepseek", models: ["deepseek-*"], baseUrl: "https://api.deepseek.com/anthropic", keyEnv: "DEEPSEEK_API_KEY" },
      { name: "kimi", models: ["kimi-*"], baseUrl: "https://api.moonshot.ai/anthropic", keyEnv: "KIMI_KEY", auth: "bearer" },
      { name: "local", models: ["local-*"], baseUrl: "http://127.0.0.1:11434" },
    ],
  }),
);
const table = loadRoutes({ file: routesFile });

function apply(model: string, headers: http.OutgoingHttpHeaders, env: NodeJS.ProcessEnv = {}) {
  const out = { ...headers };
  const refusal = applyCredentials({ route: pickRoute(table, model), headers: out, env });
  return { headers: out, refusal };
}

describe("credentials per route", () => {
  it("the default (Anthropic) route gets the client's own credentials unchanged, OAuth token included", () => {
    expect(apply("claude-opus-4-8", { "x-api-key": "sk-ant-api03-mine" })).toEqual({
      headers: { "x-api-key": "sk-ant-api03-mine" },
      refusal: null,
    });
    expect(apply("claude-opus-4-8", { authorization: OAUTH })).toEqual({ headers: { authorization: OAUTH }, refusal: null });
  });

  it("a provider's route drops the client's credentials and sends its key from the variable, read at request time", () => {
    const env: NodeJS.ProcessEnv = {};
    const client = { "x-api-key": "sk-ant-api03-mine", authorization: OAUTH, "anthropic-version": "2023-06-01" };
    expect(apply("deepseek-chat", client, env).refusal?.status).toBe(500);
    env.DEEPSEEK_API_KEY = KEY;
    expect(apply("deepseek-chat", client, env)).toEqual({
      headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01" },
      refusal: null,
    });
    expect(apply("kimi-k2", client, { KIMI_KEY: KEY }).headers).toEqual({
      authorization: `Bearer ${KEY}`,
      "anthropic-version": "2023-06-01",
    });
  });

  it("a missing key is refused naming the variable", () => {
    const { refusal } = apply("deepseek-chat", { "x-api-key": "sk-ant-api03-mine" }, { DEEPSEEK_API_KEY: "" });
    expect(refusal).toEqual({ status: 500, type: "api_error", message: expect.stringContaining("$DEEPSEEK_API_KEY, which is not set") });
  });

  it("an Anthropic credential is never relayed to a route without a key of its own", () => {
    const oauth = apply("local-llama", { authorization: OAUTH });
    expect(oauth.refusal).toEqual({
      status: 401,
      type: "authentication_error",
      message: expect.stringContaining("a Claude subscription (OAuth) token"),
    });
    expect(oauth.refusal!.message).toContain("127.0.0.1:11434, not Anthropic");
    expect(oauth.refusal!.message).not.toContain("sk-ant-oat01");
    expect(apply("local-llama", { "x-api-key": "sk-ant-api03-mine" }).refusal?.message).toContain("an Anthropic API key");
    // A credential that is not Anthropic's is the client's choice for that upstream.
    expect(apply("local-llama", { "x-api-key": "ollama" })).toEqual({ headers: { "x-api-key": "ollama" }, refusal: null });
  });

  it("the default upstream gets the client's credentials only on an Anthropic host or this machine", () => {
    const client = { "x-api-key": "sk-ant-api03-mine" };
    const viaDefault = (upstream: string, headers: http.OutgoingHttpHeaders) => {
      const out = { ...headers };
      const routes = loadRoutes({ file: path.join(dir, "none.jsonc"), upstream });
      return { headers: out, refusal: applyCredentials({ route: routes.default, headers: out, env: {} }) };
    };
    for (const upstream of [
      "https://api.anthropic.com",
      "https://eu.api.anthropic.com",
      "http://127.0.0.2:8080",
      "http://localhost:4000",
      "http://[::1]:9",
    ])
      expect(viaDefault(upstream, client)).toEqual({ headers: client, refusal: null });
    for (const upstream of ["https://api.deepseek.com/anthropic", "https://api.anthropic.com.example.net", "https://notanthropic.com"]) {
      const oauth = viaDefault(upstream, { authorization: OAUTH }).refusal;
      expect(oauth).toEqual({
        status: 401,
        type: "authentication_error",
        message: expect.stringContaining("a Claude subscription (OAuth) token"),
      });
      expect(oauth!.message).toContain(`the default upstream goes to ${new URL(upstream).host}, not Anthropic`);
      expect(oauth!.message).toContain('"keyEnv"');
      expect(viaDefault(upstream, client).refusal?.message).toContain("an Anthropic API key");
      expect(viaDefault(upstream, { "x-api-key": "sk-other-provider" }).refusal).toBeNull();
    }
  });
});
