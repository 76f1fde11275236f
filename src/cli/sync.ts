/**
 * `quartet sync`: pushes this machine's ledger to the team's PostgreSQL (`--to`, else `sync.url` in the
 * config); `--migrate` creates or upgrades the server's tables; `--status` shows what this machine is and
 * what it has not pushed yet, without the network.
 */
import type { Command } from "commander";
import { openDatabase, type Db } from "../core/db.js";
import { UsageError } from "../core/errors.js";
import { fmtInt, plural, renderJson } from "../core/output.js";
import { lookupEnv, quartetPaths, type QuartetPaths } from "../core/paths.js";
import { userPricing } from "../core/pricing.js";
import { progressBar, waitingLine } from "../core/progress.js";
import { Ledger } from "../ledger/ledger.js";
import { selectRuntimes } from "../runtimes/registry.js";
import { readAcks, writeAck } from "../team/ack.js";
import { changeLogId, pendingChanges, prepareChangeLog } from "../team/changes.js";
import { connectServer, ServerError, serverError, shownUrl, syncSettings, type SyncSettings } from "../team/connect.js";
import { machineId } from "../team/machine.js";
import { otelSources } from "../team/otel-source.js";
import { DEFAULT_BATCH, push, pushBasis } from "../team/push.js";
import { migrateServer, requireServerSchema } from "../team/schema.js";
import { withExamples } from "./examples.js";
import { VERSION } from "./version.js";

interface SyncFlags {
  to?: string;
  migrate?: boolean;
  status?: boolean;
  json?: boolean;
  progress?: boolean;
  batchSize: string;
}

export function registerSync(program: Command): void {
  const sync = program
    .command("sync")
    .description("push this machine's ledger to the team's PostgreSQL (counts, costs and ids; never prompts)")
    .option("--to <url>", "the server: postgres://user@host:port/database (no password: PGPASSWORD or ~/.pgpass)")
    .option("--migrate", "create or upgrade quartet's tables on the server, then stop")
    .option("--status", "this machine's id, user, server, last acknowledged push and records pending (no network)")
    .option("--batch-size <n>", "records per server transaction", String(DEFAULT_BATCH))
    .option("--json", "print JSON")
    .option("--no-progress", "never show a progress bar")
    .action((flags: SyncFlags) => syncCommand(flags));
  withExamples(sync, [
    "quartet sync --migrate --to postgres://alice@db.example.com/quartet   # once per server: create its tables",
    "quartet sync --to postgres://alice@db.example.com/quartet",
    "quartet sync                             # to sync.url in config.jsonc; PGPASSWORD or ~/.pgpass holds the password",
    "quartet sync --status",
  ]);
}

