import { describe, expect, it } from "vitest";
import { centreWithin, fitText, textWidth } from "./text-width.js";

describe("text width", () => {
  it("adds up each character's advance at the font size", () => {
    // Digits are 0.64 em in DejaVu Sans, "$" too, "." 0.32 em.
    expect(textWidth("$0.30", 10)).toBeCloseTo(6.4 * 4 + 3.2, 6);
    expect(textWidth("", 11)).toBe(0);
    expect(textWidth("WWW", 10)).toBeGreaterThan(textWidth("iii", 10) * 3);
  });

  it("counts wide characters as a full em and more", () => {
    expect(textWidth("漢字", 10)).toBeCloseTo(22, 6);
    expect(textWidth("🙂", 10)).toBeCloseTo(11, 6);
  });
});

describe("fitting a label", () => {
  it("keeps a label that fits and cuts one that does not, ellipsis included in the width", () => {
    expect(fitText("claude", 12, 100)).toBe("claude");
    const cut = fitText("/home/someone/projects/a-very-long-project-name", 12, 120);
    expect(cut.endsWith("…")).toBe(true);
    expect(textWidth(cut, 12)).toBeLessThanOrEqual(120);
    expect("/home/someone/projects/a-very-long-project-name".startsWith(cut.slice(0, -1))).toBe(true);
  });

  it("gives nothing when not even one character and the ellipsis fit", () => {
    expect(fitText("claude", 12, 5)).toBe("");
  });
});

describe("placing a label between two edges", () => {
  it("moves a label inwards at either edge and leaves one in the middle where it is", () => {
    expect(centreWithin(5, 40, 0, 760)).toBe(20);
    expect(centreWithin(750, 40, 0, 760)).toBe(740);
    expect(centreWithin(300, 40, 0, 760)).toBe(300);
  });

  it("centres a label wider than the room", () => {
    expect(centreWithin(10, 900, 0, 760)).toBe(380);
  });
});
