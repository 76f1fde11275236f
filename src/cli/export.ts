/** `quartet export otlp`: the ledger's requests, as OpenTelemetry log records, to the team's own backend. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { renderJson } from "../core/output.js";
import { waitingLine } from "../core/progress.js";
import { quartetPaths } from "../core/paths.js";
import { localTimeZone, parseDateBound } from "../core/time.js";
import { Ledger } from "../ledger/ledger.js";
import { machineId } from "../team/machine.js";
import { exportOtlp, logsUrl } from "../team/otlp-export.js";
import { openReport, printWarnings, reportWarnings, type ReportFlags } from "./context.js";
import { PRICING_FLAG, PRICING_HELP } from "./pricing-flag.js";
import { VERSION } from "./version.js";

interface ExportFlags extends ReportFlags {
  endpoint?: string;
}

export function registerExport(program: Command): void {
  const exp = program.command("export").description("send the ledger to other tools");
  // Every runtime's records go out: the cursor is one per endpoint, so a runtime left out now would never be sent.
  exp
    .command("otlp")
    .description("send each request as an OTLP log record (GenAI semantic conventions); only what the endpoint has not acknowledged")
    .option("--endpoint <url>", "OTLP/HTTP endpoint, as http://host:4318 (default: $OTEL_EXPORTER_OTLP_ENDPOINT)")
    .option("--since <date>", "leave out requests before this date, for good (YYYY-MM-DD or ISO time)")
    .option("--json", "print what was sent as JSON")
    .option("--home <dir>", "export the ledger of this copied home instead of $HOME's")
    .option(PRICING_FLAG, PRICING_HELP)
    .option("--tz <zone>", "time zone of --since (default: the system's)")
    .option("--no-progress", "never show a progress bar")
    .addHelpText("after", "\nHeaders (an API key for the backend) come from OTEL_EXPORTER_OTLP_HEADERS, never from the command line.")
    .action((flags: ExportFlags) => exportCommand(flags));
}

async function exportCommand(flags: ExportFlags): Promise<void> {
  const endpoint = flags.endpoint ?? (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined);
  if (!endpoint) throw new UsageError("name the endpoint: --endpoint http://host:4318 (or set OTEL_EXPORTER_OTLP_ENDPOINT)");
  try {
    logsUrl(endpoint);
  } catch (e) {
    throw new UsageError(`--endpoint: ${(e as Error).message}`);
  }
  const since = flags.since ? parseDateBound(flags.since, flags.tz ?? localTimeZone(), false) : undefined;
  const ctx = await openReport({ ...flags, since: undefined });
  // The export writes its cursor: the report's read snapshot ends here.
  Ledger.endSnapshot(ctx.db);
  printWarnings(reportWarnings(ctx));
  const waiting = waitingLine({ enabled: flags.progress !== false, finishing: "its export to this endpoint" });
  const result = await exportOtlp({
    db: ctx.db,
    endpoint,
    since,
    version: VERSION,
    machineId: machineId(quartetPaths().dataDir),
    onWait: waiting.update,
  }).finally(waiting.stop);
  if (flags.json) process.stdout.write(renderJson(result));
  else process.stdout.write(`sent ${result.sent} request${result.sent === 1 ? "" : "s"} to ${result.url}\n`);
}
