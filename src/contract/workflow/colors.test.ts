import { describe, expect, it } from "vitest";
import { CLAUDE_COLORS, toClaudeColor } from "../../runtimes/claude/workflow/colors.js";
import { OPENCODE_THEME_COLORS, toOpencodeColor } from "../../runtimes/opencode/workflow/colors.js";

/** A third runtime's colour names, as any runtime declares them: what each shows. */
const OTHER = { teal: "#14b8a6" };

describe("agent colours", () => {
  it("become Claude Code's nearest name through the source runtime's palette", () => {
    expect(toClaudeColor("red", undefined)).toBe("red");
    expect(toClaudeColor("#ff8800", undefined)).toBe("orange");
    expect(toClaudeColor("info", OPENCODE_THEME_COLORS)).toBe("blue");
    expect(toClaudeColor("teal", OTHER)).toBe("cyan");
    expect(toClaudeColor("teal", undefined)).toBeUndefined();
  });

  it("go to OpenCode as hex, or as its own theme colour", () => {
    expect(toOpencodeColor("red", CLAUDE_COLORS)).toBe("#ef4444");
    expect(toOpencodeColor("teal", OTHER)).toBe("#14b8a6");
    expect(toOpencodeColor("accent", CLAUDE_COLORS)).toBe("accent");
    expect(toOpencodeColor("#123456", undefined)).toBe("#123456");
    expect(toOpencodeColor("mauve", CLAUDE_COLORS)).toBeUndefined();
  });

  it("never take an object's own machinery for a colour name", () => {
    for (const word of ["constructor", "toString", "__proto__"]) {
      expect(toClaudeColor(word, OPENCODE_THEME_COLORS)).toBeUndefined();
      expect(toOpencodeColor(word, CLAUDE_COLORS)).toBeUndefined();
    }
  });
});