async function syncCommand(flags: SyncFlags): Promise<void> {
  if (flags.status && flags.migrate) throw new UsageError("choose one of --status and --migrate");
  const batchSize = Number(flags.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000)
    throw new UsageError(`--batch-size takes a whole number from 1 to 100000 (got "${flags.batchSize}")`);
  const paths = quartetPaths();
  const settings = syncSettings({ configDir: paths.configDir, to: flags.to });
  if (flags.status) return status(paths, settings, flags);
  if (!settings.url)
    throw new UsageError(`no server to push to: pass --to postgres://user@host:port/database, or set sync.url in ${settings.configFile}`);
  const url = settings.url;
  const server = shownUrl(url);
  const client = await connectServer(url);
  try {
    if (flags.migrate) {
      const r = await migrateServer(client);
      if (flags.json) process.stdout.write(renderJson({ server, from: r.from, to: r.to }));
      else
        process.stdout.write(
          r.from === r.to
            ? `${server}: quartet's tables are up to date (version ${r.to})\n`
            : `${server}: migrated from version ${r.from} to ${r.to}\n`,
        );
      return;
    }
    await requireServerSchema(client);
    const id = machineId(paths.dataDir);
    const db = await upToDateLedger(paths, flags);
    const logId = prepareChangeLog(db);
    const basis = pushBasis({ logId, user: settings.user, project: settings.project });
    const bar = progressBar({ label: "Pushing", enabled: flags.progress !== false });
    let acked = 0;
    const started = Date.now();
    const result = await pushing(url, () =>
      push({
        db,
        client,
        machineId: id,
        user: settings.user,
        project: settings.project,
        logId,
        version: VERSION,
        batchSize,
        onAck: (seq, done) => {
          writeAck(paths.dataDir, server, { machineId: id, basis, seq, at: new Date().toISOString() });
          bar.advance(done - acked);
          acked = done;
        },
      }),
    ).finally(() => bar.stop());
    // An up-to-date push commits nothing: the mirror still learns where the server's cursor is.
    if (result.batches === 0) writeAck(paths.dataDir, server, { machineId: id, basis, seq: result.seq, at: new Date().toISOString() });
    const seconds = (Date.now() - started) / 1000;
    if (flags.json) {
      process.stdout.write(
        renderJson({ server, machineId: id, user: settings.user, ...result, seconds: Math.round(seconds * 1000) / 1000 }),
      );
      return;
    }
    if (result.batches === 0) process.stdout.write(`${server}: up to date (nothing new since the last push)\n`);
    else
      process.stdout.write(
        `${server}: pushed ${plural(result.sent, "change")} in ${result.batches} ${result.batches === 1 ? "batch" : "batches"} ` +
          `(${fmtInt(result.upserted)} written, ${fmtInt(result.deleted)} removed; the rest the server held already) ` +
          `in ${seconds.toFixed(1)} s as ${settings.user}, machine ${id}\n`,
      );
  } catch (e) {
    throw serverError(url, e);
  } finally {
    await client.end();
  }
}

/** A push that failed half-way has committed whole batches only: the message says so. */
async function pushing<T>(url: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const message = `${serverError(url, e).message}\nnothing is lost: the next quartet sync continues after the last committed batch`;
    throw new ServerError({ message }, { cause: e });
  }
}

/** The ledger, brought up to date with the runtimes' logs first, as a report does. */
async function upToDateLedger(paths: QuartetPaths, flags: SyncFlags): Promise<Db> {
  const db = openDatabase(paths.dbFile);
  const progress = progressBar({ label: "Reading logs", enabled: flags.progress !== false });
  const waiting = waitingLine({ enabled: flags.progress !== false });
  await Ledger.ingest({
    db,
    env: lookupEnv(),
    pricing: await userPricing(),
    runtimes: selectRuntimes(),
    // What `quartet otel receive` stored is part of the ledger reports show: it is pushed too.
    extraSources: otelSources({ db, dataDir: paths.dataDir }),
    progress,
    onWait: waiting.update,
  }).finally(waiting.stop);
  return db;
}

async function status(paths: QuartetPaths, settings: SyncSettings, flags: SyncFlags): Promise<void> {
  const id = machineId(paths.dataDir);
  const server = settings.url ? shownUrl(settings.url) : null;
  const ack = server ? readAcks(paths.dataDir)[server] : undefined;
  const db = openDatabase(paths.dbFile);
  const logId = changeLogId(db);
  // A mirror of another log or other settings does not count: the next push starts from the beginning.
  const current = logId !== undefined && ack?.machineId === id && ack.basis === pushBasis({ logId, ...settings });
  const pending = pendingChanges(db, current ? ack.seq : 0);
  db.close();
  const lastPush = ack && current ? { at: ack.at, seq: ack.seq } : null;
  if (flags.json) {
    process.stdout.write(
      renderJson({
        machineId: id,
        user: settings.user,
        project: settings.project,
        server,
        serverFrom: settings.urlOrigin,
        lastPush,
        pending,
      }),
    );
    return;
  }
  const lines = [
    ["machine", id],
    ["user", settings.user],
    ["project", `${settings.project} (what leaves the machine of a project's path)`],
    ["server", server ? `${server} (from ${settings.urlOrigin})` : `none (pass --to, or set sync.url in ${settings.configFile})`],
    ["last push", lastPush ? `${lastPush.at} (change ${fmtInt(lastPush.seq)})` : "never"],
    ["pending", `${plural(pending, "record")} (logs not read since the last quartet command are not counted yet)`],
  ];
  process.stdout.write(lines.map(([k, v]) => `${k!.padEnd(10)} ${v}`).join("\n") + "\n");
}
