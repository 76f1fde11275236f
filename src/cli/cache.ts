/**
 * `quartet cache`: sessions ranked by cache tax, and `quartet cache <session>`: the request-by-request
 * timeline of one session with every cache break, its likely cause and its cost. Where `quartet gateway`
 * saw a request, its break names the block, the cause and the diff; elsewhere the cause is the logs' inference.
 */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import {
  colors,
  fmtPercent,
  fmtTokens,
  fmtUsd,
  plural,
  renderCsv,
  renderJson,
  renderTable,
  terminalSafe,
  type Column,
} from "../core/output.js";
import type { GatewayRecord } from "../gateway/store.js";
import { CAUSE_LABEL, Ledger, type CacheSessionRow, type TimelineRow } from "../ledger/ledger.js";
import {
  ledgerIsEmpty,
  nothingToShow,
  openReport,
  openView,
  printWarnings,
  reportFlags,
  reportWarnings,
  type ReportContext,
  type ReportFlags,
  type ReportView,
} from "./context.js";

type CacheFlags = ReportFlags & { limit: string };

export function registerCache(program: Command): void {
  reportFlags(
    program
      .command("cache")
      .description("sessions ranked by cache tax; with a session id, its request timeline and every cache break")
      .argument("[session]", "a session id (or the start of one)")
      .option("--limit <n>", "how many sessions to list", "20"),
    { from: true },
  ).action((session: string | undefined, flags: CacheFlags) => cacheCommand(session, flags));
}

