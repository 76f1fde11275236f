import { describe, expect, it } from "vitest";
import { readClaudeModel, toClaudeModel } from "./models.js";

describe("models to Claude Code", () => {
  it("maps only Anthropic models to Claude Code", () => {
    expect(readClaudeModel("inherit")).toBeUndefined();
    expect(toClaudeModel({ provider: "anthropic", id: "claude-haiku-4-5" })).toEqual({ ok: true, value: "claude-haiku-4-5" });
    expect(toClaudeModel({ provider: "openai", id: "gpt-5" })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no Claude Code equivalent/),
    });
  });
});
