import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { InputError } from "./errors.js";
import { PRICE_TABLE } from "./price-table.js";
import { buildPricing, loadPricing, modelKeys, requestCost, userPricing } from "./pricing.js";

const pricing = buildPricing(PRICE_TABLE);
const at = (day: string) => Date.parse(`${day}T12:00:00Z`);
const zero = { input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };

function cost(model: string, day: string, tokens: Partial<typeof zero>, speed?: string) {
  const row = pricing.lookup(model, at(day));
  if (!row) throw new Error(`no price for ${model}`);
  return requestCost(row, { ...zero, ...tokens }, speed);
}

describe("model lookup", () => {
  it.each([
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
    ["anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"],
    ["openrouter/anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"],
    ["us.anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1"],
    ["claude-opus-4-8[1m]", "claude-opus-4-8"],
    ["claude-sonnet-4-5@20250929", "claude-sonnet-4-5"],
    ["gpt-5.1-codex", "gpt-5.1-codex"],
    ["deepseek/deepseek-chat", "deepseek-chat"],
    ["kimi-for-coding/k2p5", "kimi-k2.5"],
  ])("finds %s as %s", (id, model) => {
    expect(pricing.lookup(id, at("2026-10-01"))?.model).toBe(model);
  });

  it("returns nothing for a model it does not know", () => {
    expect(pricing.lookup("mystery-model-9", at("2026-10-01"))).toBeUndefined();
    expect(modelKeys("Mystery-Model-9")).toContain("mystery-model-9");
  });

  it("picks the price period in force on the request's day", () => {
    expect(pricing.lookup("deepseek-chat", at("2025-06-01"))?.input).toBe(0.27);
    expect(pricing.lookup("deepseek-chat", at("2025-09-10"))?.input).toBe(0.56);
    expect(pricing.lookup("deepseek-chat", at("2025-10-01"))?.input).toBe(0.28);
    expect(pricing.lookup("deepseek-chat", at("2026-05-01"))?.input).toBe(0.14);
  });
});

describe("request cost", () => {
  it("prices each kind of token at its own rate (Sonnet 4.5: 3 / 15 / 3.75 / 6 / 0.30 per MTok)", () => {
    // 1000×3 + 500×15 + 2000×3.75 + 1000×6 + 10000×0.30 = 27,000 µ$ per M → $0.027
    expect(
      cost("claude-sonnet-4-5-20250929", "2026-10-01", {
        input: 1000,
        output: 500,
        cacheWrite5m: 2000,
        cacheWrite1h: 1000,
        cacheRead: 10000,
      }),
    ).toBeCloseTo(0.027, 9);
  });

  it("bills the whole request at the long-context rate once the prompt is over 200k", () => {
    // prompt 50k + 160k = 210k > 200k: 50000×6 + 160000×0.60 + 1000×22.50 = 418,500 → $0.4185
    expect(cost("claude-sonnet-4-5", "2026-10-01", { input: 50_000, cacheRead: 160_000, output: 1000 })).toBeCloseTo(0.4185, 9);
    // exactly 200k is not over: 40000×3 + 160000×0.30 + 1000×15 = 183,000 → $0.183
    expect(cost("claude-sonnet-4-5", "2026-10-01", { input: 40_000, cacheRead: 160_000, output: 1000 })).toBeCloseTo(0.183, 9);
  });

  it("applies Opus 4.6's long-context premium only before 1M context went GA at standard rates", () => {
    const tokens = { input: 250_000, output: 1000 };
    expect(cost("claude-opus-4-6", "2026-03-01", tokens)).toBeCloseTo((250_000 * 10 + 1000 * 37.5) / 1e6, 9);
    expect(cost("claude-opus-4-6", "2026-04-01", tokens)).toBeCloseTo((250_000 * 5 + 1000 * 25) / 1e6, 9);
  });

  it("multiplies fast-mode requests by the model's fast multiplier", () => {
    const normal = cost("claude-opus-4-8", "2026-10-01", { input: 1000, output: 1000 });
    expect(cost("claude-opus-4-8", "2026-10-01", { input: 1000, output: 1000 }, "fast")).toBeCloseTo(normal * 2, 12);
    expect(cost("claude-opus-4-6", "2026-10-01", { input: 1000, output: 1000 }, "fast")).toBeCloseTo(
      ((1000 * 5 + 1000 * 25) / 1e6) * 6,
      12,
    );
  });

  it("prices cached input at the discounted read rate for OpenAI models", () => {
    // gpt-5: 1000×1.25 + 1000×0.125 + 100×10 = 2,375 → $0.002375
    expect(cost("gpt-5", "2026-10-01", { input: 1000, cacheRead: 1000, output: 100 })).toBeCloseTo(0.002375, 12);
  });

  it("prices Qwen by the input-length tier the request falls in", () => {
    expect(cost("qwen3-coder-plus", "2026-10-01", { input: 40_000, output: 1000 })).toBeCloseTo((40_000 * 1.8 + 1000 * 9) / 1e6, 12);
    expect(cost("qwen3-coder-plus", "2026-10-01", { input: 20_000, output: 1000 })).toBeCloseTo((20_000 * 1 + 1000 * 5) / 1e6, 12);
  });
});

