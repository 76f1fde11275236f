import { describe, expect, it } from "vitest";
import { cutToWidth, fitColumns, renderCsv, terminalSafe } from "./output.js";

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

describe("tables that fit", () => {
  const width = (s: string) => [...s].length;

  it("cuts text at the end or in the middle, never past the width", () => {
    expect(cutToWidth("f6c73187-5636-4a51", 10, "end", width)).toBe("f6c73187-…");
    expect(cutToWidth("/home/me/code/project", 12, "middle", width)).toBe("/home/…oject");
    expect(cutToWidth("short", 10, "middle", width)).toBe("short");
    expect(cutToWidth("\x1b[31mprefix changed\x1b[39m", 8, "end", width)).toBe("prefix …");
  });

  const columns = [
    { header: "Session", value: () => "", fit: "middle" as const, minWidth: 13 },
    { header: "Project", value: () => "" },
    { header: "Input", value: () => 0, align: "right" as const, hideOrder: 2 },
    { header: "Output", value: () => 0, align: "right" as const, hideOrder: 1 },
    { header: "Cost", value: () => 0, align: "right" as const },
  ];

  it("gives text columns way first, the widest first, down to their floor", () => {
    // 36 + 20 + 6 + 6 + 6 = 74 wide, plus 16 of borders: 90.
    const fit = fitColumns(columns, [36, 20, 6, 6, 6], [7, 7, 5, 6, 4], 80);
    expect(fit.hidden.size).toBe(0);
    expect(fit.widths).toEqual([26, 20, 6, 6, 6]);
    expect(fit.widths.reduce((a, b) => a + b, 0) + 16).toBe(80);
  });

  it("then hides columns by hideOrder, the highest first, and shows everything without a limit", () => {
    const fit = fitColumns(columns, [36, 20, 6, 6, 6], [7, 7, 5, 6, 4], 50);
    expect([...fit.hidden]).toEqual([2]);
    expect(fit.widths[0]! + fit.widths[1]! + 6 + 6 + 13).toBeLessThanOrEqual(50);
    expect(fitColumns(columns, [36, 20, 6, 6, 6], [7, 7, 5, 6, 4], undefined)).toEqual({
      widths: [36, 20, 6, 6, 6],
      hidden: new Set(),
      limit: undefined,
    });
  });
});
