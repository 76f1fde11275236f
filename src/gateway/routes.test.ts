import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.js";
import { tempDir } from "../../test/helpers.js";
import { loadRoutes, parseRoutes, pickRoute, upstreamUrl } from "./routes.js";

const FILE = "/cfg/gateway-routes.jsonc";

/** The error a routes text gets, as `file:line: message` (the message leads with the field). */
function problem(text: string): string {
  try {
    parseRoutes(text, FILE);
  } catch (e) {
    if (!InputError.isInstance(e)) throw e;
    const d = e.data as { file: string; line?: number; field?: string };
    expect(e.message.startsWith(`${d.field}: `) || d.field === undefined).toBe(true);
    return `${d.file}:${d.line}: ${e.message}`;
  }
  return "no error";
}

describe("routes file", () => {
  it("reads the documented shape, comments and trailing commas included, and routes by the first matching glob", () => {
    const dir = tempDir();
    const file = path.join(dir, "gateway-routes.jsonc");
    fs.writeFileSync(
      file,
      `{
  // Anthropic for Claude models
  "default": { "baseUrl": "https://api.anthropic.com" },
  "routes": [
    { "name": "deepseek", "models": ["deepseek-*"], "baseUrl": "https://api.deepseek.com/anthropic", "keyEnv": "DEEPSEEK_API_KEY" },
    { "name": "kimi", "models": ["kimi-*", "deepseek-chat"], "baseUrl": "https://api.moonshot.ai/anthropic/", "keyEnv": "MOONSHOT_API_KEY", "auth": "bearer" },
  ],
}`,
    );
    const table = loadRoutes({ file });
    expect(table.file).toBe(file);
    expect(pickRoute(table, "deepseek-chat").name).toBe("deepseek");
    expect(pickRoute(table, "deepseek-chat").auth).toBe("x-api-key");
    expect(pickRoute(table, "kimi-k2").auth).toBe("bearer");
    expect(pickRoute(table, "claude-opus-4-8").name).toBe("default");
    expect(pickRoute(table, null).isDefault).toBe(true);
    expect(upstreamUrl(pickRoute(table, "deepseek-chat"), "/v1/messages?beta=true").href).toBe(
      "https://api.deepseek.com/anthropic/v1/messages?beta=true",
    );
    expect(upstreamUrl(pickRoute(table, "kimi-k2"), "/v1/messages/count_tokens").href).toBe(
      "https://api.moonshot.ai/anthropic/v1/messages/count_tokens",
    );
    expect(upstreamUrl(table.default, "/").href).toBe("https://api.anthropic.com/");
  });

  it("a model glob's * matches any characters, '/' included; ? one; the rest literally and case-sensitively", () => {
    const file = path.join(tempDir(), "gateway-routes.jsonc");
    const route = { baseUrl: "https://openrouter.ai/api", keyEnv: "OR_KEY" };
    fs.writeFileSync(
      file,
      JSON.stringify({
        routes: [
          { name: "or", models: ["*kimi*", "qwen*", "glm-4.?"], ...route },
          { name: "all", models: ["x*"], ...route },
        ],
      }),
    );
    const table = loadRoutes({ file });
    const name = (model: string) => pickRoute(table, model).name;
    expect(["moonshotai/kimi-k2", "kimi-k2", "qwen/qwen3-coder", "glm-4.5"].map(name)).toEqual(["or", "or", "or", "or"]);
    expect(["Qwen3-Coder", "glm-4x5", "glm-4.55", "claude-opus-4-8"].map(name)).toEqual(["default", "default", "default", "default"]);
    expect(name("x/y\nz")).toBe("all");
  });

  it("no file sends everything to Anthropic; --upstream replaces the default's base URL", () => {
    const missing = path.join(tempDir(), "none.jsonc");
    expect(loadRoutes({ file: missing }).default.baseUrl.href).toBe("https://api.anthropic.com/");
    expect(loadRoutes({ file: missing }).file).toBeNull();
    expect(loadRoutes({ file: missing, upstream: "http://127.0.0.1:9/lab" }).default.baseUrl.href).toBe("http://127.0.0.1:9/lab");
    expect(() => loadRoutes({ file: missing, required: true })).toThrow(/routes file not found/);
    expect(() => loadRoutes({ file: missing, upstream: "localhost:9" })).toThrow(/--upstream: expected an http/);
  });

  it("names the file, the line and the field of each problem", () => {
    expect(problem(`{\n  "routes": [\n    { "name": "x", "models": [], "baseUrl": "https://x.example" }\n  ]\n}`)).toBe(
      `${FILE}:3: routes.0.models: expected at least one model glob`,
    );
    expect(problem(`{\n  "routes": [\n    { "name": "x", "models": ["a"],\n      "baseUrl": "ftp://x.example" }\n  ]\n}`)).toBe(
      `${FILE}:4: routes.0.baseUrl: expected an http:// or https:// URL`,
    );
    expect(
      problem(`{\n  "routes": [\n    { "name": "x", "models": ["a"], "baseUrl": "https://x.example",\n      "keyenv": "K" }\n  ]\n}`),
    ).toBe(`${FILE}:4: routes.0.keyenv: unknown key`);
    expect(problem(`{\n  "default": { "baseUrl": "https://a.example" },\n  "routs": []\n}`)).toBe(`${FILE}:3: routs: unknown key`);
    expect(
      problem(`{\n  "routes": [\n    { "name": "x", "models": ["a"], "baseUrl": "https://x.example", "auth": "basic" }\n  ]\n}`),
    ).toMatch(new RegExp(`^${FILE}:3: routes\\.0\\.auth: `));
    expect(
      problem(
        `{ "routes": [\n  { "name": "x", "models": ["a"], "baseUrl": "https://a.example" },\n  { "name": "x", "models": ["b"], "baseUrl": "https://b.example" }\n] }`,
      ),
    ).toBe(`${FILE}:3: routes.1.name: route "x" is named twice`);
    expect(problem(`{\n  "routes": [ { "name": "default", "models": ["a"], "baseUrl": "https://a.example" } ]\n}`)).toMatch(
      /:2: routes\.0\.name: .*default upstream/,
    );
    expect(problem(`{\n  "routes": [ { "models": ["a"], "baseUrl": "https://a.example" } ]\n}`)).toMatch(/:2: routes\.0\.name: /);
    expect(problem(`{\n  "routes": [\n}`)).toMatch(new RegExp(`^${FILE}:3: invalid JSON`));
  });
});
