import { describe, expect, it } from "vitest";
import { renderCsv, terminalSafe } from "./output.js";

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

describe("renderCsv", () => {
  it("rounds fractional numbers as JSON does, keeps integers and quotes text that needs it", () => {
    const rows = [{ cost: 0.1 + 0.07471894999999998, n: 12345678901, name: 'a, "b"' }];
    const csv = renderCsv(rows, [
      { header: "Cost", value: (r) => r.cost },
      { header: "N", value: (r) => r.n },
      { header: "Name", value: (r) => r.name },
    ]);
    expect(csv).toBe('Cost,N,Name\n0.174719,12345678901,"a, ""b"""\n');
  });
});
