import { describe, expect, it } from "vitest";
import { horizontalBars, lineChart, mixColor, stackedBars } from "./svg-chart.js";
import { textWidth } from "./text-width.js";

/** Each <text> of a chart with its horizontal extent, worked out as a browser lays it out (anchor and size). */
function texts(svg: string): { text: string; left: number; right: number; cls: string }[] {
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, "&");
  return [...svg.matchAll(/<text ([^>]*)>(.*?)<\/text>/g)]
    .filter(([, attrs]) => !attrs!.includes("rotate("))
    .map(([, attrs, body]) => {
      const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(attrs!)?.[1];
      const text = unescape(body!.replace(/<title>.*?<\/title>/, ""));
      const width = textWidth(text, Number(attr("font-size")));
      const x = Number(attr("x"));
      const anchor = attr("text-anchor") ?? "start";
      const left = anchor === "end" ? x - width : anchor === "middle" ? x - width / 2 : x;
      return { text, left, right: left + width, cls: attr("class") ?? "" };
    });
}

const viewWidth = (svg: string) => Number(/viewBox="0 0 (\d+) /.exec(svg)![1]);
const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10));

function expectInside(svg: string): void {
  for (const t of texts(svg)) {
    expect(t.left, t.text).toBeGreaterThanOrEqual(0);
    expect(t.right, t.text).toBeLessThanOrEqual(viewWidth(svg));
  }
}

describe("labels inside the canvas", () => {
  it("keeps every day label of a long axis inside, none overlapping, with a tick for every day", () => {
    // 61 days put the last label of the old layout 8 units past the right edge.
    const categories = days(61);
    const svg = stackedBars({
      label: "cost",
      categories,
      series: [{ name: "claude", color: "#d97757", values: categories.map((_, i) => (i % 7 === 3 ? null : i)) }],
      yFormat: (v) => `$${v.toFixed(2)}`,
      xTitle: "day",
      yTitle: "cost",
    });
    expectInside(svg);
    const labels = texts(svg).filter((t) => t.cls === "x-label");
    expect(labels.length).toBeGreaterThan(5);
    for (let i = 1; i < labels.length; i++) expect(labels[i]!.left).toBeGreaterThan(labels[i - 1]!.right);
    expect(svg.match(/class="x-tick"/g)).toHaveLength(61);
  });

  it("makes the left margin as wide as the widest y label", () => {
    const svg = lineChart({
      label: "big",
      categories: ["a", "b"],
      series: [{ name: "claude", color: "#d97757", values: [12_345.67, 99_999] }],
      yFormat: (v) => `$${v.toLocaleString("en-US", { minimumFractionDigits: 2 })}`,
    });
    expectInside(svg);
    expect(texts(svg).filter((t) => t.cls === "y-label")).toHaveLength(5);
  });

  it("ends the longest bar's value before the right edge, and cuts a long name with its whole name in the tooltip", () => {
    const name = "a cache break whose cause has a very long name indeed, longer than any column";
    const svg = horizontalBars({
      label: "cost",
      items: [
        { label: "claude", value: 123.4567, note: "hit rate 91.4% · 3 breaks", color: "#d97757" },
        { label: name, value: 0.08, note: "hit rate 93.0%" },
      ],
      format: (v) => `$${v.toFixed(4)}`,
    });
    expectInside(svg);
    expect(svg).toContain("$123.4567 · hit rate 91.4% · 3 breaks</text>");
    expect(svg).toContain(`<title>${name}</title>`);
    expect(texts(svg).some((t) => t.text.endsWith("…"))).toBe(true);
    expect(svg).toContain('fill="#d97757"');
  });

  it("wraps a long legend onto more rows inside the width, and makes the chart taller for it", () => {
    const series = [
      "claude",
      "opencode",
      "codex",
      "a runtime with a rather long name",
      "another runtime with an even longer name",
      "and one more runtime",
    ].map((name) => ({ name, color: "#4b6fd6", values: [1, 2] }));
    const one = stackedBars({ label: "x", categories: ["a", "b"], series: series.slice(0, 1), yFormat: String });
    const many = stackedBars({ label: "x", categories: ["a", "b"], series, yFormat: String });
    expectInside(many);
    const height = (svg: string) => Number(/viewBox="0 0 \d+ (\d+)"/.exec(svg)![1]);
    expect(height(many)).toBeGreaterThan(height(one));
  });

  it("escapes names and marks every bar with its series", () => {
    const svg = stackedBars({
      label: "<x>",
      categories: ["<a>"],
      series: [{ name: `"bad" <runtime>`, color: "#000000", values: [1] }],
      yFormat: String,
    });
    expect(svg).not.toMatch(/<a>|<runtime>|<x>/);
    expect(svg).toContain('data-series="&quot;bad&quot; &lt;runtime&gt;"');
  });
});

describe("tints and shades", () => {
  it("moves each channel the given fraction of the way to the other colour", () => {
    expect(mixColor("#d97757", "#000000", 0.5)).toBe("#6d3c2c");
    expect(mixColor("#d97757", "#ffffff", 0)).toBe("#d97757");
    expect(mixColor("#d97757", "#ffffff", 1)).toBe("#ffffff");
  });
});
