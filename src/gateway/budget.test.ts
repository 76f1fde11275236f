import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { openDatabase } from "../core/db.js";
import { InputError } from "../core/errors.js";
import { buildPricing } from "../core/pricing.js";
import { PRICE_TABLE } from "../core/price-table.js";
import type { GatewayAlert } from "./alerts.js";
import { budgetSettings, type BudgetSettings } from "./budget-config.js";
import { storedSpend } from "./budget-history.js";
import { Budget, localDay, type SpendHistory } from "./budget.js";
import type { Exchange } from "./exchange.js";
import { gatewaySink } from "./store.js";

const pricing = buildPricing(PRICE_TABLE);
const CLAUDE_UA = "claude-cli/2.1.197 (external, sdk-cli)";
const OPENCODE_UA = "opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14";
/** The CLI builds this from the registry; here, the same user-agent rule for two runtimes. */
const runtimeOf = (h: Readonly<Record<string, string>>) =>
  /^claude-cli\//.test(h["user-agent"] ?? "") ? "claude" : /^opencode\//.test(h["user-agent"] ?? "") ? "opencode" : null;

const AT = new Date(2026, 10, 30, 9, 0).getTime();
let n = 0;

/** A finished exchange on claude-sonnet-4-5 ($3 per million input tokens, $0.30 per million cache reads). */
function exchange(o: { at?: number; session?: string; ua?: string; input?: number; read?: number; model?: string }): Exchange {
  return {
    id: `gw_test_${++n}`,
    at: o.at ?? AT,
    firstByteMs: 5,
    durationMs: 10,
    method: "POST",
    path: "/v1/messages?beta=true",
    route: "default",
    upstream: "https://api.anthropic.com",
    request: { model: o.model ?? "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] },
    headers: { "user-agent": o.ua ?? CLAUDE_UA, ...(o.session ? { "x-claude-code-session-id": o.session } : {}) },
    status: 200,
    messageId: `msg_test_${n}`,
    requestId: null,
    model: o.model ?? "claude-sonnet-4-5",
    usage: { input_tokens: o.input ?? 0, cache_creation_input_tokens: 0, cache_read_input_tokens: o.read ?? 0, output_tokens: 0 },
    error: null,
    aborted: false,
  };
}

function settings(s: Partial<BudgetSettings>): BudgetSettings {
  return {
    dailyUsd: null,
    sessionUsd: null,
    hitRateFloor: {},
    hitRateWindow: 20,
    hardLimit: false,
    origin: { dailyUsd: "/cfg/config.jsonc", sessionUsd: "/repo/.quartet/config.jsonc" },
    ...s,
  };
}

function budget(s: Partial<BudgetSettings>, extra: { history?: SpendHistory } = {}) {
  const alerts: GatewayAlert[] = [];
  const log: string[] = [];
  const b = new Budget({
    settings: settings(s),
    pricing,
    runtimeOf,
    alert: (a) => alerts.push(a),
    log: (l) => log.push(l),
    history: extra.history,
  });
  return { b, alerts, log };
}

test("the daily budget warns at 80% and at 100%, once each, and the hard limit then refuses with why and how", () => {
  const { b, alerts } = budget({ dailyUsd: 1, hardLimit: true });
  const gate = { at: AT, model: "claude-sonnet-4-5", session: null, route: "default" };
  // 100k uncached input tokens at $3/M: $0.30 a request.
  for (let i = 0; i < 2; i++) b.record(exchange({ input: 100_000 }));
  expect(alerts).toEqual([]);
  expect(b.check(gate)).toBeNull();
  b.record(exchange({ input: 100_000 }));
  expect(alerts.map((a) => [a.kind, a.message])).toEqual([["daily-warning", "daily budget: $0.90 of $1.00 spent today (80% reached)"]]);
  b.record(exchange({ input: 100_000 }));
  b.record(exchange({ input: 100_000 }));
  expect(alerts.map((a) => a.kind)).toEqual(["daily-warning", "daily-limit"]);
  expect(alerts[1]!.message).toBe(
    "daily budget used up: $1.20 of $1.00 spent today; further requests are refused (gateway.budgets.hardLimit)",
  );
  expect(b.check(gate)).toEqual({
    status: 400,
    type: "invalid_request_error",
    message:
      "quartet gateway: the daily budget is used up: $1.50 of $1.00 spent today (2026-11-30); it starts again at midnight. " +
      "Raise gateway.budgets.dailyUsd in /cfg/config.jsonc, or set gateway.budgets.hardLimit to false to let requests through.",
  });
  // The next local day starts from nothing, and its own alerts go out again.
  const tomorrow = new Date(2026, 11, 1, 0, 5).getTime();
  expect(b.check({ ...gate, at: tomorrow })).toBeNull();
  b.record(exchange({ at: tomorrow, input: 100_000 }));
  expect(alerts.map((a) => a.kind)).toEqual(["daily-warning", "daily-limit"]);
  b.record(exchange({ at: tomorrow, input: 170_000 }));
  expect(alerts.map((a) => a.kind)).toEqual(["daily-warning", "daily-limit", "daily-warning"]);
});

test("a session budget counts each session apart; without the hard limit requests still pass", () => {
  const { b, alerts } = budget({ sessionUsd: 0.5 });
  b.record(exchange({ session: "s-1", input: 50_000 }));
  b.record(exchange({ session: "s-2", input: 100_000 }));
  expect(alerts).toEqual([]);
  // One request from 30% to 120%: only the limit is said.
  b.record(exchange({ session: "s-1", input: 150_000 }));
  expect(alerts.map((a) => [a.kind, a.session])).toEqual([["session-limit", "s-1"]]);
  expect(alerts[0]!.message).toBe(
    "session budget used up: $0.60 of $0.50 spent in session s-1; requests still go through (gateway.budgets.hardLimit is off)",
  );
  expect(b.check({ at: AT, model: null, session: "s-1", route: "default" })).toBeNull();
  expect(b.spent(AT, "s-2")).toEqual({ today: expect.closeTo(0.9, 9), session: expect.closeTo(0.3, 9) });

  const hard = budget({ sessionUsd: 0.5, hardLimit: true });
  hard.b.record(exchange({ session: "s-1", input: 200_000 }));
  expect(hard.b.check({ at: AT, model: null, session: "s-1", route: "default" })!.message).toContain(
    "this session's budget is used up: $0.60 of $0.50 spent in session s-1",
  );
  expect(hard.b.check({ at: AT, model: null, session: "s-2", route: "default" })).toBeNull();
  expect(hard.b.check({ at: AT, model: null, session: null, route: "default" })).toBeNull();
});

test("a model without a price counts toward no budget and is said once", () => {
  const { b, alerts, log } = budget({ dailyUsd: 0.01 });
  b.record(exchange({ model: "mystery-model-1", input: 1_000_000 }));
  b.record(exchange({ model: "mystery-model-1", input: 1_000_000 }));
  expect(alerts).toEqual([]);
  expect(log).toEqual(["budgets: no price for mystery-model-1: its requests count toward no budget (add it to the price override file)"]);
});

test("the hit-rate floor alerts once per runtime when its last requests read too little, and again after it recovers", () => {
  const { b, alerts } = budget({ hitRateFloor: { claude: 0.5 }, hitRateWindow: 3 });
  const hit = (ua: string) => b.record(exchange({ ua, input: 100, read: 900 }));
  const miss = (ua: string) => b.record(exchange({ ua, input: 900, read: 100 }));
  hit(CLAUDE_UA);
  miss(CLAUDE_UA);
  miss(CLAUDE_UA); // (900 + 100 + 100) / 3000 = 37%
  expect(alerts.map((a) => [a.kind, a.runtime, a.message])).toEqual([
    [
      "hit-rate",
      "claude",
      "claude: cache hit rate 37% over its last 3 requests, below the floor of 50% (`quartet cache` names the breaks)",
    ],
  ]);
  miss(CLAUDE_UA);
  miss(CLAUDE_UA);
  // OpenCode has no floor here.
  for (let i = 0; i < 5; i++) miss(OPENCODE_UA);
  expect(alerts).toHaveLength(1);
  hit(CLAUDE_UA);
  hit(CLAUDE_UA); // (100 + 900 + 900) / 3000 = 63%: back above, re-armed
  miss(CLAUDE_UA);
  miss(CLAUDE_UA);
  expect(alerts.map((a) => a.runtime)).toEqual(["claude", "claude"]);

  // One number is the floor of every runtime, and of clients no runtime claims.
  const all = budget({ hitRateFloor: { "*": 0.5 }, hitRateWindow: 2 });
  for (const ua of [OPENCODE_UA, OPENCODE_UA, "curl/8", "curl/8"]) all.b.record(exchange({ ua, input: 900, read: 100 }));
  expect(all.alerts.map((a) => a.message.split(":")[0])).toEqual(["opencode", "other clients"]);
});

test("spend survives a restart: a new gateway reads the day's and each session's spend from the stored records", () => {
  const db = openDatabase(path.join(tempDir(), "quartet.db"));
  const store = gatewaySink({ db, pricing });
  const first = budget({ dailyUsd: 1, sessionUsd: 1 });
  for (const e of [
    exchange({ session: "s-1", input: 100_000 }),
    exchange({ session: "s-1", input: 170_000 }),
    exchange({ input: 30_000 }),
  ]) {
    store.record(e);
    first.b.record(e);
  }
  // Yesterday's spend counts for the session, not for today.
  store.record(exchange({ at: AT - 86_400_000, session: "s-1", input: 100_000 }));
  expect(first.alerts.map((a) => a.kind)).toEqual(["daily-warning", "session-warning"]);

  const restarted = AT + 60_000;
  const second = budget({ dailyUsd: 1, sessionUsd: 1 }, { history: storedSpend(db) });
  expect(second.b.spent(restarted, "s-1").today).toBeCloseTo(0.9, 9);
  expect(second.b.spent(restarted, "s-1").session).toBeCloseTo(1.11, 9);
  // Levels reached before the restart were announced then: only the next crossing is.
  const e = exchange({ at: restarted + 1, session: "s-1", input: 100_000 });
  store.record(e);
  second.b.record(e);
  expect(second.alerts.map((a) => a.kind)).toEqual(["daily-limit"]);
  store.close();
  db.close();
});

test("budgets come from the user's config, the project's overriding key by key; a mistake names its file, line and field", () => {
  const configDir = tempDir();
  const project = tempDir();
  fs.mkdirSync(path.join(project, ".quartet"));
  const runtimes = ["claude", "opencode", "codex"];
  fs.writeFileSync(
    path.join(configDir, "config.jsonc"),
    `{\n  // mine\n  "gateway": { "budgets": { "dailyUsd": 20, "sessionUsd": 5, "hitRateFloor": 0.7 } }\n}\n`,
  );
  fs.writeFileSync(path.join(project, ".quartet", "config.jsonc"), `{ "gateway": { "budgets": { "sessionUsd": 2, "hardLimit": true } } }`);
  expect(budgetSettings({ configDir, projectRoot: project, runtimes })).toEqual({
    dailyUsd: 20,
    sessionUsd: 2,
    hitRateFloor: { "*": 0.7 },
    hitRateWindow: 20,
    hardLimit: true,
    origin: { dailyUsd: path.join(configDir, "config.jsonc"), sessionUsd: path.join(project, ".quartet", "config.jsonc") },
  });
  expect(budgetSettings({ configDir: tempDir(), projectRoot: null, runtimes }).dailyUsd).toBeNull();

  fs.writeFileSync(
    path.join(project, ".quartet", "config.jsonc"),
    `{\n  "gateway": {\n    "budgets": {\n      "hitRateFloor": { "claude": 0.8, "claud": 0.5 }\n    }\n  }\n}\n`,
  );
  const error = (() => {
    try {
      budgetSettings({ configDir, projectRoot: project, runtimes });
    } catch (e) {
      return e;
    }
  })();
  expect(InputError.isInstance(error)).toBe(true);
  expect((error as InstanceType<typeof InputError>).data).toMatchObject({
    file: path.join(project, ".quartet", "config.jsonc"),
    line: 4,
    field: "gateway.budgets.hitRateFloor",
    message: 'gateway.budgets.hitRateFloor: Unrecognized key: "claud"',
  });
  fs.writeFileSync(path.join(project, ".quartet", "config.jsonc"), `{ "gateway": { "budgets": { "dailyUsd": -1 } } }`);
  expect(() => budgetSettings({ configDir, projectRoot: project, runtimes })).toThrow(/gateway\.budgets\.dailyUsd: .*>0/);
});

/** Runs `body` with the process in another time zone (Node reads TZ again when it is set). */
function inZone(zone: string, body: () => void): void {
  const was = process.env.TZ;
  process.env.TZ = zone;
  try {
    body();
  } finally {
    process.env.TZ = was;
  }
}

for (const zone of ["Asia/Kolkata", "America/St_Johns", "UTC"]) {
  test(`${zone}: a request that arrived before local midnight and ends after it counts for its own day; today's spend and alerts stand`, () =>
    inZone(zone, () => {
      const midnight = new Date(2026, 10, 30).getTime();
      const db = openDatabase(path.join(tempDir(), "quartet.db"));
      const store = gatewaySink({ db, pricing });
      const { b, alerts } = budget({ dailyUsd: 1, hardLimit: true }, { history: storedSpend(db) });
      // The budget counts first, as in the gateway, where the recorder's thread writes a moment later.
      const pass = (e: Exchange) => (b.record(e), store.record(e));
      const gate = (at: number) => b.check({ at, model: null, session: null, route: "default" });
      pass(exchange({ at: midnight - 3_600_000, input: 100_000 })); // 23:00 local yesterday: $0.30
      for (let i = 1; i <= 3; i++) pass(exchange({ at: midnight + i * 60_000, input: 150_000 })); // $0.45 each
      expect(alerts.map((a) => a.kind)).toEqual(["daily-warning", "daily-limit"]);
      expect(gate(midnight + 300_000)?.message).toContain("$1.35 of $1.00 spent today (2026-11-30)");

      // A stream that arrived at 23:59:55 yesterday ends now.
      pass(exchange({ at: midnight - 5_000, input: 100_000 }));
      expect(b.spent(midnight + 300_000).today).toBeCloseTo(1.35, 9);
      expect(b.spent(midnight - 1).today).toBeCloseTo(0.6, 9);
      expect(gate(midnight + 300_000)?.message).toContain("$1.35 of $1.00 spent today (2026-11-30)");
      for (let i = 4; i <= 6; i++) pass(exchange({ at: midnight + i * 60_000, input: 150_000 }));
      expect(alerts.map((a) => a.kind)).toEqual(["daily-warning", "daily-limit"]);

      // Restarted after midnight, the gateway reads both days back by their local bounds.
      const restarted = budget({ dailyUsd: 1, hardLimit: true }, { history: storedSpend(db) });
      expect(restarted.b.spent(midnight + 600_000).today).toBeCloseTo(2.7, 9);
      expect(restarted.b.spent(midnight - 1).today).toBeCloseTo(0.6, 9);
      expect(restarted.b.check({ at: midnight + 86_400_000, model: null, session: null, route: "default" })).toBeNull();

      // Counted only in memory (no store), the late request does not reset today either.
      const memory = budget({ dailyUsd: 1 });
      for (let i = 0; i < 3; i++) memory.b.record(exchange({ at: midnight + 60_000, input: 100_000 })); // $0.90
      memory.b.record(exchange({ at: midnight - 5_000, input: 10_000 }));
      memory.b.record(exchange({ at: midnight + 120_000, input: 10_000 }));
      expect(memory.b.spent(midnight + 120_000).today).toBeCloseTo(0.93, 9);
      expect(memory.alerts.map((a) => a.kind)).toEqual(["daily-warning"]);
      store.close();
      db.close();
    }));
}

test("what the recorder has not written yet counts once, and two gateways on one database share one budget", () => {
  const file = path.join(tempDir(), "quartet.db");
  const [dbA, dbB] = [openDatabase(file), openDatabase(file)];
  const [storeA, storeB] = [gatewaySink({ db: dbA, pricing }), gatewaySink({ db: dbB, pricing })];
  const limits = { dailyUsd: 1, sessionUsd: 0.5, hardLimit: true };
  const a = budget(limits, { history: storedSpend(dbA) });
  const b = budget(limits, { history: storedSpend(dbB) });
  const gate = (g: typeof a, session: string | null) => g.b.check({ at: AT, model: null, session, route: "default" });

  const first = exchange({ session: "s-1", input: 100_000 }); // $0.30
  a.b.record(first);
  expect(a.b.spent(AT, "s-1")).toEqual({ today: expect.closeTo(0.3, 9), session: expect.closeTo(0.3, 9) });
  // Not yet written: the other gateway cannot see it (the bound on a burst across gateways).
  expect(b.b.spent(AT, "s-1")).toEqual({ today: 0, session: 0 });
  storeA.record(first);
  expect(a.b.spent(AT, "s-1")).toEqual({ today: expect.closeTo(0.3, 9), session: expect.closeTo(0.3, 9) });
  expect(b.b.spent(AT, "s-1")).toEqual({ today: expect.closeTo(0.3, 9), session: expect.closeTo(0.3, 9) });

  const second = exchange({ session: "s-1", input: 100_000 });
  b.b.record(second);
  storeB.record(second);
  expect(gate(a, "s-1")?.message).toContain("this session's budget is used up: $0.60 of $0.50");
  expect(gate(a, "s-2")).toBeNull();
  for (const [g, store] of [
    [a, storeA],
    [b, storeB],
  ] as const) {
    const e = exchange({ session: "s-2", input: 100_000 });
    g.b.record(e);
    store.record(e);
  }
  expect(gate(a, null)?.message).toContain("the daily budget is used up: $1.20 of $1.00");
  expect(gate(b, null)?.message).toContain("the daily budget is used up: $1.20 of $1.00");
  // Each crossing is alerted once, by the gateway whose request made it.
  expect(a.alerts.map((x) => x.kind)).toEqual(["daily-warning"]);
  expect(b.alerts.map((x) => [x.kind, x.session])).toEqual([
    ["session-limit", "s-1"],
    ["daily-limit", null],
    ["session-limit", "s-2"],
  ]);
  storeA.close();
  storeB.close();
  dbA.close();
  dbB.close();
});

test("a database that cannot be read lets requests through, said once on the log", () => {
  // A fake SpendHistory: a real SQLite database does not fail on demand.
  const broken = {
    refresh: (): string[] => {
      throw new Error("SQLITE_CORRUPT: database disk image is malformed");
    },
    day: () => 0,
    session: () => 0,
  };
  const { b, log } = budget({ dailyUsd: 1, hardLimit: true }, { history: broken });
  const gate = { at: AT, model: null, session: null, route: "default" };
  expect(b.check(gate)).toBeNull();
  expect(b.check(gate)).toBeNull();
  expect(log).toEqual([
    "budgets: could not read the spend from quartet's database (SQLITE_CORRUPT: database disk image is malformed): requests go through unchecked",
  ]);
});

test("America/St_Johns: a day that falls back an hour has 25 hours, all of them counted for it when read back", () =>
  inZone("America/St_Johns", () => {
    const day = localDay(new Date(2026, 10, 1, 12).getTime()); // the clocks go back at 02:00 on 1 November 2026
    expect([day.key, (day.end - day.start) / 3_600_000]).toEqual(["2026-11-01", 25]);
    const db = openDatabase(path.join(tempDir(), "quartet.db"));
    const store = gatewaySink({ db, pricing });
    store.record(exchange({ at: day.start + 24.5 * 3_600_000, input: 100_000 })); // 23:30 local, 24.5 hours in
    store.record(exchange({ at: day.end + 60_000, input: 50_000 })); // 00:01 the next day
    const { b } = budget({ dailyUsd: 1 }, { history: storedSpend(db) });
    expect(b.spent(day.start + 3_600_000).today).toBeCloseTo(0.3, 9);
    expect(b.spent(day.end).today).toBeCloseTo(0.15, 9);
    store.close();
    db.close();
  }));
