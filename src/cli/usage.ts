/**
 * `quartet usage`: tokens, cost, cache hit rate and cache tax, grouped by time, session, project, model or
 * runtime; with --from, the team ledger's, also by user and machine.
 */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { timedAsync } from "../core/timing.js";
import {
  colors,
  fmtPercent,
  fmtTokens,
  fmtUsd,
  renderCsv,
  renderJson,
  renderTable,
  round6,
  terminalSafe,
  type Column,
} from "../core/output.js";
import { GROUP_BY, type Figures, type UsageRow } from "../ledger/ledger.js";
import { TEAM_GROUP_BY, type Dimension } from "../ledger/source.js";
import { noMatchMessage, openView, printWarnings, reportFlags, viewIsEmpty, type ReportFlags, type ReportView } from "./context.js";

export function registerUsage(program: Command): void {
  reportFlags(
    program
      .command("usage")
      .description("tokens, cost, cache hit rate and cache tax from every runtime's own logs")
      .option(
        "--by <dimension>",
        `group by ${GROUP_BY.join(" | ")} (with --from also ${TEAM_GROUP_BY.join(" | ")}), or two of them (day,runtime)`,
        "day",
      ),
    { from: true },
  ).action((flags: ReportFlags & { by: string }) => usageCommand(flags));
}

/** `--by day` or `--by day,runtime`: one dimension, or two for rows with sub-rows. `team`: reading a team ledger. */
export function parseGroupBy(value: string, team = false): [Dimension] | [Dimension, Dimension] {
  const dims = value.split(",").map((d) => d.trim());
  const known: readonly string[] = team ? [...GROUP_BY, ...TEAM_GROUP_BY] : GROUP_BY;
  for (const d of dims) {
    if (!team && (TEAM_GROUP_BY as readonly string[]).includes(d))
      throw new UsageError(`--by ${d} needs a team ledger (--from postgres://…): this machine's ledger has one ${d}`);
    if (!known.includes(d)) throw new UsageError(`--by takes ${known.join(", ")}, or two of them as day,runtime (got "${d}")`);
  }
  if (dims.length > 2) throw new UsageError(`--by takes at most two dimensions, as day,runtime (got "${value}")`);
  if (dims.length === 2 && dims[0] === dims[1]) throw new UsageError(`--by needs two different dimensions (got "${value}")`);
  return dims as [Dimension] | [Dimension, Dimension];
}

/** A table row: a first-dimension row, or one of its sub-rows. */
type TableRow = UsageRow & { sub?: boolean };

export async function usageCommand(flags: ReportFlags & { by: string }): Promise<void> {
  const [by, then] = parseGroupBy(flags.by, flags.from !== undefined);
  const view = await openView(flags);
  try {
    await renderUsage(view, flags.by, by, then);
  } finally {
    await view.close();
  }
}

