/**
 * The gateway's budgets, from the `gateway` section of the user's `config.jsonc` (quartet's config folder),
 * overridden key by key by the project's `.quartet/config.jsonc`:
 *
 *   "gateway": {
 *     "budgets": {
 *       "dailyUsd": 20,                                // spend per local day, every session together
 *       "sessionUsd": 5,                               // spend per session (the runtime's session id)
 *       "hitRateFloor": { "claude": 0.8, "opencode": 0.6 },  // or one number for every runtime
 *       "hitRateWindow": 20,                           // over a runtime's last N requests (default 20)
 *       "hardLimit": true                              // refuse requests once a spend budget is used up
 *     }
 *   }
 *
 * Which runtimes may be named is the registry's to say: the CLI passes their ids, so a misspelt one is an
 * error naming its file and line.
 */
import { z } from "zod";
import { readConfigSection, readProjectSection, projectConfigFile, userConfigFile } from "../core/project-config.js";

export const DEFAULT_HIT_RATE_WINDOW = 20;

const Share = z.number().min(0).max(1);

function gatewaySection(runtimes: readonly string[]) {
  const floor = runtimes.length > 0 ? z.union([Share, z.partialRecord(z.enum(runtimes as [string, ...string[]]), Share)]) : Share;
  return z
    .object({
      budgets: z
        .object({
          dailyUsd: z.number().positive().optional(),
          sessionUsd: z.number().positive().optional(),
          hitRateFloor: floor.optional(),
          hitRateWindow: z.number().int().min(1).max(1000).optional(),
          hardLimit: z.boolean().optional(),
        })
        .strict()
        .optional(),
    })
    .strict();
}

type Section = z.infer<ReturnType<typeof gatewaySection>>;
type Budgets = NonNullable<Section["budgets"]>;

export interface BudgetSettings {
  dailyUsd: number | null;
  sessionUsd: number | null;
  /** A floor per runtime id; `*` is the floor for a runtime not named (a single number sets only `*`). */
  hitRateFloor: Readonly<Record<string, number>>;
  hitRateWindow: number;
  hardLimit: boolean;
  /** The file each limit was set in, for the message that says how to raise it. */
  origin: { dailyUsd: string | null; sessionUsd: string | null };
}

/** The budgets in force, user's then project's; none set is a BudgetSettings with every limit null. */
export function budgetSettings(o: { configDir: string; projectRoot: string | null; runtimes: readonly string[] }): BudgetSettings {
  const schema = gatewaySection(o.runtimes);
  const userFile = userConfigFile(o.configDir);
  const user = readConfigSection(userFile, "gateway", schema)?.budgets;
  const project = o.projectRoot ? readProjectSection(o.projectRoot, "gateway", schema)?.budgets : undefined;
  const pick = <K extends keyof Budgets>(key: K): { value: Budgets[K] | undefined; file: string | null } =>
    project?.[key] !== undefined
      ? { value: project[key], file: projectConfigFile(o.projectRoot!) }
      : { value: user?.[key], file: user?.[key] !== undefined ? userFile : null };
  const daily = pick("dailyUsd");
  const session = pick("sessionUsd");
  const floor = pick("hitRateFloor").value;
  return {
    dailyUsd: daily.value ?? null,
    sessionUsd: session.value ?? null,
    hitRateFloor: floor === undefined ? {} : typeof floor === "number" ? { "*": floor } : floorsOf(floor),
    hitRateWindow: pick("hitRateWindow").value ?? DEFAULT_HIT_RATE_WINDOW,
    hardLimit: pick("hardLimit").value ?? false,
    origin: { dailyUsd: daily.file, sessionUsd: session.file },
  };
}

function floorsOf(floor: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(floor).filter((e): e is [string, number] => e[1] !== undefined));
}

/** True when the settings ask the gateway to watch anything at all. */
export function budgetsSet(s: BudgetSettings): boolean {
  return s.dailyUsd !== null || s.sessionUsd !== null || Object.keys(s.hitRateFloor).length > 0;
}
