/**
 * Static SVG charts for self-contained, offline HTML (no script, no CDN): stacked bars, lines and
 * horizontal bars, with axes, axis titles, a legend and native tooltips (<title>). Every label is escaped.
 *
 * Every label also stays inside the canvas, wherever the page is opened: margins are reserved from the
 * widths of the labels they hold (measured by core/text-width.ts), axis labels are thinned so they never
 * overlap and moved inwards at the edges, and a name too long for its place is cut with an ellipsis (the
 * tooltip keeps it whole). Marks carry `data-series` with their series' name.
 */
import { centreWithin, fitText, textWidth } from "./text-width.js";

export interface Series {
  name: string;
  color: string;
  /** One value per category; null leaves a gap (lines) or nothing (bars). */
  values: (number | null)[];
}

/** Titles of the axes: what the x axis counts and what the y axis measures. */
export interface AxisTitles {
  xTitle?: string;
  yTitle?: string;
}

interface CategoryChart extends AxisTitles {
  label: string;
  categories: readonly string[];
  series: readonly Series[];
  yFormat: (v: number) => string;
  /**
   * The largest value the y axis must hold (default: this chart's largest), rounded up to a round number:
   * charts meant to be compared side by side share one.
   */
  yMax?: number;
  /** What a category is called in a tooltip (default: its axis label). */
  tooltip?: (categoryIndex: number) => string;
}

