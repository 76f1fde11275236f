/**
 * What every report command shares: the flags that locate data and filter it, opening quartet's
 * database, ingesting new log lines first, and printing warnings.
 */
import type { Command } from "commander";
import { openDatabase, type Db } from "../core/db.js";
import { formatWarning, type Warning } from "../core/errors.js";
import { colors, plural, terminalSafe, type OutputFormat } from "../core/output.js";
import { homeLedgerFile, lookupEnv, quartetPaths, type LookupEnv } from "../core/paths.js";
import { userPricing, type Pricing } from "../core/pricing.js";
import { progressBar, waitingLine } from "../core/progress.js";
import { dayKey, localTimeZone, parseDateBound, validateTimeZone } from "../core/time.js";
import { Ledger, type Filters, type IngestResult } from "../ledger/ledger.js";
import { otelSources } from "../team/otel-source.js";
import { ledgerSource, type ReportSource } from "../ledger/source.js";
import { runtimeIds, runtimesWith, selectRuntimes } from "../runtimes/registry.js";
import { PRICING_FLAG, PRICING_HELP } from "./pricing-flag.js";
import { listed } from "./runtime-options.js";
import type { RuntimeAdapter } from "../runtimes/types.js";
import { UsageError } from "../core/errors.js";
import { requireFolderFlag } from "./folder-flag.js";

// Where it always was for the commands that import it from here; it lives with quartet's other paths.
export { homeLedgerFile } from "../core/paths.js";

export interface ReportFlags {
  home?: string;
  json?: boolean;
  csv?: boolean;
  since?: string;
  until?: string;
  runtime?: string;
  project?: string;
  tz?: string;
  pricing?: string;
  progress?: boolean;
  /** The team's server (postgres://…) to report on instead of this machine's ledger; `true`: sync.url's. */
  from?: string | true;
}

/** Adds the shared report flags to a command. */
export function reportFlags(cmd: Command, options: { formats?: boolean; filters?: boolean; from?: boolean } = {}): Command {
  if (options.from)
    cmd.option(
      "--from [url]",
      "report on the team ledger on this PostgreSQL server (postgres://user@host/db; default: sync.url of the config; the password from $PGPASSWORD or ~/.pgpass)",
    );
  cmd
    .option("--home <dir>", "read runtime data under this folder instead of $HOME")
    .option("--runtime <names>", `only these runtimes (comma-separated: ${runtimeIds().join(", ")})`)
    .option(PRICING_FLAG, PRICING_HELP)
    .option("--tz <zone>", "time zone for days, weeks and months (default: the system's)")
    .option("--no-progress", "never show a progress bar");
  if (options.filters !== false) {
    cmd
      .option("--since <date>", "from this date (YYYY-MM-DD, YYYYMMDD or ISO time)")
      .option("--until <date>", "up to and including this date")
      .option("--project <text>", "only projects whose path contains this text");
  }
  if (options.formats !== false) {
    cmd.option("--json", "print JSON").option("--csv", "print CSV");
  }
  return cmd;
}

export interface ReportContext {
  db: Db;
  env: LookupEnv;
  pricing: Pricing & { overrideFile: string };
  runtimes: RuntimeAdapter[];
  tz: string;
  filters: Filters;
  format: OutputFormat;
  ingest: IngestResult;
}

export function outputFormat(flags: ReportFlags): OutputFormat {
  if (flags.json && flags.csv) throw new UsageError("choose one of --json and --csv");
  return flags.json ? "json" : flags.csv ? "csv" : "table";
}

/** What every report is asked for, whichever ledger it reads: output format, time zone, runtimes, filters. */
export interface ReportScope {
  format: OutputFormat;
  tz: string;
  runtimes: RuntimeAdapter[];
  filters: Filters;
}

export function reportScope(flags: ReportFlags): ReportScope {
  const format = outputFormat(flags);
  const tz = validateTimeZone(flags.tz ?? localTimeZone());
  const runtimes = selectRuntimes(flags.runtime);
  const filters: Filters = {
    since: flags.since ? parseDateBound(flags.since, tz, false) : undefined,
    until: flags.until ? parseDateBound(flags.until, tz, true) : undefined,
    runtimes: flags.runtime ? runtimes.map((r) => r.id) : undefined,
    project: flags.project,
  };
  if (filters.since !== undefined && filters.until !== undefined && filters.since > filters.until) {
    throw new UsageError("--since is after --until");
  }
  return { format, tz, runtimes, filters };
}

/** Opens the database and brings the ledger up to date before a report. */
export async function openReport(flags: ReportFlags): Promise<ReportContext> {
  const { format, tz, runtimes, filters } = reportScope(flags);
  const paths = quartetPaths();
  const pricing = await userPricing(flags.pricing);
  // A mistyped --home would otherwise read as an empty home and get a ledger of its own.
  requireFolderFlag("--home", flags.home);
  const env = lookupEnv({ home: flags.home });
  const db = openDatabase(flags.home ? homeLedgerFile(paths.dataDir, env.home) : paths.dbFile);
  const progress = progressBar({ label: "Reading logs", enabled: flags.progress !== false });
  const waiting = waitingLine({ enabled: flags.progress !== false });
  // Reports read a snapshot of the ledger as this run left it, whatever another process writes meanwhile.
  // What `quartet otel receive` stored belongs to this machine's own ledger, not to a copied home's.
  const extraSources = flags.home ? [] : otelSources({ db, dataDir: paths.dataDir });
  const ingest = await Ledger.ingest({
    db,
    env,
    pricing,
    runtimes,
    extraSources,
    progress,
    onWait: waiting.update,
    snapshot: true,
  }).finally(waiting.stop);
  return { db, env, pricing, runtimes, tz, filters, format, ingest };
}

