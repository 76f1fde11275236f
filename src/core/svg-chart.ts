/**
 * Static SVG charts for self-contained, offline HTML (no script, no CDN): stacked bars, lines and
 * horizontal bars, with axes, a legend and native tooltips (<title>). Every label is escaped.
 */

export interface Series {
  name: string;
  color: string;
  /** One value per category; null leaves a gap (lines) or nothing (bars). */
  values: (number | null)[];
}

const W = 760;
const H = 260;
const PAD = { left: 64, right: 16, top: 16, bottom: 48 };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= max) return m * exp;
  return 10 * exp;
}

function frame(yMax: number, yFormat: (v: number) => string, categories: readonly string[]): string {
  const plotH = H - PAD.top - PAD.bottom;
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const y = PAD.top + plotH - (plotH * i) / 4;
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#555">${escapeHtml(yFormat(v))}</text>`);
  }
  const step = Math.max(1, Math.ceil(categories.length / 12));
  const slot = (W - PAD.left - PAD.right) / Math.max(1, categories.length);
  categories.forEach((c, i) => {
    if (i % step !== 0) return;
    const x = PAD.left + slot * (i + 0.5);
    parts.push(`<text x="${x}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11" fill="#555">${escapeHtml(c)}</text>`);
  });
  return parts.join("");
}

function legend(series: readonly Series[]): string {
  let x = PAD.left;
  return series
    .map((s) => {
      const item = `<rect x="${x}" y="${H - 18}" width="10" height="10" fill="${s.color}"/><text x="${x + 14}" y="${H - 9}" font-size="11">${escapeHtml(s.name)}</text>`;
      x += 24 + s.name.length * 7;
      return item;
    })
    .join("");
}

function svg(body: string, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(label)}" class="chart">${body}</svg>`;
}

export function stackedBars(o: {
  label: string;
  categories: readonly string[];
  series: readonly Series[];
  yFormat: (v: number) => string;
}): string {
  const totals = o.categories.map((_, i) => o.series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const yMax = niceMax(Math.max(0, ...totals));
  const plotH = H - PAD.top - PAD.bottom;
  const slot = (W - PAD.left - PAD.right) / Math.max(1, o.categories.length);
  const barW = Math.max(2, slot * 0.7);
  const bars: string[] = [];
  o.categories.forEach((c, i) => {
    let base = PAD.top + plotH;
    for (const s of o.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const h = (plotH * v) / yMax;
      base -= h;
      const x = PAD.left + slot * i + (slot - barW) / 2;
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${escapeHtml(`${c} · ${s.name}: ${o.yFormat(v)}`)}</title></rect>`,
      );
    }
  });
  return svg(frame(yMax, o.yFormat, o.categories) + bars.join("") + legend(o.series), o.label);
}

export function lineChart(o: {
  label: string;
  categories: readonly string[];
  series: readonly Series[];
  yMax?: number;
  yFormat: (v: number) => string;
}): string {
  const yMax = o.yMax ?? niceMax(Math.max(0, ...o.series.flatMap((s) => s.values.map((v) => v ?? 0))));
  const plotH = H - PAD.top - PAD.bottom;
  const slot = (W - PAD.left - PAD.right) / Math.max(1, o.categories.length);
  const paths: string[] = [];
  for (const s of o.series) {
    let d = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      const x = PAD.left + slot * (i + 0.5);
      const y = PAD.top + plotH - (plotH * v) / yMax;
      d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)} `;
      pen = true;
      paths.push(
        `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${s.color}"><title>${escapeHtml(`${o.categories[i]} · ${s.name}: ${o.yFormat(v)}`)}</title></circle>`,
      );
    });
    if (d) paths.unshift(`<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
  }
  return svg(frame(yMax, o.yFormat, o.categories) + paths.join("") + legend(o.series), o.label);
}

export function horizontalBars(o: {
  label: string;
  items: readonly { label: string; value: number; note?: string }[];
  color: string;
  format: (v: number) => string;
}): string {
  const rowH = 28;
  const height = Math.max(1, o.items.length) * rowH + 16;
  const labelW = 200;
  const max = Math.max(0, ...o.items.map((i) => i.value)) || 1;
  const plotW = W - labelW - 120;
  const rows = o.items.map((item, i) => {
    const y = 8 + i * rowH;
    const w = (plotW * item.value) / max;
    return (
      `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end" font-size="12">${escapeHtml(item.label)}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${Math.max(1, w).toFixed(1)}" height="${rowH - 10}" fill="${o.color}"><title>${escapeHtml(`${item.label}: ${o.format(item.value)}${item.note ? ` (${item.note})` : ""}`)}</title></rect>` +
      `<text x="${labelW + w + 6}" y="${y + 16}" font-size="12">${escapeHtml(o.format(item.value) + (item.note ? ` · ${item.note}` : ""))}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" role="img" aria-label="${escapeHtml(o.label)}" class="chart">${rows.join("")}</svg>`;
}