export async function cacheCommand(session: string | undefined, flags: CacheFlags): Promise<void> {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive whole number (got "${flags.limit}")`);
  if (session) {
    // A timeline is read request by request, beside the gateway's records: this machine's ledger only.
    if (flags.from !== undefined) throw new UsageError("quartet cache <session> reads this machine's ledger: drop --from");
    return sessionTimeline(await openReport(flags), session);
  }
  const view = await openView(flags);
  try {
    await listSessions(view, limit);
  } finally {
    await view.close();
  }
}

/** Sessions ranked by cache tax, from whichever ledger the view reads. */
async function listSessions(ctx: ReportView, limit: number): Promise<void> {
  const rows = await ctx.source.cacheSessions(ctx.filters, limit);
  const warnings = await ctx.warnings();
  if (ctx.format === "json") {
    process.stdout.write(
      renderJson({
        sessions: rows.map((r) => ({ ...r, firstTs: new Date(r.firstTs).toISOString(), lastTs: new Date(r.lastTs).toISOString() })),
        warnings,
      }),
    );
    return;
  }
  const columns: Column<CacheSessionRow>[] = [
    { header: "Session", value: (r) => r.session, fit: "middle", minWidth: 13 },
    { header: "Runtime", value: (r) => r.runtime, hideOrder: 2 },
    { header: "Project", value: (r) => r.project ?? "", fit: "middle", hideOrder: 1 },
    { header: "Requests", value: (r) => r.requests, align: "right", hideOrder: 3 },
    { header: "Breaks", value: (r) => r.cacheBreaks, align: "right" },
    { header: "Hit rate", value: (r) => r.cacheHitRate, format: (v) => fmtPercent(v as number), align: "right" },
    {
      header: "Cost",
      value: (r) => r.costUsd,
      format: (v, r) => (v === null ? `${fmtUsd(r.knownCostUsd)}*` : fmtUsd(v as number)),
      align: "right",
    },
    {
      header: "Cache tax",
      value: (r) => r.cacheTaxUsd,
      format: (v, r) => (v === null ? `${fmtUsd(r.knownCacheTaxUsd)}*` : fmtUsd(v as number)),
      align: "right",
    },
    { header: "Top cause", value: (r) => (r.topCause ? CAUSE_LABEL[r.topCause] : "") },
    { header: "Last request", value: (r) => new Date(r.lastTs).toISOString().slice(0, 16).replace("T", " "), hideOrder: 4 },
  ];
  const nothing = ctx.format === "csv" ? undefined : await nothingToShow(ctx, "sessions", rows.length > 0);
  if (ctx.format === "csv") {
    process.stdout.write(renderCsv(rows, columns));
  } else if (nothing) {
    process.stdout.write(nothing + "\n");
  } else {
    process.stdout.write((await renderTable(rows, columns)) + "\n");
    process.stdout.write(colors.dim("quartet cache <session> shows one session's requests and breaks.\n"));
  }
  printWarnings(warnings);
}

async function sessionTimeline(ctx: ReportContext, query: string): Promise<void> {
  const matches = Ledger.matchSessions(ctx.db, query);
  const exact = matches.filter((m) => m.session === query);
  const chosen = exact.length > 0 ? exact : matches;
  if (chosen.length === 0) throw new UsageError(`no session "${query}" in the ledger (quartet cache lists sessions)`);
  const distinct = [...new Set(chosen.map((m) => m.session))];
  if (distinct.length > 1)
    throw new UsageError(`"${query}" matches several sessions: ${distinct.slice(0, 5).join(", ")}${distinct.length > 5 ? ", …" : ""}`);
  const session = distinct[0]!;
  // Loaded here, not at start-up: the session list (`quartet cache` alone) needs none of the gateway's code.
  const { breakText, explainedTimeline } = await import("../gateway/report.js");
  const rows = explainedTimeline(ctx.db, session).map((r, i) => ({ ...r, n: i + 1 }));
  const summary = Ledger.totals(ctx.db, { session });
  const causes = Ledger.taxByCause(ctx.db, { session });
  if (ctx.format === "json") {
    process.stdout.write(
      renderJson({
        session,
        runtime: rows[0]?.runtime,
        summary,
        causes,
        requests: rows.map((r) => ({ ...r, ts: new Date(r.ts).toISOString() })),
        warnings: reportWarnings(ctx),
      }),
    );
    return;
  }
  const columns: Column<TimelineRow & { n: number; gateway: GatewayRecord | null }>[] = [
    { header: "#", value: (r) => r.n, align: "right" },
    { header: "Time (UTC)", value: (r) => new Date(r.ts).toISOString().slice(11, 19) },
    {
      header: "Thread",
      value: (r) => (r.agentId ? `agent ${r.agentId.slice(0, 8)}` : r.sessionId === session ? "main" : `sub ${r.sessionId.slice(0, 12)}`),
    },
    { header: "Model", value: (r) => r.model, hideOrder: 1 },
    {
      header: "Prompt",
      value: (r) => r.input + r.cacheWrite5m + r.cacheWrite1h + r.cacheRead,
      format: (v) => fmtTokens(v as number),
      align: "right",
    },
    { header: "Read", value: (r) => r.cacheRead, format: (v) => fmtTokens(v as number), align: "right" },
    { header: "Write", value: (r) => r.cacheWrite5m + r.cacheWrite1h, format: (v) => fmtTokens(v as number), align: "right" },
    { header: "Expected read", value: (r) => r.expectedRead, format: (v) => fmtTokens(v as number), align: "right", hideOrder: 3 },
    { header: "Short", value: (r) => r.shortfall, format: (v) => (v ? fmtTokens(v as number) : ""), align: "right", hideOrder: 2 },
    {
      header: "Break",
      value: (r) => breakText(r),
      format: (v) => (v ? colors.red(String(v)) : ""),
    },
    { header: "Cost", value: (r) => r.costUsd, format: (v) => fmtUsd(v as number | null), align: "right" },
    { header: "Tax", value: (r) => r.taxUsd, format: (v) => (v === 0 ? "" : fmtUsd(v as number | null)), align: "right" },
  ];
  if (ctx.format === "csv") {
    process.stdout.write(renderCsv(rows, [...columns, { header: "Source", value: (r) => r.source }]));
    return;
  }
  process.stdout.write(
    `Session ${session} (${rows[0]?.runtime ?? "?"}): ${plural(summary.requests, "request")}, ${plural(summary.cacheBreaks, "break")}, ` +
      `hit rate ${fmtPercent(summary.cacheHitRate)}, cost ${fmtUsd(summary.costUsd ?? summary.knownCostUsd)}, cache tax ${fmtUsd(summary.cacheTaxUsd ?? summary.knownCacheTaxUsd)}\n`,
  );
  process.stdout.write((await renderTable(rows, columns)) + "\n");
  const diffs = rows.filter((r) => r.gateway?.break?.excerpt);
  if (diffs.length > 0) {
    process.stdout.write("What changed (gateway):\n");
    for (const r of diffs) process.stdout.write(`  #${r.n} ${r.gateway!.break!.block ?? ""} ${terminalSafe(r.gateway!.break!.excerpt!)}\n`);
  }
  if (rows.some((r) => r.breakSource === "log"))
    process.stdout.write(colors.dim("[log]: cause inferred from the logs; run through `quartet gateway` to see the block and the diff.\n"));
  if (causes.length > 0) {
    process.stdout.write(
      "Cache tax by cause: " +
        causes.map((c) => `${CAUSE_LABEL[c.cause]} ${fmtUsd(c.taxUsd)} (${plural(c.breaks, "break")})`).join(", ") +
        "\n",
    );
  }
  if (!ledgerIsEmpty(ctx)) printWarnings(reportWarnings(ctx));
}
