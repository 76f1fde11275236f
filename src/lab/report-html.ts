/**
 * A lab run as one self-contained HTML page (no script, no network): the table per runtime, the cost of each
 * runtime, each runtime's prompt per request split into cache read, cache write and uncached input, what
 * drives the cost, the breaks with their fixes, and the requests the simulated API refused with its error.
 * Runtimes are drawn in their own colours.
 */
import { fmtPercent, fmtTokens, fmtUsd } from "../core/output.js";
import { REPORT_GENERATOR_META } from "../core/report-page.js";
import { escapeHtml, horizontalBars, mixColor, stackedBars } from "../core/svg-chart.js";
import { ESTIMATE_NOTE, requestCounts } from "./render.js";
import type { LabReport, RuntimeSummary } from "./report.js";

/** `color`: the colour each runtime is drawn in (the adapter's own, handed in by the CLI). */
export function renderLabHtml({ report, color: runtimeColor }: { report: LabReport; color: (runtime: string) => string }): string {
  const r = report.run;
  const cost = horizontalBars({
    label: "Cost per runtime",
    items: report.runtimes
      .filter((s) => s.costUsd !== null)
      .map((s) => ({ label: s.runtime, value: s.costUsd!, note: `hit rate ${fmtPercent(s.hitRate)}`, color: runtimeColor(s.runtime) })),
    format: (v) => fmtUsd(v),
  });
  const row = (s: RuntimeSummary) =>
    `<tr><td style="color:${runtimeColor(s.runtime)}">${escapeHtml(s.runtime)}${s.completed ? "" : " (incomplete)"}</td><td class="n">${escapeHtml(requestCounts(s))}</td>` +
    `<td class="n">${fmtTokens(s.promptTokens)}</td><td class="n">${fmtTokens(s.cacheReadTokens)}</td><td class="n">${fmtTokens(s.cacheWriteTokens)}</td>` +
    `<td class="n">${fmtTokens(s.uncachedInputTokens)}</td><td class="n">${fmtPercent(s.hitRate)}</td><td class="n">${escapeHtml(fmtUsd(s.costUsd))}</td>` +
    `<td class="n">${escapeHtml(fmtUsd(s.cacheTaxUsd))}</td><td class="n">${s.costRatio === null ? "–" : `${s.costRatio.toFixed(2)}×`}</td><td class="n">${s.breaks.length}</td></tr>`;
  const breaks = report.runtimes
    .flatMap((s) =>
      s.breaks.map(
        (b) =>
          `<li><b>${escapeHtml(s.runtime)}</b> request #${b.n}: <code>${escapeHtml(b.block ?? "–")}</code> ${escapeHtml(b.causeText)}, ${fmtTokens(b.lostTokens)} tokens not read, ${escapeHtml(fmtUsd(b.taxUsd))} of cache tax${b.excerpt ? `<pre>${escapeHtml(b.excerpt)}</pre>` : ""}<br>Fix: ${escapeHtml(b.hint)}</li>`,
      ),
    )
    .join("");
  const rejected = report.runtimes
    .flatMap((s) =>
      s.rejected.map(
        (q) =>
          `<li><b>${escapeHtml(s.runtime)}</b> request #${q.n}${q.turn !== null ? ` (turn ${q.turn + 1})` : ""}: <code>${q.status} ${escapeHtml(q.message)}</code></li>`,
      ),
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${REPORT_GENERATOR_META}<title>quartet lab: ${escapeHtml(r.scenario)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#222}table{border-collapse:collapse;width:100%}
th,td{padding:.3rem .5rem;border-bottom:1px solid #eee;text-align:left}td.n{text-align:right}pre{background:#f6f6f6;padding:.4rem;white-space:pre-wrap;font-size:12px}
.note{color:#555;font-size:12px}svg{width:100%;height:auto}h3{font-size:1rem;margin:1.2rem 0 .3rem}</style></head><body>
<h1>quartet lab: ${escapeHtml(r.scenario)}</h1>
<p class="note">${escapeHtml(`${r.delivery} delivery · model ${r.model} · priced as ${r.priceModel} · ${r.clean ? "clean home" : "your configuration"} · run ${r.id}`)}<br>${escapeHtml(ESTIMATE_NOTE)}</p>
<table><thead><tr><th>Runtime</th><th>Requests</th><th>Prompt</th><th>Read</th><th>Write</th><th>Uncached</th><th>Hit rate</th><th>Cost</th><th>Cache tax</th><th>vs best</th><th>Breaks</th></tr></thead>
<tbody>${report.runtimes.map(row).join("")}</tbody></table>
<h2>Cost</h2>${cost}
<ul>${report.runtimes.map((s) => `<li>${escapeHtml(s.explanation)}</li>`).join("")}</ul>
<h2>Prompt tokens per request</h2>
<p class="note">Each bar is one request's prompt: the part read from the cache, the part written to it, and the uncached input. Every runtime is drawn on the same scale. A tall write after a run of reads is a cache break (listed below).</p>
${perRequestCharts(report.runtimes, runtimeColor)}
<h2>Cache breaks</h2>${breaks ? `<ul>${breaks}</ul>` : "<p>No cache breaks.</p>"}
${rejected ? `<h2>Rejected requests</h2><p class="note">The API answers these with an error; no figure above counts them.</p><ul>${rejected}</ul>` : ""}
</body></html>
`;
}

/**
 * One stacked-bar chart per runtime, x = request number, on one shared y scale. The three parts are tints of
 * the runtime's colour: the read in the colour itself, the costly write darker, the uncached input lighter.
 */
function perRequestCharts(runtimes: readonly RuntimeSummary[], runtimeColor: (runtime: string) => string): string {
  const prompt = (q: RuntimeSummary["perRequest"][number]) => q.cacheReadTokens + q.cacheWriteTokens + q.uncachedInputTokens;
  const yMax = Math.max(0, ...runtimes.flatMap((s) => s.perRequest.map(prompt)));
  return runtimes
    .map((s) => {
      const color = runtimeColor(s.runtime);
      const heading = `<h3 style="color:${color}">${escapeHtml(s.runtime)}</h3>`;
      if (s.perRequest.length === 0) return `${heading}<p class="note">No request was answered.</p>`;
      const breakAt = new Map(s.breaks.map((b) => [b.n, b]));
      const chart = stackedBars({
        label: `${s.runtime}: prompt tokens per request`,
        categories: s.perRequest.map((q) => String(q.n)),
        tooltip: (i) => {
          const q = s.perRequest[i]!;
          const b = breakAt.get(q.n);
          return `${s.runtime} request #${q.n}${q.kind === "auxiliary" ? " (auxiliary)" : ""}${b ? ` · cache break at ${b.block ?? "–"}: ${b.causeText}` : ""}`;
        },
        series: [
          { name: "cache read", color, values: s.perRequest.map((q) => q.cacheReadTokens) },
          { name: "cache write", color: mixColor(color, "#000000", 0.45), values: s.perRequest.map((q) => q.cacheWriteTokens) },
          { name: "uncached input", color: mixColor(color, "#ffffff", 0.55), values: s.perRequest.map((q) => q.uncachedInputTokens) },
        ],
        yMax,
        yFormat: (v) => fmtTokens(v),
        xTitle: "request number",
        yTitle: "prompt tokens",
      });
      return heading + chart;
    })
    .join("\n");
}