/** All warnings a report carries: this run's, the stored per-source ones, and unpriced models. */
export function reportWarnings(ctx: ReportContext): Warning[] {
  const wanted = new Set(ctx.runtimes.map((r) => r.id));
  const sourceRuntime = new Map(ctx.ingest.looked.map((l) => [l.path, l.runtime]));
  const stored = Ledger.storedWarnings(ctx.db).filter((w) => {
    const rt = [...sourceRuntime].find(([p]) => w.file?.startsWith(p))?.[1];
    return rt === undefined || wanted.has(rt);
  });
  const unpriced = Ledger.unpricedModels(ctx.db, ctx.filters).map((m) => ({
    code: "unknown-price",
    message: `no price for model "${m.model}" (${m.runtime}, ${plural(m.requests, "request")}): its cost is shown as unknown; add it to ${ctx.pricing.overrideFile}`,
  }));
  return [...ctx.ingest.warnings, ...stored, ...unpriced];
}

/** Prints warnings for people: at most `limit`, then a count of the rest. */
export function printWarnings(warnings: readonly Warning[], limit = 8): void {
  if (warnings.length === 0) return;
  const shown = warnings.slice(0, limit);
  for (const w of shown) process.stderr.write(`${colors.yellow("warning:")} ${terminalSafe(formatWarning(w))}\n`);
  if (warnings.length > limit)
    process.stderr.write(`${colors.yellow("warning:")} …and ${warnings.length - limit} more (--json lists them all)\n`);
}

/** The message for a ledger with nothing in it: every place looked, and what was found there. */
export function noDataMessage(ctx: ReportContext): string {
  const lines = ["No usage found in any runtime's logs. Looked in:"];
  for (const l of ctx.ingest.looked) {
    lines.push(`  ${l.runtime.padEnd(9)} ${l.path} (${l.origin})${l.found ? "" : " — nothing there"}`);
  }
  const agents = listed(runtimesWith("logs").map((r) => r.id));
  lines.push(`Run an agent (${agents}) and try again, or point --home at a copied home folder.`);
  return lines.join("\n");
}

/**
 * A report's rows and what it says around them, from this machine's ledger or the team's server: the
 * commands render a view and never ask which store is behind it.
 */
export interface ReportView extends ReportScope {
  source: ReportSource;
  /** The store in words, for messages: "The ledger", "The team ledger at postgres://…". */
  holder: string;
  warnings(): Promise<Warning[]>;
  /** What to say when the store holds nothing at all. */
  noDataMessage(): string;
  close(): Promise<void>;
}

/** The local ledger's view (brought up to date first), or with --from the team server's. */
export async function openView(flags: ReportFlags): Promise<ReportView> {
  if (flags.from !== undefined) return (await import("./team-view.js")).openTeamView(flags, reportScope);
  const ctx = await openReport(flags);
  return {
    ...ctx,
    source: ledgerSource(ctx.db),
    holder: "The ledger",
    warnings: async () => reportWarnings(ctx),
    noDataMessage: () => noDataMessage(ctx),
    close: async () => {},
  };
}

/** Whether the view's store holds no record of its runtimes, whatever the other filters. */
export async function viewIsEmpty(view: ReportView): Promise<boolean> {
  return !(await view.source.hasRecords(view.runtimes.map((r) => r.id)));
}

/**
 * The message for filters that match nothing in a ledger that has data: what the ledger does cover, per
 * runtime, so the user sees at once whether --since/--until missed the data or the runtime has none.
 */
export async function noMatchMessage(view: ReportView, what: "usage" | "sessions"): Promise<string> {
  const ranges = await view.source.dataRange(view.runtimes.map((r) => r.id));
  const days = (r: { firstTs: number; lastTs: number }) => {
    const [first, last] = [dayKey(r.firstTs, view.tz), dayKey(r.lastTs, view.tz)];
    return first === last ? `on ${first}` : `from ${first} to ${last}`;
  };
  const covers = ranges.map((r) => `${r.runtime}: ${plural(r.requests, "request")} ${days(r)}`).join("; ");
  return `No ${what} match${what === "usage" ? "es" : ""} these filters. ${view.holder} holds ${covers} (days in ${view.tz}).`;
}

/**
 * Why a report has nothing to show, or undefined when it has something (`matched`): an empty ledger (where
 * quartet looked) or filters that match nothing (what the ledger does hold).
 */
export async function nothingToShow(view: ReportView, what: "usage" | "sessions", matched: boolean): Promise<string | undefined> {
  if (matched) return undefined;
  return (await viewIsEmpty(view)) ? view.noDataMessage() : noMatchMessage(view, what);
}

export function ledgerIsEmpty(ctx: ReportContext): boolean {
  return !Ledger.hasRecords(
    ctx.db,
    ctx.runtimes.map((r) => r.id),
  );
}
