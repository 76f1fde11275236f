/**
 * `quartet gateway`: the pass-through proxy on 127.0.0.1, routing each model to its provider, announced in
 * quartet's data folder while it runs; and `quartet gateway env <runtime>`, the shell lines that point a
 * runtime at the running one.
 *
 * What records the traffic (the store, store.ts) and what may stop a request (a gate, such as the budgets) are
 * built by hooks (GatewayHooks), so the proxy knows neither and a test can run the command with others.
 */
import type { Command } from "commander";
import { NamedError, UsageError } from "../core/errors.js";
import { openDatabase } from "../core/db.js";
import { quartetPaths } from "../core/paths.js";
import { localTimeZone, parseDateBound, validateTimeZone } from "../core/time.js";
import { shellQuote } from "../core/shell.js";
import type { ExchangeSink, RequestGate } from "../gateway/exchange.js";
import { startGateway } from "../gateway/proxy.js";
import { startRecorder } from "../gateway/recorder.js";
import { gatewayBreaksReport } from "../gateway/report.js";
import { announceGateway, runningGateway, withdrawGateway } from "../gateway/running.js";
import { defaultRoutesFile, loadRoutes, type RouteTable } from "../gateway/routes.js";
import { userSettingsEnv } from "../runtimes/claude/gateway.js";
import { RUNTIMES, runtimeById } from "../runtimes/registry.js";
import type { RuntimeAdapter } from "../runtimes/types.js";
import { NoGatewayError } from "../sessions/gateway.js";
import { withExamples } from "./examples.js";
import { withBudgets } from "./gateway-budget.js";
import { parsePort, PORT_FLAG, PORT_HELP } from "./port-flag.js";

/** A gateway already serves this data folder: a second would take over its announcement, then withdraw it. */
const GatewayRunningError = NamedError.create<"GatewayRunningError", { message: string }>("GatewayRunningError");

function refuseIfRunning(dataDir: string): void {
  const live = runningGateway(dataDir);
  if (live)
    throw new GatewayRunningError({
      message:
        `a gateway is already running for this data folder: ${live.url} (pid ${live.pid}). Use that one, ` +
        `or stop it first (Ctrl-C in its terminal, or \`kill ${live.pid}\`); another data folder takes QUARTET_HOME=<dir>.`,
    });
}

/** What the hooks get to build the gateway's recording and budgets. */
export interface GatewayHookOptions {
  dataDir: string;
  /** quartet's database, where the store keeps the gateway's records. */
  dbFile: string;
  configDir: string;
  /** `--no-text`: store no text of any request, not even a break's short diff excerpt. */
  noText: boolean;
  diagnose: boolean;
  routes: RouteTable;
}

/** Something the gateway runs with, and closes when it stops (a database, a timer). */
export interface Hooked<T> {
  value: T;
  close(): void | Promise<void>;
}

export interface GatewayHooks {
  /** What records each exchange; undefined records nothing. */
  makeSink(o: GatewayHookOptions): Promise<Hooked<ExchangeSink> | undefined>;
  /** What may refuse a request before it is forwarded; undefined lets every request through. */
  makeGate(o: GatewayHookOptions): Promise<Hooked<RequestGate> | undefined>;
}

/** Nothing records and nothing gates: the hooks a test starts from. */
export const NO_HOOKS: GatewayHooks = { makeSink: async () => undefined, makeGate: async () => undefined };

/**
 * Every request diagnosed and stored in quartet's database, on the recorder's thread; `quartet gateway` adds the
 * budgets from config to these (gateway-budget.ts).
 */
export const GATEWAY_HOOKS: GatewayHooks = {
  async makeSink(o) {
    const recorder = await startRecorder({ dbFile: o.dbFile, noText: o.noText });
    return { value: recorder, close: () => recorder.close() };
  },
  makeGate: async () => undefined,
};

interface GatewayFlags {
  port?: number;
  routes?: string;
  upstream?: string;
  diagnose?: boolean;
  text: boolean;
}

