/**
 * The gateway's budgets wired in by the CLI: the settings from config (the runtimes a hit-rate floor may name
 * come from the registry), each request's runtime from the registry's user-agents, the person's prices, the
 * spend already recorded in quartet's database, and alerts through the sessions' notify settings.
 * `withBudgets(hooks)` adds them to `quartet gateway`'s hooks: the budget both counts what the sink is
 * handed and gates what the proxy forwards. No budget set: the hooks are left as they were.
 */
import { openDatabase } from "../core/db.js";
import { fmtPercent, fmtUsd } from "../core/output.js";
import { userPricing, type Pricing } from "../core/pricing.js";
import { alertChannels } from "../gateway/alerts.js";
import { budgetSettings, budgetsSet, type BudgetSettings } from "../gateway/budget-config.js";
import { storedSpend } from "../gateway/budget-history.js";
import { Budget } from "../gateway/budget.js";
import type { Exchange, ExchangeSink } from "../gateway/exchange.js";
import { RUNTIMES } from "../runtimes/registry.js";
import { repositoryRoot } from "../sessions/git.js";
import { sessionSettings } from "../sessions/settings.js";
import type { GatewayHookOptions, GatewayHooks, Hooked } from "./gateway.js";

/** The runtime a request came from, by its user-agent, as each runtime's GatewayClient describes it. */
export function runtimeOfHeaders(headers: Readonly<Record<string, string>>): string | null {
  const agent = headers["user-agent"] ?? "";
  for (const r of RUNTIMES.values()) if (r.gateway?.supported && r.gateway.userAgent.test(agent)) return r.id;
  return null;
}

/** The project whose `.quartet/config.jsonc` applies: the repository the gateway was started in, else the folder. */
function projectRoot(cwd: string): string {
  try {
    return repositoryRoot(cwd);
  } catch {
    return cwd;
  }
}

/** The budgets from config, or null when none is set. */
export function makeBudget(o: {
  dbFile: string;
  configDir: string;
  cwd: string;
  pricing: Pricing;
  log?: (line: string) => void;
}): { budget: Budget; settings: BudgetSettings; close(): void } | null {
  const root = projectRoot(o.cwd);
  const settings = budgetSettings({ configDir: o.configDir, projectRoot: root, runtimes: [...RUNTIMES.keys()] });
  if (!budgetsSet(settings)) return null;
  const db = openDatabase(o.dbFile);
  const budget = new Budget({
    settings,
    pricing: o.pricing,
    runtimeOf: runtimeOfHeaders,
    history: storedSpend(db),
    alert: alertChannels({ notify: sessionSettings({ configDir: o.configDir, projectRoot: root }).notify, log: o.log }),
    log: o.log,
  });
  return { budget, settings, close: () => db.close() };
}

/** One line for the gateway's start: the budgets in force. */
export function describeBudgets(s: BudgetSettings): string {
  const parts: string[] = [];
  if (s.dailyUsd !== null) parts.push(`${fmtUsd(s.dailyUsd)} a day`);
  if (s.sessionUsd !== null) parts.push(`${fmtUsd(s.sessionUsd)} a session`);
  const floors = Object.entries(s.hitRateFloor).map(([r, f]) => `${r === "*" ? "every runtime" : r} ≥ ${fmtPercent(f)}`);
  if (floors.length > 0) parts.push(`cache hit rate ${floors.join(", ")} over the last ${s.hitRateWindow} requests`);
  const hard =
    s.dailyUsd !== null || s.sessionUsd !== null
      ? s.hardLimit
        ? "; hard limit: requests past a budget are refused"
        : "; alerts only"
      : "";
  return `budgets: ${parts.join(", ")}${hard}`;
}

/** Both sinks, in order (neither throws: an ExchangeSink must not). */
function both(first: ExchangeSink | undefined, second: ExchangeSink): ExchangeSink {
  return {
    record(e: Exchange) {
      first?.record(e);
      second.record(e);
    },
  };
}

/**
 * `quartet gateway`'s hooks with the budgets added: counted after the inner sink, and gating before forwarding
 * only when something can be refused (a spend limit with `hardLimit`), since a gate makes the proxy read each
 * request body before it forwards it.
 */
export function withBudgets(inner: GatewayHooks, o: { cwd?: string; log?: (line: string) => void } = {}): GatewayHooks {
  let made: Promise<ReturnType<typeof makeBudget>> | undefined;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const budgetFor = (h: GatewayHookOptions) =>
    (made ??= userPricing().then((pricing) => {
      const b = makeBudget({ dbFile: h.dbFile, configDir: h.configDir, cwd: o.cwd ?? process.cwd(), pricing });
      if (b) log(`quartet gateway: ${describeBudgets(b.settings)}`);
      return b;
    }));
  return {
    async makeSink(h) {
      const sink = await inner.makeSink(h);
      // A bad budget config must not leave the recorder's thread holding the process open.
      const b = await budgetFor(h).catch(async (e: unknown) => {
        await sink?.close();
        throw e;
      });
      if (!b) return sink;
      const close = async () => {
        await sink?.close();
        b.close();
      };
      return { value: both(sink?.value, b.budget), close } satisfies Hooked<ExchangeSink>;
    },
    async makeGate(h) {
      const b = await budgetFor(h);
      const s = b?.settings;
      const refuses = s !== undefined && s.hardLimit && (s.dailyUsd !== null || s.sessionUsd !== null);
      return refuses ? { value: b!.budget, close: () => undefined } : inner.makeGate(h);
    },
  };
}
