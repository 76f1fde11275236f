import { describe, expect, it } from "vitest";
import { terminalSafe } from "./output.js";

describe("terminalSafe", () => {
  it("removes every escape sequence and control character, and keeps the text", () => {
    const hostile = "Fix \x1b]0;owned\x07login\x1b[31m bug\x1b[0m \x1b]52;c;ZWNobyBoaQ==\x1b\\now\r\x08\x00\x9b2J\ttab\u200bok";
    expect(terminalSafe(hostile)).toBe("Fix login bug now tab\u200bok");
  });

  it("turns newlines into spaces, or keeps them when asked", () => {
    expect(terminalSafe("a\nb")).toBe("a b");
    expect(terminalSafe("a\nb\x1b[1m", { multiline: true })).toBe("a\nb");
  });

  it("leaves ordinary text, accents and emoji alone", () => {
    expect(terminalSafe("héllo → wörld ✓ 🎉")).toBe("héllo → wörld ✓ 🎉");
  });
});
