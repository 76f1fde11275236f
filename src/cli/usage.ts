/** `quartet usage`: tokens, cost, cache hit rate and cache tax, grouped by time, session, project, model or runtime. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { timed } from "../core/timing.js";
import { fmtPercent, fmtTokens, fmtUsd, renderCsv, renderJson, renderTable, round6, type Column } from "../core/output.js";
import { GROUP_BY, Ledger, type Figures, type GroupBy, type UsageRow } from "../ledger/ledger.js";
import {
  ledgerIsEmpty,
  noDataMessage,
  noMatchMessage,
  openReport,
  printWarnings,
  reportFlags,
  reportWarnings,
  type ReportFlags,
} from "./context.js";

export function registerUsage(program: Command): void {
  reportFlags(
    program
      .command("usage")
      .description("tokens, cost, cache hit rate and cache tax from every runtime's own logs")
      .option("--by <dimension>", `group by ${GROUP_BY.join(" | ")}`, "day"),
  ).action((flags: ReportFlags & { by: string }) => usageCommand(flags));
}

export async function usageCommand(flags: ReportFlags & { by: string }): Promise<void> {
  if (!(GROUP_BY as readonly string[]).includes(flags.by)) {
    throw new UsageError(`--by must be one of ${GROUP_BY.join(", ")} (got "${flags.by}")`);
  }
  const by = flags.by as GroupBy;
  const ctx = await openReport(flags);
  const rows = timed("query rows", () => Ledger.usageRows(ctx.db, by, ctx.filters, ctx.tz));
  const totals = timed("query totals", () => Ledger.totals(ctx.db, ctx.filters));
  const warnings = timed("warnings", () => reportWarnings(ctx));
  const empty = timed("empty check", () => ledgerIsEmpty(ctx));
  if (empty) warnings.unshift({ code: "no-data", message: noDataMessage(ctx) });

  if (ctx.format === "json") {
    process.stdout.write(renderJson({ by, timeZone: ctx.tz, rows: rows.map(contractRow), totals: contractFigures(totals), warnings }));
    return;
  }
  const columns = usageColumns(by);
  if (ctx.format === "csv") {
    process.stdout.write(renderCsv(rows, columns));
    printWarnings(warnings.filter((w) => w.code !== "no-data"));
    if (empty) process.stderr.write(noDataMessage(ctx) + "\n");
    return;
  }
  if (empty) {
    process.stdout.write(noDataMessage(ctx) + "\n");
    printWarnings(warnings.filter((w) => w.code !== "no-data"));
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(noMatchMessage(ctx, "usage") + "\n");
  } else {
    process.stdout.write((await renderTable(rows, columns, { key: "Total", ...totals } as UsageRow)) + "\n");
    if (rows.some((r) => r.costUsd === null))
      process.stdout.write("* partial: some requests are on models without a known price (see warnings)\n");
  }
  printWarnings(warnings);
}

/** The JSON row: DESIGN.md's contract fields first, then the detail fields. */
function contractRow(r: UsageRow) {
  return {
    key: r.key,
    ...(r.runtime ? { runtime: r.runtime } : {}),
    ...contractFigures(r),
    ...(r.project !== undefined ? { project: r.project, models: r.models } : {}),
    firstTs: iso(r.firstTs),
    lastTs: iso(r.lastTs),
  };
}

function contractFigures(f: Figures) {
  return {
    requests: f.requests,
    inputTokens: f.inputTokens,
    cacheWriteTokens: f.cacheWriteTokens,
    cacheReadTokens: f.cacheReadTokens,
    outputTokens: f.outputTokens,
    costUsd: round6(f.costUsd),
    cacheHitRate: round6(f.cacheHitRate),
    cacheTaxUsd: round6(f.cacheTaxUsd),
    cacheWrite5mTokens: f.cacheWrite5mTokens,
    cacheWrite1hTokens: f.cacheWrite1hTokens,
    reasoningTokens: f.reasoningTokens,
    knownCostUsd: round6(f.knownCostUsd),
    unpricedRequests: f.unpricedRequests,
    reportedCostUsd: round6(f.reportedCostUsd),
    knownCacheTaxUsd: round6(f.knownCacheTaxUsd),
    cacheBreaks: f.cacheBreaks,
  };
}

function iso(ts: number | undefined): string | undefined {
  return ts === undefined || !Number.isFinite(ts) ? undefined : new Date(ts).toISOString();
}

const money = (known: (r: UsageRow) => number, exact: (r: UsageRow) => number | null) => (_: unknown, r: UsageRow) =>
  exact(r) === null ? (known(r) > 0 ? `${fmtUsd(known(r))}*` : "unknown") : fmtUsd(exact(r));

export function usageColumns(by: GroupBy): Column<UsageRow>[] {
  const keyHeader = {
    day: "Day",
    week: "Week",
    month: "Month",
    session: "Session",
    project: "Project",
    model: "Model",
    runtime: "Runtime",
    block: "Block (5h, UTC start)",
  }[by];
  const cols: Column<UsageRow>[] = [{ header: keyHeader, value: (r) => (by === "session" ? r.key : r.key) }];
  if (by === "session") {
    cols.push({ header: "Runtime", value: (r) => r.runtime });
    cols.push({ header: "Project", value: (r) => r.project ?? "" });
  }
  cols.push(
    { header: "Requests", value: (r) => r.requests, align: "right" },
    { header: "Input", value: (r) => r.inputTokens, format: (v) => fmtTokens(v as number), align: "right" },
    { header: "Cache write", value: (r) => r.cacheWriteTokens, format: (v) => fmtTokens(v as number), align: "right" },
    { header: "Cache read", value: (r) => r.cacheReadTokens, format: (v) => fmtTokens(v as number), align: "right" },
    { header: "Output", value: (r) => r.outputTokens, format: (v) => fmtTokens(v as number), align: "right" },
    { header: "Hit rate", value: (r) => r.cacheHitRate, format: (v) => fmtPercent(v as number | null), align: "right" },
    {
      header: "Cost",
      value: (r) => r.costUsd,
      format: money(
        (r) => r.knownCostUsd,
        (r) => r.costUsd,
      ),
      align: "right",
    },
    {
      header: "Cache tax",
      value: (r) => r.cacheTaxUsd,
      format: money(
        (r) => r.knownCacheTaxUsd,
        (r) => r.cacheTaxUsd,
      ),
      align: "right",
    },
  );
  return cols;
}
