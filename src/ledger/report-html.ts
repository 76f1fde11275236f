/**
 * The self-contained HTML report: cost over time stacked by runtime, cache hit rate per runtime over time,
 * cache tax by cause, and the sessions that paid the most tax. One file, no scripts, no network.
 *
 * Time runs on a continuous axis (core/time-axis.ts): a day, week or month without usage is an empty slot
 * at its own place, never skipped. When the range and filters match no usage, the page says so, naming
 * them, instead of drawing empty axes.
 */
import { formatWarning, type Warning } from "../core/errors.js";
import { fmtInt, fmtPercent, fmtTokens, fmtUsd, plural } from "../core/output.js";
import { REPORT_GENERATOR_META } from "../core/report-page.js";
import { escapeHtml, horizontalBars, lineChart, stackedBars, type Series } from "../core/svg-chart.js";
import { axisUnit, calendarAxis, type AxisUnit } from "../core/time-axis.js";
import { dayKey } from "../core/time.js";
import { CAUSE_LABEL } from "./cache-analytics.js";
import type { Figures, Filters } from "./query.js";
import type { ReportSource } from "./source.js";

export interface ReportInput {
  /** The ledger the page reports on: this machine's, or the team's server. */
  source: ReportSource;
  filters: Filters;
  tz: string;
  generatedAt: Date;
  warnings: readonly Warning[];
  topSessions?: number;
  /** The colour each runtime is drawn in (the adapter's own, handed in by the CLI). */
  color: (runtime: string) => string;
  /** What to tell the reader when nothing matches (where quartet looked, or what the ledger does hold). */
  noDataNote?: string;
}

/** The range and filters a report covers, in words: "2026-11-01 – 2026-11-30", "runtimes claude, codex · …". */
export function describeScope(f: Filters, tz: string): { range: string; filters: string } {
  const [since, until] = [f.since, f.until].map((ts) => (ts === undefined ? undefined : dayKey(ts, tz)));
  const range = since && until ? `${since} – ${until}` : since ? `from ${since}` : until ? `up to ${until}` : "all dates";
  const filters = [f.runtimes ? `${f.runtimes.length === 1 ? "runtime" : "runtimes"} ${f.runtimes.join(", ")}` : "all runtimes"];
  if (f.project !== undefined) filters.push(`projects containing "${f.project}"`);
  return { range, filters: filters.join(" · ") };
}

interface OverTime {
  unit: AxisUnit;
  slots: string[];
  runtimes: string[];
  /** A runtime's figures in a slot, absent where it has none. */
  figures(slot: string, runtime: string): Figures | undefined;
}

/**
 * Usage per runtime on a continuous axis from the first day (the --since day, else the first with usage) to
 * the last (the --until day if it is not in the future, else the last with usage).
 */
async function usageOverTime(r: ReportInput): Promise<OverTime | null> {
  const byDay = await r.source.usageBreakdown("day", "runtime", r.filters, r.tz);
  const days = [...byDay.keys()].sort();
  if (days.length === 0) return null;
  const today = dayKey(r.generatedAt.getTime(), r.tz);
  const firstDay = r.filters.since !== undefined ? dayKey(r.filters.since, r.tz) : days[0]!;
  const latest = days.at(-1)! > today ? days.at(-1)! : today;
  const lastDay = r.filters.until !== undefined ? [dayKey(r.filters.until, r.tz), latest].sort()[0]! : days.at(-1)!;
  const unit = axisUnit(firstDay, lastDay);
  const rows = unit === "day" ? byDay : await r.source.usageBreakdown(unit, "runtime", r.filters, r.tz);
  const at = new Map<string, Figures>();
  for (const [slot, list] of rows) for (const row of list) at.set(`${slot}\u0000${row.key}`, row);
  return {
    unit,
    slots: calendarAxis({ firstDay, lastDay, unit }),
    runtimes: [...new Set([...rows.values()].flatMap((list) => list.map((row) => row.key)))].sort(),
    figures: (slot, runtime) => at.get(`${slot}\u0000${runtime}`),
  };
}

function timeCharts(t: OverTime, runtimeColor: (runtime: string) => string): string {
  const seriesOf = (pick: (f: Figures) => number | null): Series[] =>
    t.runtimes.map((rt) => ({
      name: rt,
      color: runtimeColor(rt),
      values: t.slots.map((slot) => {
        const f = t.figures(slot, rt);
        return f ? pick(f) : null;
      }),
    }));
  const costChart = stackedBars({
    label: `Cost per ${t.unit} by runtime`,
    categories: t.slots,
    series: seriesOf((f) => f.knownCostUsd),
    yFormat: (v) => fmtUsd(v),
    xTitle: t.unit,
    yTitle: "cost (list price)",
  });
  const hitChart = lineChart({
    label: "Cache hit rate per runtime",
    categories: t.slots,
    series: seriesOf((f) => f.cacheHitRate),
    yMax: 1,
    yFormat: (v) => fmtPercent(v),
    xTitle: t.unit,
    yTitle: "cache hit rate",
  });
  return `<h2>Cost per ${t.unit}, by runtime</h2>${costChart}
<h2>Cache hit rate per runtime</h2><p class="note">A gap in a line is a ${t.unit} without requests from that runtime.</p>${hitChart}`;
}