export function registerGateway(program: Command, hooks: GatewayHooks = withBudgets(GATEWAY_HOOKS)): void {
  const gateway = program
    .command("gateway")
    .description(
      "a local pass-through proxy for the Anthropic Messages API: routes models to providers and records each request's cache use",
    )
    .option(PORT_FLAG, PORT_HELP, parsePort)
    .option("--routes <file>", "the routes file (default: gateway-routes.jsonc in quartet's config folder; none: everything to Anthropic)")
    .option("--upstream <url>", "the default upstream's base URL (default: the routes file's, else https://api.anthropic.com)")
    .option(
      "--diagnose",
      "ask Anthropic's API why each request missed the cache (adds the cache-diagnosis beta and a `diagnostics` body field: the one case where the gateway re-serializes a request body; default route only)",
    )
    .option("--no-text", "record no text of any request (not even a cache break's short diff excerpt)")
    .addHelpText("after", ROUTES_HELP)
    .action((flags: GatewayFlags) => gatewayCommand(flags, hooks));
  withExamples(gateway, [
    "quartet gateway                          # on a free port; prints how to point each runtime at it",
    "quartet gateway --port 4100 --diagnose",
    "quartet gateway --routes ./routes.jsonc --no-text",
  ]);
  const env = gateway
    .command("env")
    .description("print the shell lines that point a runtime at the running gateway")
    .argument("<runtime>", "the runtime to point (claude, opencode)")
    .option("--url <url>", "the gateway's URL (default: the gateway running for this data folder)")
    .action((runtime: string, flags: { url?: string }) => envCommand(runtime, flags));
  const breaks = gateway
    .command("breaks")
    .description("the cache breaks the gateway recorded: block, cause, tokens, cost, the API's own reason, the diff")
    .option("--since <date>", "from this date (YYYY-MM-DD, YYYYMMDD or ISO time; default: the last 7 days)")
    .option("--json", "print JSON")
    .action((flags: { since?: string; json?: boolean }) => breaksCommand(flags));
  withExamples(breaks, ["quartet gateway breaks", "quartet gateway breaks --since 2026-11-01 --json"]);
  withExamples(env, [
    'quartet gateway env claude               # use as: eval "$(quartet gateway env claude)"; claude',
    "quartet gateway env opencode --url http://127.0.0.1:4100",
  ]);
}

const ROUTES_HELP = `
Routes file (JSONC):
  { "default": { "baseUrl": "https://api.anthropic.com" },
    "routes": [ { "name": "deepseek", "models": ["deepseek-*"], "baseUrl": "https://api.deepseek.com/anthropic",
                  "keyEnv": "DEEPSEEK_API_KEY", "auth": "x-api-key" } ] }
  The first route whose model glob matches the request's model wins; anything else goes to the default.
  In a glob, "*" matches any characters, "/" included (moonshotai/kimi-k2), "?" one; matching is case-sensitive.
  "auth" is "x-api-key" (default) or "bearer".

Credentials: the client's own key or login goes unchanged only to an Anthropic host (*.anthropic.com) or, on the
default route, to this machine (127.0.0.0/8, ::1, localhost: the lab, a local proxy). A route with "keyEnv" sends
the key from that variable of the gateway's environment instead of the client's; an Anthropic key or Claude
subscription token is never sent to another provider, even as the default upstream (such a request is refused
with a 401 saying so). No key is written anywhere. Only programs on this machine are answered: a request from a
web page (Origin) or for another host name (Host) is refused.
`;

async function gatewayCommand(flags: GatewayFlags, hooks: GatewayHooks): Promise<void> {
  const { dataDir, configDir, dbFile } = quartetPaths();
  refuseIfRunning(dataDir);
  const routes = loadRoutes({
    file: flags.routes ?? defaultRoutesFile(configDir),
    required: flags.routes !== undefined,
    upstream: flags.upstream,
  });
  const options: GatewayHookOptions = { dataDir, configDir, dbFile, noText: !flags.text, diagnose: flags.diagnose === true, routes };
  const sink = await hooks.makeSink(options);
  // The recorder's thread keeps the process alive: closed on every way out, a port already taken included.
  const gate = await hooks.makeGate(options).catch(async (e: unknown) => {
    await sink?.close();
    throw e;
  });
  try {
    await serve({ flags, routes, dataDir, sink: sink?.value, gate: gate?.value, diagnose: options.diagnose });
  } finally {
    await sink?.close();
    await gate?.close();
  }
}

