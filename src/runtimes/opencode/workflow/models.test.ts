import { describe, expect, it } from "vitest";
import { ALIAS_TABLE, toOpencodeModel } from "./models.js";

describe("models to OpenCode", () => {
  it("pins Claude Code aliases to the ids 2.1.197 resolves them to, and keeps ids", () => {
    expect(toOpencodeModel({ alias: "sonnet" }, {})).toMatchObject({ ok: true, value: "anthropic/claude-sonnet-5" });
    expect(toOpencodeModel({ alias: "opusplan" }, {})).toMatchObject({
      ok: true,
      value: "anthropic/claude-sonnet-5",
      lossy: expect.stringMatching(/Opus while planning/),
    });
    expect(toOpencodeModel({ provider: "anthropic", id: "claude-opus-4-8" }, {})).toEqual({
      ok: true,
      value: "anthropic/claude-opus-4-8",
    });
    expect(toOpencodeModel({ provider: "anthropic", id: "claude-3-opus" }, {})).toMatchObject({
      warning: expect.stringMatching(/not in opencode 1\.18\.33's model list/),
    });
    expect(toOpencodeModel({ alias: "mystery" }, {})).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/--model mystery=provider\/id/),
    });
  });

  it("lets the person's aliases (port settings) come before the table", () => {
    expect(toOpencodeModel({ alias: "sonnet" }, { sonnet: "acme/s-1" })).toMatchObject({ ok: true, value: "acme/s-1" });
    expect(toOpencodeModel({ alias: "opus" }, { sonnet: "acme/s-1" })).toMatchObject({ ok: true, value: ALIAS_TABLE.opus });
  });
});