async function figuresSection(r: ReportInput, t: OverTime): Promise<string> {
  const sum = await r.source.totals(r.filters);
  const causes = await r.source.taxByCause(r.filters);
  const causeChart = horizontalBars({
    label: "Cache tax by cause",
    color: "#c0392b",
    items: causes.map((c) => ({ label: CAUSE_LABEL[c.cause], value: c.taxUsd, note: plural(c.breaks, "break") })),
    format: (v) => fmtUsd(v),
  });
  const sessionRows = (await r.source.cacheSessions(r.filters, r.topSessions ?? 15))
    .map(
      (s) => `<tr><td><code>${escapeHtml(s.session)}</code></td><td>${escapeHtml(s.runtime)}</td><td>${escapeHtml(s.project ?? "")}</td>
<td class="n">${fmtInt(s.requests)}</td><td class="n">${fmtInt(s.cacheBreaks)}</td><td class="n">${fmtPercent(s.cacheHitRate)}</td>
<td class="n">${escapeHtml(fmtUsd(s.knownCostUsd))}</td><td class="n">${escapeHtml(fmtUsd(s.knownCacheTaxUsd))}</td><td>${s.topCause ? escapeHtml(CAUSE_LABEL[s.topCause]) : ""}</td></tr>`,
    )
    .join("\n");
  const card = (label: string, value: string) =>
    `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div></div>`;
  return `<div class="cards">
${card("Requests", fmtInt(sum.requests))}${card("Cost (list price)", sum.costUsd === null ? `${fmtUsd(sum.knownCostUsd)}*` : fmtUsd(sum.costUsd))}${card("Cache hit rate", fmtPercent(sum.cacheHitRate))}${card("Cache tax", fmtUsd(sum.knownCacheTaxUsd))}${card("Cache breaks", fmtInt(sum.cacheBreaks))}${card("Prompt tokens", fmtTokens(sum.inputTokens + sum.cacheWriteTokens + sum.cacheReadTokens))}
</div>
${timeCharts(t, r.color)}
<h2>Cache tax by cause</h2>${causes.length > 0 ? causeChart : '<p class="note">No cache shortfalls in this period.</p>'}
<h2>Sessions that paid the most cache tax</h2>
<table><thead><tr><th>Session</th><th>Runtime</th><th>Project</th><th>Requests</th><th>Breaks</th><th>Hit rate</th><th>Cost</th><th>Cache tax</th><th>Top cause</th></tr></thead>
<tbody>${sessionRows}</tbody></table>
<h2>How these figures are computed</h2>
<p class="note">Costs are list prices from quartet's pricing table (each row cites its source and effective date); a model without a price is left out of the cost and named in the warnings${sum.costUsd === null ? " (* partial total)" : ""}.
Hit rate = cache read ÷ (uncached input + cache write + cache read). Cache tax = what re-sent prefix tokens cost above the cache-read price because they were written or billed as input instead of read; the expected read of each request is what the previous request of the same conversation had cached. Causes are inferred from the logs: an idle gap beyond the cache TTL, a model switch, a compaction, a resumed process, otherwise a changed prefix (the lab names the exact block).</p>`;
}

export async function renderHtmlReport(r: ReportInput): Promise<string> {
  const scope = describeScope(r.filters, r.tz);
  const t = await usageOverTime(r);
  const body = t
    ? await figuresSection(r, t)
    : `<div class="no-data"><h2>No usage to show</h2><p>Nothing matches this report's range and filters: ${escapeHtml(`${scope.range} · ${scope.filters}`)}.</p>${
        r.noDataNote ? `<pre>${escapeHtml(r.noDataNote)}</pre>` : ""
      }</div>`;
  const period = t ? `${t.slots[0]} – ${t.slots.at(-1)} (${plural(t.slots.length, t.unit)})` : scope.range;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${REPORT_GENERATOR_META}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>quartet usage report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}.sub{color:#666}
.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}.card{border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem;min-width:8rem}
.card .label{color:#666;font-size:12px}.card .value{font-size:1.2rem;font-weight:600}
svg.chart{width:100%;height:auto;border:1px solid #eee;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:.3rem .5rem;border-bottom:1px solid #eee;text-align:left}td.n{text-align:right}
code{font-size:12px}.note{color:#555;font-size:12px}.warn{color:#8a5a00}
.no-data{border:1px dashed #bbb;border-radius:6px;padding:1rem 1.2rem;margin:1.5rem 0}.no-data h2{margin-top:0}.no-data pre{white-space:pre-wrap;font-size:12px;color:#555}
</style></head><body>
<h1>quartet usage report</h1>
<div class="sub">${escapeHtml(`${period} · ${scope.filters}`)} · time zone ${escapeHtml(r.tz)} · generated ${escapeHtml(r.generatedAt.toISOString())}</div>
${body}
${
  r.warnings.length > 0
    ? `<h2>Warnings</h2><ul class="warn">${r.warnings
        .slice(0, 200)
        .map((w) => `<li>${escapeHtml(formatWarning(w))}</li>`)
        .join("")}</ul>`
    : ""
}
</body></html>
`;
}