/** Listens until SIGINT or SIGTERM, announced in the data folder meanwhile. */
async function serve(o: {
  flags: GatewayFlags;
  routes: RouteTable;
  dataDir: string;
  sink?: ExchangeSink;
  gate?: RequestGate;
  diagnose: boolean;
}): Promise<void> {
  const gateway = await startGateway({ port: o.flags.port ?? 0, routes: o.routes, sink: o.sink, gate: o.gate, diagnose: o.diagnose });
  // Another may have started while this one opened its database and port.
  try {
    refuseIfRunning(o.dataDir);
  } catch (e) {
    await gateway.close();
    throw e;
  }
  announceGateway(o.dataDir, { pid: process.pid, url: gateway.url, port: gateway.port, startedAt: Date.now() });
  const withdraw = () => withdrawGateway(o.dataDir);
  process.once("exit", withdraw);
  process.stdout.write(
    [
      `quartet gateway listening on ${gateway.url}`,
      `Routes: ${describeRoutes(o.routes)}`,
      ...pointingLines(gateway.url),
      "Stop with Ctrl-C.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  withdraw();
  await gateway.close();
}

function describeRoutes(routes: RouteTable): string {
  const each = routes.routes.map((r) => `${r.name} → ${r.baseUrl.origin}${r.keyEnv ? ` ($${r.keyEnv})` : ""}`);
  return (
    [...each, `${each.length > 0 ? "everything else" : "everything"} → ${routes.default.baseUrl.href}`].join("; ") +
    (routes.file ? ` (from ${routes.file})` : "")
  );
}

/** One line per runtime: how to point it at the gateway, or why it cannot be. */
function pointingLines(url: string): string[] {
  const runtimes = [...RUNTIMES.values()].filter((r) => r.gateway);
  const width = Math.max(...runtimes.map((r) => r.displayName.length)) + 2;
  return runtimes.map((r) => {
    const how = r.gateway!.supported
      ? `eval "$(quartet gateway env ${r.id})"   # ${Object.keys(r.gateway!.env({ url, env: {} })).join(", ")}`
      : `not supported: ${r.gateway!.reason}`;
    return `${r.displayName}:`.padEnd(width) + how;
  });
}

async function breaksCommand(flags: { since?: string; json?: boolean }): Promise<void> {
  const since = flags.since ? parseDateBound(flags.since, validateTimeZone(localTimeZone()), false) : Date.now() - 7 * 86_400_000;
  const db = openDatabase(quartetPaths().dbFile);
  try {
    // Read only: a running gateway owns the schema (the report finds no table as no breaks).
    process.stdout.write(await gatewayBreaksReport(db, { since, format: flags.json ? "json" : "table" }));
  } finally {
    db.close();
  }
}

function envCommand(name: string, flags: { url?: string }): void {
  const runtime: RuntimeAdapter = runtimeById(name);
  const client = runtime.gateway;
  if (!client?.supported) throw new UsageError(`${runtime.displayName} cannot use the gateway${client ? `: ${client.reason}` : ""}`);
  let url = flags.url?.replace(/\/+$/, "");
  if (url !== undefined && !/^https?:\/\/[^/]+$/.test(url)) throw new UsageError(`--url: expected http://HOST:PORT, got "${flags.url}"`);
  url ??= runningGateway(quartetPaths().dataDir)?.url;
  if (url === undefined)
    throw new NoGatewayError({ message: "no gateway is running for this data folder: start one with `quartet gateway` (or pass --url)" });
  const vars = client.env({ url, env: process.env });
  for (const [k, v] of Object.entries(vars)) {
    const secret = secretField(v);
    if (secret)
      throw new UsageError(
        `the ${k} these lines would print holds "${secret}" from your environment's ${k}, a key printed to the terminal ` +
          `and saved in your shell's history: move it to the runtime's config file (or write it as {env:VARIABLE}), ` +
          `or start the runtime with \`quartet run --gateway\`, which prints nothing`,
      );
  }
  const lines = Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  process.stdout.write(lines.join("\n") + "\n");
  const settings = runtime.id === "claude" ? userSettingsEnv(process.env) : null;
  if (settings?.env.ANTHROPIC_BASE_URL !== undefined && vars.ANTHROPIC_BASE_URL !== undefined)
    process.stderr.write(
      `note: ${settings.file} sets ANTHROPIC_BASE_URL in its "env", which wins over this variable. Start Claude Code as\n` +
        `  claude --settings ${shellQuote(JSON.stringify({ env: { ANTHROPIC_BASE_URL: vars.ANTHROPIC_BASE_URL } }))}\n` +
        `(or use \`quartet run --gateway\`, which does so).\n`,
    );
}

/** The path of the first key-like field with a literal value in a JSON value (an inline config), or null. */
function secretField(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const walk = (v: unknown, at: string): string | null => {
    if (!v || typeof v !== "object") return null;
    for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
      const here = at ? `${at}.${k}` : k;
      const literal = typeof inner === "string" && inner !== "" && !/^\{(env|file):[^}]+\}$/.test(inner);
      if (literal && /(key|token|secret|password|authorization)$/i.test(k)) return here;
      const found = walk(inner, here);
      if (found) return found;
    }
    return null;
  };
  return walk(value, "");
}