describe("the built-in table", () => {
  it("gives every row a source, an ISO effective date and non-negative prices", () => {
    for (const row of PRICE_TABLE) {
      expect(row.source.length, row.model).toBeGreaterThan(10);
      expect(row.from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const v of [row.input, row.output, row.cacheRead ?? 0, row.cacheWrite5m ?? 0, row.cacheWrite1h ?? 0])
        expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  it("has one row per model and effective date", () => {
    const keys = PRICE_TABLE.map((r) => `${r.model}@${r.from}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("covers the Claude 4.x families, Codex's GPT models and the open models OpenCode users route to", () => {
    for (const model of [
      "claude-opus-4-8",
      "claude-sonnet-4-6",
      "claude-haiku-4-5",
      "gpt-5-codex",
      "gpt-5.3-codex",
      "deepseek-chat",
      "kimi-k2-thinking",
      "glm-4.6",
      "qwen3-coder-plus",
    ]) {
      expect(pricing.lookup(model, at("2026-10-01")), model).toBeDefined();
    }
  });
});

describe("the override file", () => {
  const row = {
    model: "mystery-model-9",
    provider: "acme",
    from: "2026-01-01",
    input: 1,
    output: 2,
    cacheWrite5m: null,
    cacheWrite1h: null,
    cacheRead: 0.1,
    source: "our contract",
  };

  it("adds models and replaces built-in prices, and changes the fingerprint", async () => {
    const file = path.join(tempDir(), "pricing.json");
    fs.writeFileSync(file, JSON.stringify([row, { ...row, model: "claude-opus-4-8", input: 4 }]));
    const custom = await loadPricing({ overrideFile: file });
    expect(custom.lookup("mystery-model-9", at("2026-10-01"))?.input).toBe(1);
    expect(custom.lookup("claude-opus-4-8", at("2026-10-01"))?.input).toBe(4);
    expect(custom.fingerprint).not.toBe(pricing.fingerprint);
  });

  it("accepts comments and the { models: [...] } form", async () => {
    const file = path.join(tempDir(), "pricing.json");
    fs.writeFileSync(file, `// our negotiated prices\n{ "models": [${JSON.stringify(row)}] }`);
    expect((await loadPricing({ overrideFile: file })).lookup("mystery-model-9", at("2026-10-01"))).toBeDefined();
  });

  it("names the line and field of an invalid row", async () => {
    const file = path.join(tempDir(), "pricing.json");
    fs.writeFileSync(file, `[\n  ${JSON.stringify(row)},\n  ${JSON.stringify({ ...row, input: -1 })}\n]\n`);
    const error = await loadPricing({ overrideFile: file }).catch((e: unknown) => e);
    expect(InputError.isInstance(error)).toBe(true);
    expect((error as InstanceType<typeof InputError>).data).toMatchObject({ file, line: 3, field: "[1].input" });
  });

  it.each([
    [
      "a wrong type in the { models } form",
      `{\n  // ours\n  "models": [\n    { "input": "3" }\n  ]\n}`,
      4,
      "models[0].input",
      /expected number, received string/,
    ],
    ["a missing field", `[\n  {\n    "model": "x"\n  }\n]`, 2, "[0].input", /missing/],
    ["an unknown field", `[\n  ${JSON.stringify(row)}\n]`.replace(/}\n]$/, ',\n  "typo": 1}\n]'), 3, "[0].typo", /Unrecognized key/],
  ])("points at %s by line and field", async (_, text, line, field, message) => {
    const file = path.join(tempDir(), "pricing.json");
    fs.writeFileSync(file, text);
    const error = await loadPricing({ overrideFile: file }).catch((e: unknown) => e);
    expect((error as InstanceType<typeof InputError>).data).toMatchObject({ file, line, field });
    expect((error as Error).message).toMatch(message);
  });

  it("names the line of broken JSON", async () => {
    const file = path.join(tempDir(), "pricing.json");
    fs.writeFileSync(file, `[\n  {"model": "x",\n  oops\n]`);
    const error = await loadPricing({ overrideFile: file }).catch((e: unknown) => e);
    expect((error as InstanceType<typeof InputError>).data).toMatchObject({ file, line: 3 });
  });

  it("is optional unless asked for explicitly", async () => {
    const missing = path.join(tempDir(), "none.json");
    expect((await loadPricing({ overrideFile: missing })).fingerprint).toBe(pricing.fingerprint);
    await expect(loadPricing({ overrideFile: missing, required: true })).rejects.toThrow(/cannot read/);
  });
});

describe("the override every command uses (userPricing)", () => {
  const row = (input: number) => ({
    model: "mystery-model-9",
    provider: "us",
    from: "2026-01-01",
    input,
    output: 2,
    cacheWrite5m: null,
    cacheWrite1h: null,
    cacheRead: 0.1,
    source: "our contract",
  });
  const priceFile = (input: number) => {
    const file = path.join(tempDir(), "pricing.json");
    fs.writeFileSync(file, JSON.stringify([row(input)]));
    return file;
  };
  const inputPrice = async (flag: string | undefined, env: NodeJS.ProcessEnv) =>
    (await userPricing(flag, env)).lookup("mystery-model-9", at("2026-10-01"))?.input;

  it("takes --pricing, else $QUARTET_PRICING, else pricing.json in quartet's config folder", async () => {
    const home = tempDir();
    fs.writeFileSync(path.join(home, "pricing.json"), JSON.stringify([row(3)]));
    const env = { QUARTET_HOME: home, QUARTET_PRICING: priceFile(2) };
    expect(await inputPrice(priceFile(1), env)).toBe(1);
    expect(await inputPrice(undefined, env)).toBe(2);
    expect(await inputPrice(undefined, { QUARTET_HOME: home, QUARTET_PRICING: "" })).toBe(3);
    expect((await userPricing(undefined, { QUARTET_HOME: home })).overrideFile).toBe(path.join(home, "pricing.json"));
  });

  it("requires a file the person named, and reads the default one only when it exists", async () => {
    const home = tempDir();
    const missing = path.join(home, "typo.json");
    const builtIn = buildPricing(PRICE_TABLE).fingerprint;
    const fallback = await userPricing(undefined, { QUARTET_HOME: home });
    expect([fallback.fingerprint, fallback.overrideFile]).toEqual([builtIn, path.join(home, "pricing.json")]);
    await expect(userPricing(missing, { QUARTET_HOME: home })).rejects.toThrow(/cannot read the pricing override/);
    await expect(userPricing(undefined, { QUARTET_HOME: home, QUARTET_PRICING: missing })).rejects.toThrow(
      /cannot read the pricing override/,
    );
  });
});
