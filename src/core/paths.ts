/**
 * Where quartet keeps its own files and where it looks for the runtimes' files.
 *
 * quartet's data dir: $QUARTET_HOME, else $XDG_DATA_HOME/quartet, else ~/.local/share/quartet.
 * quartet's config dir: $QUARTET_HOME, else $XDG_CONFIG_HOME/quartet, else ~/.config/quartet.
 *
 * Runtime data is found through a LookupEnv. `--home DIR` replaces $HOME for that lookup, and then the
 * location variables of the real machine (XDG_*, CLAUDE_CONFIG_DIR, CODEX_HOME, …) are ignored too,
 * because they point into the real home, not into the copied one being read.
 */
import crypto from "node:crypto";
import os from "node:os";
import path from "node:path";

export interface QuartetPaths {
  dataDir: string;
  configDir: string;
  dbFile: string;
}

export function quartetPaths(env: NodeJS.ProcessEnv = process.env): QuartetPaths {
  const home = env.HOME || os.homedir();
  const own = env.QUARTET_HOME;
  const dataDir = own || path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "quartet");
  const configDir = own || path.join(env.XDG_CONFIG_HOME || path.join(home, ".config"), "quartet");
  return { dataDir, configDir, dbFile: path.join(dataDir, "quartet.db") };
}

/**
 * The price override file: --pricing, else $QUARTET_PRICING, else pricing.json in quartet's config folder.
 * `named`: the person named it (flag or variable), so it must exist; the default one is optional.
 */
export function pricingOverrideFile(flag?: string, env: NodeJS.ProcessEnv = process.env): { file: string; named: boolean } {
  const named = flag ?? (env.QUARTET_PRICING || undefined);
  return { file: named ?? path.join(quartetPaths(env).configDir, "pricing.json"), named: named !== undefined };
}

/**
 * Another home (--home) gets a ledger of its own, beside quartet's main database, so reading a copied
 * home never mixes its records into the user's own ledger.
 */
export function homeLedgerFile(dataDir: string, home: string): string {
  const id = crypto.createHash("sha256").update(home).digest("hex").slice(0, 12);
  const name =
    path
      .basename(home)
      .replace(/[^A-Za-z0-9._-]/g, "_")
      .slice(0, 40) || "home";
  return path.join(dataDir, "homes", `${name}-${id}.db`);
}

/** The view of the machine a runtime adapter uses to locate its logs and configs. */
export interface LookupEnv {
  /** The home folder to search: --home, else $HOME. */
  readonly home: string;
  /** True when --home replaced $HOME; location variables are then ignored. */
  readonly homeOverridden: boolean;
  /** A location variable such as CLAUDE_CONFIG_DIR; undefined under --home. */
  location(name: string): string | undefined;
  readonly xdgDataHome: string;
  readonly xdgConfigHome: string;
}

export function lookupEnv(options: { home?: string; env?: NodeJS.ProcessEnv } = {}): LookupEnv {
  const env = options.env ?? process.env;
  const overridden = options.home !== undefined;
  const home = path.resolve(options.home ?? (env.HOME || os.homedir()));
  const location = (name: string) => {
    if (overridden) return undefined;
    const value = env[name];
    return value && value.trim() !== "" ? value : undefined;
  };
  return {
    home,
    homeOverridden: overridden,
    location,
    xdgDataHome: location("XDG_DATA_HOME") ?? path.join(home, ".local", "share"),
    xdgConfigHome: location("XDG_CONFIG_HOME") ?? path.join(home, ".config"),
  };
}

/** Expands a leading `~` against the lookup home. */
export function expandHome(p: string, home: string): string {
  if (p === "~") return home;
  if (p.startsWith("~/")) return path.join(home, p.slice(2));
  return p;
}
