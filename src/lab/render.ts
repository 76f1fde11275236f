/**
 * A lab report for the terminal: a table per runtime, the breaks with their excerpts, the requests the
 * simulated API refused with its error, and failures.
 */
import { colors, fmtPercent, fmtTokens, fmtUsd, renderTable } from "../core/output.js";
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
      { header: "Requests", value: requestCounts, align: "right", hideOrder: 2 },
      { header: "Prompt", value: (s) => s.promptTokens, format: (v) => fmtTokens(v as number), align: "right" },
      { header: "Read", value: (s) => s.cacheReadTokens, format: (v) => fmtTokens(v as number), align: "right", hideOrder: 3 },
      { header: "Write", value: (s) => s.cacheWriteTokens, format: (v) => fmtTokens(v as number), align: "right", hideOrder: 4 },
      { header: "Uncached", value: (s) => s.uncachedInputTokens, format: (v) => fmtTokens(v as number), align: "right", hideOrder: 5 },
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
  const rejected = report.runtimes.flatMap((s) => s.rejected.map((q) => ({ s, q })));
  if (rejected.length > 0) {
    out.push("", "Rejected requests (the API answers these with an error; no figure above counts them):");
    for (const { s, q } of rejected)
      out.push(
        `  ${s.runtime} request #${q.n}${q.turn !== null ? ` (turn ${q.turn + 1})` : ""}: ${colors.red(`${q.status} ${q.message}`)}`,
      );
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

/** `12 + 2 aux`, and `, 1 rejected` when the API refused any. */
export function requestCounts(s: RuntimeSummary): string {
  return `${s.mainRequests} + ${s.auxiliaryRequests} aux${s.rejectedRequests > 0 ? `, ${s.rejectedRequests} rejected` : ""}`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}
