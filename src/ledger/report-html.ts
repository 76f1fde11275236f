/**
 * The self-contained HTML report: cost per day stacked by runtime, cache hit rate per runtime over time,
 * cache tax by cause, and the sessions that paid the most tax. One file, no scripts, no network.
 */
import type { Db } from "../core/db.js";
import { formatWarning, type Warning } from "../core/errors.js";
import { fmtInt, fmtPercent, fmtTokens, fmtUsd, plural } from "../core/output.js";
import { escapeHtml, horizontalBars, lineChart, stackedBars, type Series } from "../core/svg-chart.js";
import { CAUSE_LABEL } from "./cache-analytics.js";
import { cacheSessions, dailyByRuntime, taxByCause, totals, type Filters } from "./query.js";

export const RUNTIME_COLORS: Record<string, string> = { claude: "#d97757", opencode: "#4b6fd6", codex: "#10a37f" };

export interface ReportInput {
  db: Db;
  filters: Filters;
  tz: string;
  generatedAt: Date;
  warnings: readonly Warning[];
  topSessions?: number;
}

export function renderHtmlReport(r: ReportInput): string {
  const daily = dailyByRuntime(r.db, r.filters, r.tz);
  const days = [...new Set(daily.map((d) => d.day))].sort();
  const runtimes = [...new Set(daily.map((d) => d.runtime))].sort();
  const at = new Map(daily.map((d) => [`${d.day}\u0000${d.runtime}`, d.figures]));
  const seriesOf = (pick: (f: NonNullable<ReturnType<typeof at.get>>) => number | null): Series[] =>
    runtimes.map((rt) => ({
      name: rt,
      color: RUNTIME_COLORS[rt] ?? "#888",
      values: days.map((d) => {
        const f = at.get(`${d}\u0000${rt}`);
        return f ? pick(f) : null;
      }),
    }));
  const t = totals(r.db, r.filters);
  const causes = taxByCause(r.db, r.filters);
  const top = cacheSessions(r.db, r.filters, r.topSessions ?? 15);

  const costChart = stackedBars({
    label: "Cost per day by runtime",
    categories: days,
    series: seriesOf((f) => f.knownCostUsd),
    yFormat: (v) => fmtUsd(v),
  });
  const hitChart = lineChart({
    label: "Cache hit rate per runtime",
    categories: days,
    series: seriesOf((f) => f.cacheHitRate),
    yMax: 1,
    yFormat: (v) => fmtPercent(v),
  });
  const causeChart = horizontalBars({
    label: "Cache tax by cause",
    color: "#c0392b",
    items: causes.map((c) => ({ label: CAUSE_LABEL[c.cause], value: c.taxUsd, note: plural(c.breaks, "break") })),
    format: (v) => fmtUsd(v),
  });
  const sessionRows = top
    .map(
      (s) => `<tr><td><code>${escapeHtml(s.session)}</code></td><td>${escapeHtml(s.runtime)}</td><td>${escapeHtml(s.project ?? "")}</td>
<td class="n">${fmtInt(s.requests)}</td><td class="n">${fmtInt(s.cacheBreaks)}</td><td class="n">${fmtPercent(s.cacheHitRate)}</td>
<td class="n">${escapeHtml(fmtUsd(s.knownCostUsd))}</td><td class="n">${escapeHtml(fmtUsd(s.knownCacheTaxUsd))}</td><td>${s.topCause ? escapeHtml(CAUSE_LABEL[s.topCause]) : ""}</td></tr>`,
    )
    .join("\n");
  const card = (label: string, value: string) =>
    `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div></div>`;
  const period = days.length > 0 ? `${days[0]} – ${days[days.length - 1]}` : "no data";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>quartet usage report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}.sub{color:#666}
.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}.card{border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem;min-width:8rem}
.card .label{color:#666;font-size:12px}.card .value{font-size:1.2rem;font-weight:600}
svg.chart{width:100%;height:auto;border:1px solid #eee;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:.3rem .5rem;border-bottom:1px solid #eee;text-align:left}td.n{text-align:right}
code{font-size:12px}.note{color:#555;font-size:12px}.warn{color:#8a5a00}
</style></head><body>
<h1>quartet usage report</h1>
<div class="sub">${escapeHtml(period)} · time zone ${escapeHtml(r.tz)} · generated ${escapeHtml(r.generatedAt.toISOString())}</div>
<div class="cards">
${card("Requests", fmtInt(t.requests))}${card("Cost (list price)", t.costUsd === null ? `${fmtUsd(t.knownCostUsd)}*` : fmtUsd(t.costUsd))}${card("Cache hit rate", fmtPercent(t.cacheHitRate))}${card("Cache tax", fmtUsd(t.knownCacheTaxUsd))}${card("Cache breaks", fmtInt(t.cacheBreaks))}${card("Prompt tokens", fmtTokens(t.inputTokens + t.cacheWriteTokens + t.cacheReadTokens))}
</div>
<h2>Cost per day, by runtime</h2>${costChart}
<h2>Cache hit rate per runtime</h2>${hitChart}
<h2>Cache tax by cause</h2>${causes.length > 0 ? causeChart : '<p class="note">No cache shortfalls in this period.</p>'}
<h2>Sessions that paid the most cache tax</h2>
<table><thead><tr><th>Session</th><th>Runtime</th><th>Project</th><th>Requests</th><th>Breaks</th><th>Hit rate</th><th>Cost</th><th>Cache tax</th><th>Top cause</th></tr></thead>
<tbody>${sessionRows}</tbody></table>
<h2>How these figures are computed</h2>
<p class="note">Costs are list prices from quartet's pricing table (each row cites its source and effective date); a model without a price is left out of the cost and named in the warnings${t.costUsd === null ? " (* partial total)" : ""}.
Hit rate = cache read ÷ (uncached input + cache write + cache read). Cache tax = what re-sent prefix tokens cost above the cache-read price because they were written or billed as input instead of read; the expected read of each request is what the previous request of the same conversation had cached. Causes are inferred from the logs: an idle gap beyond the cache TTL, a model switch, a compaction, a resumed process, otherwise a changed prefix (the lab names the exact block).</p>
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
