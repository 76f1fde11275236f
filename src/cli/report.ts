/** `quartet report --html FILE`: one self-contained, offline HTML page with the usage and cache charts. */
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import { renderHtmlReport } from "../ledger/report-html.js";
import { ledgerIsEmpty, noDataMessage, openReport, printWarnings, reportFlags, reportWarnings, type ReportFlags } from "./context.js";

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
  const html = renderHtmlReport({ db: ctx.db, filters: ctx.filters, tz: ctx.tz, generatedAt: new Date(), warnings });
  const file = path.resolve(flags.html);
  writeFileAtomic(file, html);
  process.stdout.write(`Wrote ${file}\n`);
  if (ledgerIsEmpty(ctx)) process.stderr.write(noDataMessage(ctx) + "\n");
  printWarnings(warnings);
}
