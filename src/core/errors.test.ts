import { describe, expect, it } from "vitest";
import { errorMessage, InputError, NamedError, UsageError } from "./errors.js";

describe("NamedError", () => {
  it("is recognised when another copy of this module made it (the status line's file and the main build)", async () => {
    // A second instance of the module, as a separately bundled file has.
    const copy = new URL("./errors.ts?copy", import.meta.url).href;
    const other = (await import(/* @vite-ignore */ copy)) as typeof import("./errors.js");
    expect(other.NamedError).not.toBe(NamedError);
    const e = new other.InputError({ message: "models: missing", file: "/p/pricing.json", line: 1 });
    expect(e instanceof NamedError).toBe(true);
    expect(errorMessage(e)).toBe("/p/pricing.json:1: models: missing");
  });

  it("keeps subclasses apart", () => {
    const usage = new UsageError("bad flag");
    expect(usage instanceof NamedError).toBe(true);
    expect(usage instanceof UsageError).toBe(true);
    expect(new InputError({ message: "x", file: "f" }) instanceof UsageError).toBe(false);
    expect(InputError.isInstance(usage)).toBe(false);
    expect(new Error("plain") instanceof NamedError).toBe(false);
    expect((null as unknown as object) instanceof NamedError).toBe(false);
    expect({ name: "UsageError" } instanceof NamedError).toBe(false);
  });
});