const W = 760;
const PLOT_H = 196;
const FONT = 11;
const LINE = 16;
const GAP = 6;
/** Room above the plot for the top y label, which is centred on the top grid line. */
const TOP = 10;
const RIGHT = 12;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** `color` (#rrggbb) moved a fraction `t` of the way towards `other`: tints and shades of one colour. */
export function mixColor(color: string, other: string, t: number): string {
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const [a, b] = [rgb(color), rgb(other)];
  return `#${a
    .map((v, i) =>
      Math.round(v + (b[i]! - v) * t)
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= max) return m * exp;
  return 10 * exp;
}

const text = (x: number, y: number, s: string, attrs = "") =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${FONT}"${attrs}>${escapeHtml(s)}</text>`;

/** Where the plot sits in a category chart, and the axes, titles and legend drawn around it. */
interface Frame {
  slot: number;
  /** The y of a value. */
  y(v: number): number;
  /** The x of a category's centre. */
  x(i: number): number;
  height: number;
  decorations: string;
}

function frame(o: CategoryChart, yMax: number): Frame {
  const yLabels = [0, 1, 2, 3, 4].map((i) => o.yFormat((yMax * i) / 4));
  const left = GAP + (o.yTitle ? LINE : 0) + Math.max(...yLabels.map((l) => textWidth(l, FONT))) + GAP;
  const plotW = W - left - RIGHT;
  const bottom = TOP + PLOT_H;
  const slot = plotW / Math.max(1, o.categories.length);
  const x = (i: number) => left + slot * (i + 0.5);
  const parts: string[] = [];
  yLabels.forEach((l, i) => {
    const y = bottom - (PLOT_H * i) / 4;
    parts.push(`<line x1="${left}" x2="${W - RIGHT}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    parts.push(text(left - GAP, y + 4, l, ' text-anchor="end" fill="#555" class="y-label"'));
  });
  if (o.yTitle) {
    const title = fitText(o.yTitle, FONT, PLOT_H);
    parts.push(
      `<text transform="translate(${GAP + FONT},${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle" font-size="${FONT}" fill="#555" class="y-title">${escapeHtml(title)}</text>`,
    );
  }
  // A tick per category, so a stretch with nothing in it still shows its slots; labels where they fit.
  if (slot >= 3)
    o.categories.forEach((_, i) =>
      parts.push(`<line x1="${x(i).toFixed(1)}" x2="${x(i).toFixed(1)}" y1="${bottom}" y2="${bottom + 4}" stroke="#999" class="x-tick"/>`),
    );
  parts.push(...xLabels(o.categories, x, slot, bottom + 4 + FONT + 2));
  let y = bottom + 4 + FONT + 2;
  if (o.xTitle) {
    y += LINE;
    parts.push(text(left + plotW / 2, y, fitText(o.xTitle, FONT, plotW), ' text-anchor="middle" fill="#555" class="x-title"'));
  }
  const { svg: legendSvg, height: legendH } = legend(o.series, left, y + GAP);
  parts.push(legendSvg);
  return { slot, x, y: (v) => bottom - (PLOT_H * v) / yMax, height: y + GAP + legendH + GAP, decorations: parts.join("") };
}

/** The category labels that fit: every `step`th one, none overlapping another or crossing an edge. */
function xLabels(categories: readonly string[], x: (i: number) => number, slot: number, baseline: number): string[] {
  const widest = Math.max(0, ...categories.map((c) => textWidth(c, FONT)));
  const step = Math.max(1, Math.ceil((widest + GAP) / slot));
  const out: string[] = [];
  let lastRight = -Infinity;
  for (let i = 0; i < categories.length; i += step) {
    const label = fitText(categories[i]!, FONT, W - 2);
    const width = textWidth(label, FONT);
    const cx = centreWithin(x(i), width, 1, W - 1);
    if (cx - width / 2 < lastRight + GAP) continue;
    lastRight = cx + width / 2;
    out.push(text(cx, baseline, label, ' text-anchor="middle" fill="#555" class="x-label"'));
  }
  return out;
}

/** Legend items left to right from `left`, wrapping onto new rows at the right edge. */
function legend(series: readonly Series[], left: number, top: number): { svg: string; height: number } {
  if (series.length === 0) return { svg: "", height: 0 };
  const parts: string[] = [];
  let [x, row] = [left, 0];
  for (const s of series) {
    const name = fitText(s.name, FONT, W - left - RIGHT - 14);
    const width = 14 + textWidth(name, FONT) + 2 * GAP;
    if (x > left && x + width > W - RIGHT) [x, row] = [left, row + 1];
    const y = top + row * LINE;
    parts.push(
      `<g class="legend" data-series="${escapeHtml(s.name)}"><rect x="${x.toFixed(1)}" y="${y}" width="10" height="10" fill="${s.color}"/>` +
        text(x + 14, y + 9, name) +
        "</g>",
    );
    x += width;
  }
  return { svg: parts.join(""), height: (row + 1) * LINE };
}

function svg(body: string, label: string, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${Math.ceil(height)}" role="img" aria-label="${escapeHtml(label)}" class="chart">${body}</svg>`;
}

const tip = (o: CategoryChart, i: number, s: Series, v: number) =>
  `<title>${escapeHtml(`${o.tooltip ? o.tooltip(i) : o.categories[i]} · ${s.name}: ${o.yFormat(v)}`)}</title>`;

export function stackedBars(o: CategoryChart): string {
  const totals = o.categories.map((_, i) => o.series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const f = frame(o, niceMax(o.yMax ?? Math.max(0, ...totals)));
  // A few categories would otherwise get bars as wide as the chart.
  const barW = Math.min(48, Math.max(1, f.slot * 0.7));
  const bars: string[] = [];
  o.categories.forEach((_, i) => {
    let top = f.y(0);
    for (const s of o.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const h = f.y(0) - f.y(v);
      top -= h;
      bars.push(
        `<rect x="${(f.x(i) - barW / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}" data-series="${escapeHtml(s.name)}">${tip(o, i, s, v)}</rect>`,
      );
    }
  });
  return svg(f.decorations + bars.join(""), o.label, f.height);
}

export function lineChart(o: CategoryChart): string {
  const f = frame(o, niceMax(o.yMax ?? Math.max(0, ...o.series.flatMap((s) => s.values.map((v) => v ?? 0)))));
  const marks: string[] = [];
  for (const s of o.series) {
    let d = "";
    let pen = false;
    const points: string[] = [];
    s.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${f.x(i).toFixed(1)},${f.y(v).toFixed(1)} `;
      pen = true;
      points.push(
        `<circle cx="${f.x(i).toFixed(1)}" cy="${f.y(v).toFixed(1)}" r="3" fill="${s.color}" data-series="${escapeHtml(s.name)}">${tip(o, i, s, v)}</circle>`,
      );
    });
    if (d) marks.push(`<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="2" data-series="${escapeHtml(s.name)}"/>`);
    marks.push(...points);
  }
  return svg(f.decorations + marks.join(""), o.label, f.height);
}

/**
 * One bar per item with its name on the left and its value (and note) right after the bar. The name column
 * is as wide as the longest name (at most 30% of the chart) and the right margin as wide as the longest
 * value, so the longest bar's value still ends inside the canvas.
 */
export function horizontalBars(o: {
  label: string;
  items: readonly { label: string; value: number; note?: string; color?: string }[];
  /** For the items without a colour of their own. */
  color?: string;
  format: (v: number) => string;
}): string {
  const font = 12;
  const rowH = 28;
  const height = Math.max(1, o.items.length) * rowH + 16;
  const names = o.items.map((i) => i.label);
  const values = o.items.map((i) => o.format(i.value) + (i.note ? ` · ${i.note}` : ""));
  const nameW = Math.min(W * 0.3, Math.max(0, ...names.map((n) => textWidth(n, font))));
  const plotLeft = nameW + 2 * GAP;
  const valueW = Math.min(W - plotLeft - 120, Math.max(0, ...values.map((v) => textWidth(v, font))));
  const plotW = W - plotLeft - valueW - 2 * GAP;
  const max = Math.max(0, ...o.items.map((i) => i.value)) || 1;
  const rows = o.items.map((item, i) => {
    const y = 8 + i * rowH;
    const w = (plotW * item.value) / max;
    const full = `${item.label}: ${values[i]}`;
    return (
      `<text x="${nameW + GAP}" y="${y + 16}" text-anchor="end" font-size="${font}">${escapeHtml(fitText(item.label, font, nameW))}<title>${escapeHtml(item.label)}</title></text>` +
      `<rect x="${plotLeft}" y="${y + 4}" width="${Math.max(1, w).toFixed(1)}" height="${rowH - 10}" fill="${item.color ?? o.color ?? "#888888"}" data-series="${escapeHtml(item.label)}"><title>${escapeHtml(full)}</title></rect>` +
      `<text x="${(plotLeft + w + GAP).toFixed(1)}" y="${y + 16}" font-size="${font}">${escapeHtml(fitText(values[i]!, font, valueW))}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" role="img" aria-label="${escapeHtml(o.label)}" class="chart">${rows.join("")}</svg>`;
}
