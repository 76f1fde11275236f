/**
 * `quartet report --html FILE`: one self-contained, offline HTML page with the usage and cache charts, of
 * this machine's ledger or (--from) the team's.
 */
import type { Command } from "commander";
import { renderHtmlReport } from "../ledger/report-html.js";
import { runtimeColor } from "../runtimes/registry.js";
import { nothingToShow, openView, printWarnings, reportFlags, type ReportFlags } from "./context.js";
import { checkReportTarget, writeReportFile } from "./report-file.js";

export function registerReport(program: Command): void {
  reportFlags(
    program
      .command("report")
      .description("write a self-contained HTML report with cost, hit-rate and cache-tax charts")
      .requiredOption("--html <file>", "where to write the report: a new file, or a page quartet wrote before"),
    { formats: false, from: true },
  ).action((flags: ReportFlags & { html: string }) => reportCommand(flags));
}

export async function reportCommand(flags: ReportFlags & { html: string }): Promise<void> {
  checkReportTarget(flags.html);
  const view = await openView(flags);
  try {
    const warnings = await view.warnings();
    const note = await nothingToShow(view, "usage", (await view.source.totals(view.filters)).requests > 0);
    const html = await renderHtmlReport({
      source: view.source,
      filters: view.filters,
      tz: view.tz,
      generatedAt: new Date(),
      warnings,
      color: runtimeColor,
      ...(note ? { noDataNote: note } : {}),
    });
    writeReportFile(flags.html, html);
    // Said on the terminal too: the page is opened later, if at all.
    if (note) process.stderr.write(note + "\n");
    printWarnings(warnings);
  } finally {
    await view.close();
  }
}