async function renderUsage(ctx: ReportView, byFlag: string, by: Dimension, then: Dimension | undefined): Promise<void> {
  const rows = await timedAsync("query rows", () => ctx.source.usageRows(by, ctx.filters, ctx.tz));
  const breakdown = then ? await timedAsync("query sub-rows", () => ctx.source.usageBreakdown(by, then, ctx.filters, ctx.tz)) : undefined;
  const subRows = (r: UsageRow) => breakdown?.get(r.key) ?? [];
  const totals = await timedAsync("query totals", () => ctx.source.totals(ctx.filters));
  const warnings = await timedAsync("warnings", () => ctx.warnings());
  const empty = await timedAsync("empty check", () => viewIsEmpty(ctx));
  if (empty) warnings.unshift({ code: "no-data", message: ctx.noDataMessage() });

  if (ctx.format === "json") {
    const jsonRows = rows.map((r) => ({ ...contractRow(r), ...(then ? { breakdown: subRows(r).map(contractRow) } : {}) }));
    process.stdout.write(
      renderJson({ by: byFlag.replace(/\s/g, ""), timeZone: ctx.tz, rows: jsonRows, totals: contractFigures(totals), warnings }),
    );
    return;
  }
  if (ctx.format === "csv") {
    // One line per pair of keys, each key in its own column, so the file loads into a spreadsheet as it is.
    const pairs = then
      ? rows.flatMap((r) => subRows(r).map((sub) => ({ ...sub, parent: r.key })))
      : rows.map((r) => ({ ...r, parent: r.key }));
    const [first, ...figures] = usageColumns(then ?? by);
    const columns: Column<(typeof pairs)[number]>[] = then
      ? [{ header: usageColumns(by)[0]!.header, value: (r) => r.parent }, first!, ...figures]
      : usageColumns(by);
    process.stdout.write(renderCsv(pairs, columns));
    printWarnings(warnings.filter((w) => w.code !== "no-data"));
    if (empty) process.stderr.write(ctx.noDataMessage() + "\n");
    return;
  }
  if (empty) {
    process.stdout.write(ctx.noDataMessage() + "\n");
    printWarnings(warnings.filter((w) => w.code !== "no-data"));
    return;
  }
  if (rows.length === 0) {
    process.stdout.write((await noMatchMessage(ctx, "usage")) + "\n");
  } else {
    const table: TableRow[] = rows.flatMap((r) => [r, ...subRows(r).map((sub) => ({ ...sub, sub: true }))]);
    const columns = then ? withSubRows(usageColumns(by), usageColumns(then)[0]!.header) : usageColumns(by);
    process.stdout.write((await renderTable(table, columns, { key: "Total", ...totals } as UsageRow)) + "\n");
    if (rows.some((r) => r.costUsd === null))
      process.stdout.write("* partial: some requests are on models without a known price (see warnings)\n");
  }
  printWarnings(warnings);
}

/** The first column names both dimensions and indents the sub-rows under their row. */
function withSubRows(columns: Column<TableRow>[], subHeader: string): Column<TableRow>[] {
  const [key, ...rest] = columns;
  return [
    {
      ...key!,
      header: `${key!.header} / ${subHeader}`,
      format: (v, r) => (r.sub ? colors.dim(`  └ ${terminalSafe(String(v))}`) : terminalSafe(String(v))),
      fit: "middle",
      minWidth: 16,
    },
    ...rest.map((c) => ({
      ...c,
      format: (v: Parameters<NonNullable<Column<TableRow>["format"]>>[0], r: TableRow) => {
        const text = c.format ? c.format(v, r) : String(v ?? "");
        return r.sub ? colors.dim(text) : text;
      },
    })),
  ];
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

export function usageColumns(by: Dimension): Column<UsageRow>[] {
  const keyHeader = {
    day: "Day",
    week: "Week",
    month: "Month",
    session: "Session",
    project: "Project",
    model: "Model",
    runtime: "Runtime",
    block: "Block (5h, UTC start)",
    user: "User",
    machine: "Machine",
  }[by];
  // Session ids keep both ends when cut (Codex ids share their first characters); paths keep the folder name.
  const cols: Column<UsageRow>[] = [
    { header: keyHeader, value: (r) => r.key, ...(by === "session" || by === "project" ? { fit: "middle", minWidth: 13 } : {}) },
  ];
  if (by === "session") {
    cols.push({ header: "Runtime", value: (r) => r.runtime, hideOrder: 1 });
    cols.push({ header: "Project", value: (r) => r.project ?? "", fit: "middle" });
  }
  // In a narrow terminal the token columns go first, then the request count: cost, hit rate and tax stay.
  cols.push(
    { header: "Requests", value: (r) => r.requests, align: "right", hideOrder: 2 },
    { header: "Input", value: (r) => r.inputTokens, format: (v) => fmtTokens(v as number), align: "right", hideOrder: 6 },
    { header: "Cache write", value: (r) => r.cacheWriteTokens, format: (v) => fmtTokens(v as number), align: "right", hideOrder: 4 },
    { header: "Cache read", value: (r) => r.cacheReadTokens, format: (v) => fmtTokens(v as number), align: "right", hideOrder: 3 },
    { header: "Output", value: (r) => r.outputTokens, format: (v) => fmtTokens(v as number), align: "right", hideOrder: 5 },
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
