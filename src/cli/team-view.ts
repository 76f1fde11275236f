/**
 * `--from postgres://…` on the report commands: the team ledger's view. Nothing is ingested and no local
 * file is read; every figure is summed by the server (src/team/query.ts) and the commands render it as
 * they render this machine's ledger.
 */
import { UsageError } from "../core/errors.js";
import { plural } from "../core/output.js";
import { quartetPaths } from "../core/paths.js";
import { connectServer, serverError, shownUrl, syncSettings, urlProblem } from "../team/connect.js";
import { teamSource, type Queryable } from "../team/query.js";
import { requireServerSchema } from "../team/schema.js";
import type { ReportFlags, ReportView, reportScope } from "./context.js";

/**
 * `scopeOf` is context.ts's reportScope, passed in rather than imported: the ledger's reports run from their own
 * file (dist/ledger.cjs), which requires this module from the ES module build, and importing context.ts here would
 * load a second copy of the ledger and the runtime registry.
 */
export async function openTeamView(flags: ReportFlags, scopeOf: typeof reportScope): Promise<ReportView> {
  const url = serverUrl(flags.from);
  // The flag's value is not repeated: it may hold a password.
  const problem = urlProblem(url);
  if (problem) throw new UsageError(`--from ${problem}`);
  if (flags.home !== undefined) throw new UsageError("--home reads this machine's logs and --from the team ledger: use one of them");
  if (flags.pricing !== undefined)
    throw new UsageError("--pricing cannot change a team report: each machine's costs were priced when it pushed them");
  const scope = scopeOf(flags);
  const client = await connectServer(url);
  try {
    await requireServerSchema(client);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw serverError(url, e);
  }
  const db: Queryable = {
    query: (sql, params) =>
      client.query(sql, params).catch((e: unknown) => {
        throw serverError(url, e);
      }),
  };
  const source = teamSource(db);
  const holder = `The team ledger at ${shownUrl(url)}`;
  return {
    ...scope,
    source,
    holder,
    warnings: async () =>
      (await source.unpricedModels(scope.filters)).map((m) => ({
        code: "unknown-price",
        message: `no price for model "${m.model}" (${m.runtime}, ${plural(m.requests, "request")}) on the machines that pushed them: its cost is shown as unknown; add it to their pricing and run quartet sync there`,
      })),
    noDataMessage: () =>
      `${holder} holds no usage${scope.filters.runtimes ? ` of ${scope.filters.runtimes.join(", ")}` : ""} yet: push a machine's ledger to it with quartet sync.`,
    close: () => client.end().catch(() => undefined),
  };
}

/** --from's URL, or with a bare --from the one `quartet sync` pushes to (sync.url in the config). */
function serverUrl(from: string | true | undefined): string {
  if (typeof from === "string") return from;
  const settings = syncSettings({ configDir: quartetPaths().configDir });
  if (settings.url === null)
    throw new UsageError(`--from needs a server: --from postgres://user@host/database, or "sync": { "url": … } in ${settings.configFile}`);
  return settings.url;
}
