/** A lab report for people: a table per runtime, the breaks with their excerpts, and failures. Also HTML. */
import { colors, fmtPercent, fmtTokens, fmtUsd, renderTable } from "../core/output.js";
import { escapeHtml, horizontalBars } from "../core/svg-chart.js";
import { RUNTIME_COLORS } from "../ledger/report-html.js";
import type { LabReport, RuntimeSummary } from "./report.js";

export const ESTIMATE_NOTE =
  "Token counts are estimates (about 4 characters per token); cache reads and writes are simulated from Anthropic's documented caching rules.";

export async function renderLabText(report: LabReport): Promise<string> {
  const r = report.run;
  const out: string[] = [];
  out.push(
    `quartet lab · ${r.scenario} (${r.delivery}) · model ${r.model}${r.priceModel !== r.model ? ` · priced as ${r.priceModel}` : ""} · ${r.clean ? "clean home" : "your configuration"}`,
  );
  out.push(colors.dim(`run ${r.id} · ${ESTIMATE_NOTE}`));
  out.push(
    await renderTable(report.runtimes, [
      { header: "Runtime", value: (s) => s.runtime + (s.completed ? "" : " (incomplete)") },
      { header: "Requests", value: (s) => `${s.mainRequests} + ${s.auxiliaryRequests} aux`, align: "right" },
      { header: "Prompt", value: (s) => s.promptTokens, format: (v) => fmtTokens(v as number), align: "right" },
      { header: "Read", value: (s) => s.cacheReadTokens, format: (v) => fmtTokens(v as number), align: "right" },
      { header: "Write", value: (s) => s.cacheWriteTokens, format: (v) => fmtTokens(v as number), align: "right" },
      { header: "Uncached", value: (s) => s.uncachedInputTokens, format: (v) => fmtTokens(v as number), align: "right" },
      { header: "Hit rate", value: (s) => s.hitRate, format: (v) => fmtPercent(v as number | null), align: "right" },
      { header: "Cost", value: (s) => s.costUsd, format: (v) => fmtUsd(v as number | null), align: "right" },
      { header: "Cache tax", value: (s) => s.cacheTaxUsd, format: (v) => fmtUsd(v as number | null), align: "right" },
      { header: "vs best", value: (s) => s.costRatio, format: (v) => (v === null ? "–" : `${(v as number).toFixed(2)}×`), align: "right" },
      { header: "Breaks", value: (s) => s.breaks.length, align: "right" },
    ]),
  );
  out.push("", report.runtimes.length > 1 ? "What drives the cost:" : "What drove the cost:");
  for (const s of report.runtimes) out.push(`  ${s.explanation}`);
  const breaks = report.runtimes.flatMap((s) => s.breaks.map((b) => ({ s, b })));
  if (breaks.length > 0) {
    out.push("", "Cache breaks (the block where the prompt first changed, what changed, and what to do):");
    for (const { s, b } of breaks) {
      out.push(
        `  ${s.runtime} request #${b.n}${b.turn !== null ? ` (turn ${b.turn + 1})` : ""}: ${b.block ?? "–"}: ${b.causeText}; ${fmtTokens(b.lostTokens)} tokens not read from cache, ${fmtUsd(b.taxUsd)} of cache tax`,
      );
      if (b.excerpt) out.push(colors.dim(`      ${b.excerpt.replace(/\n/g, "\\n")}`));
      if (b.changed && b.changed.length > 1)
        out.push(colors.dim(`      also changed: ${b.changed.filter((c) => c !== b.block).join(", ")}`));
      out.push(`      ${colors.bold("fix:")} ${b.hint}`);
    }
  } else if (report.runtimes.some((s) => s.mainRequests > 1)) {
    out.push("", "No cache breaks: every request read what the one before it had cached.");
  }
  for (const s of report.runtimes) {
    if (s.failure)
      out.push("", colors.red(`${s.runtime}: ${s.failure.message}`), ...(s.failure.output ? [colors.dim(indent(s.failure.output))] : []));
  }
  if (!report.run.clean) {
    for (const s of report.runtimes)
      out.push(
        colors.dim(`${s.runtime} used: ${s.configuration.length > 0 ? s.configuration.join(", ") : "no configuration of yours found"}`),
      );
  }
  out.push(colors.dim(`Inspect: quartet lab show ${r.id} [--request N] [--diff N M]`));
  return out.join("\n") + "\n";
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

export function renderLabHtml(report: LabReport): string {
  const r = report.run;
  const cost = horizontalBars({
    label: "Cost per runtime",
    color: "#555",
    items: report.runtimes
      .filter((s) => s.costUsd !== null)
      .map((s) => ({ label: s.runtime, value: s.costUsd!, note: `hit rate ${fmtPercent(s.hitRate)}` })),
    format: (v) => fmtUsd(v),
  });
  const row = (s: RuntimeSummary) =>
    `<tr><td style="color:${RUNTIME_COLORS[s.runtime] ?? "#333"}">${escapeHtml(s.runtime)}${s.completed ? "" : " (incomplete)"}</td><td class="n">${s.mainRequests} + ${s.auxiliaryRequests}</td>` +
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>quartet lab: ${escapeHtml(r.scenario)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#222}table{border-collapse:collapse;width:100%}
th,td{padding:.3rem .5rem;border-bottom:1px solid #eee;text-align:left}td.n{text-align:right}pre{background:#f6f6f6;padding:.4rem;white-space:pre-wrap;font-size:12px}
.note{color:#555;font-size:12px}svg{width:100%;height:auto}</style></head><body>
<h1>quartet lab: ${escapeHtml(r.scenario)}</h1>
<p class="note">${escapeHtml(`${r.delivery} delivery · model ${r.model} · priced as ${r.priceModel} · ${r.clean ? "clean home" : "your configuration"} · run ${r.id}`)}<br>${escapeHtml(ESTIMATE_NOTE)}</p>
<table><thead><tr><th>Runtime</th><th>Requests (main + aux)</th><th>Prompt</th><th>Read</th><th>Write</th><th>Uncached</th><th>Hit rate</th><th>Cost</th><th>Cache tax</th><th>vs best</th><th>Breaks</th></tr></thead>
<tbody>${report.runtimes.map(row).join("")}</tbody></table>
<h2>Cost</h2>${cost}
<ul>${report.runtimes.map((s) => `<li>${escapeHtml(s.explanation)}</li>`).join("")}</ul>
<h2>Cache breaks</h2>${breaks ? `<ul>${breaks}</ul>` : "<p>No cache breaks.</p>"}
</body></html>
`;
}
