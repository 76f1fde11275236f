/** `quartet report --html FILE`: one self-contained, offline HTML page with the usage and cache charts. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { Ledger } from "../ledger/ledger.js";
import { renderHtmlReport } from "../ledger/report-html.js";
import { runtimeColor } from "../runtimes/registry.js";
import { nothingToShow, openReport, printWarnings, reportFlags, reportWarnings, type ReportFlags } from "./context.js";
import { writeReportFile } from "./report-file.js";

export function registerReport(program: Command): void {
  reportFlags(
    program
      .command("report")
      .description("write a self-contained HTML report with cost, hit-rate and cache-tax charts")
      .requiredOption("--html <file>", "where to write the report"),
    { formats: false },
  ).action((flags: ReportFlags & { html: string }) => reportCommand(flags));
}

export async function reportCommand(flags: ReportFlags & { html: string }): Promise<void> {
  if (!flags.html.trim()) throw new UsageError("--html needs a file name");
  const ctx = await openReport(flags);
  const warnings = reportWarnings(ctx);
  const note = nothingToShow(ctx, "usage", Ledger.totals(ctx.db, ctx.filters).requests > 0);
  const html = renderHtmlReport({
    db: ctx.db,
    filters: ctx.filters,
    tz: ctx.tz,
    generatedAt: new Date(),
    warnings,
    color: runtimeColor,
    ...(note ? { noDataNote: note } : {}),
  });
  writeReportFile(flags.html, html);
  // Said on the terminal too: the page is opened later, if at all.
  if (note) process.stderr.write(note + "\n");
  printWarnings(warnings);
}
