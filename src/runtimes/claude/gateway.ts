/**
 * Claude Code through quartet's gateway: `ANTHROPIC_BASE_URL` sends its Messages API requests there (its
 * credentials, an API key or the subscription's login, go with them; the gateway passes them only to
 * Anthropic). Its requests name it in their user-agent: `claude-cli/2.1.197 (external, sdk-cli)`.
 *
 * A person who set Claude Code up for another provider (ANTHROPIC_BASE_URL at Kimi, GLM, OpenRouter, with that
 * provider's token in ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY, in the environment or in settings.json's `env`)
 * is refused: pointed at the gateway, that token would go through the default route to Anthropic. The way
 * there is a route for the provider's models, with the provider's key in its `keyEnv`. A base URL on this
 * machine (the lab, a local router) is let through, as the gateway trusts loopback upstreams: its token is the
 * person's own local one.
 */
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../core/errors.js";
import type { GatewayClient } from "../types.js";

/** The variables through which Claude Code sends a credential of the person's choosing. */
const TOKEN_VARIABLES = ["ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"] as const;

/** The person's user settings file and the `env` block in it (which overrides the process's environment). */
export function userSettingsEnv(env: NodeJS.ProcessEnv): { file: string; env: Record<string, string> } | null {
  const dir = env.CLAUDE_CONFIG_DIR?.split(",")[0] || (env.HOME ? path.join(env.HOME, ".claude") : null);
  if (!dir) return null;
  const file = path.join(dir, "settings.json");
  try {
    const settings = JSON.parse(fs.readFileSync(file, "utf8")) as { env?: unknown };
    const block = settings?.env && typeof settings.env === "object" ? (settings.env as Record<string, unknown>) : {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(block)) if (typeof v === "string") out[k] = v;
    return { file, env: out };
  } catch {
    return null; // No file, or one Claude Code could not read either.
  }
}

/** Anthropic's own hosts, or this machine's (127.0.0.0/8, ::1, localhost). */
function isTrusted(url: string): boolean {
  try {
    return /(^|\.)anthropic\.com$|^localhost$|^\[::1\]$|^127(\.\d{1,3}){3}$/i.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Why pointing this environment at the gateway would send another provider's token to Anthropic, or null. */
export function foreignProviderSetup(env: NodeJS.ProcessEnv, gatewayUrl: string): string | null {
  const settings = userSettingsEnv(env);
  const sources = [
    { where: "the environment", vars: env as Record<string, string | undefined> },
    ...(settings ? [{ where: settings.file, vars: settings.env as Record<string, string | undefined> }] : []),
  ];
  const base = sources.find(
    (s) => s.vars.ANTHROPIC_BASE_URL && s.vars.ANTHROPIC_BASE_URL !== gatewayUrl && !isTrusted(s.vars.ANTHROPIC_BASE_URL),
  );
  if (!base) return null;
  const token = sources.flatMap((s) => TOKEN_VARIABLES.filter((v) => s.vars[v]).map((v) => `${v} (in ${s.where})`))[0];
  if (!token) return null;
  return (
    `Claude Code is set up for another provider: ANTHROPIC_BASE_URL points at ${hostOf(base.vars.ANTHROPIC_BASE_URL)} (in ${base.where}), ` +
    `with ${token}. Through the gateway that token would go to Anthropic. Add a route for that provider's models to ` +
    `gateway-routes.jsonc (its key in "keyEnv"), and start Claude Code without that ANTHROPIC_BASE_URL and token.`
  );
}

export const claudeGateway: GatewayClient = {
  supported: true,
  userAgent: /^claude-cli\//,
  env: ({ url, env }) => {
    const foreign = foreignProviderSetup(env, url);
    if (foreign) throw new UsageError(foreign);
    return { ANTHROPIC_BASE_URL: url };
  },
};

/** A URL's host alone: the rest of a provider's URL may carry a key (`user:key@`, `?key=`). */
function hostOf(url: string | undefined): string {
  try {
    return new URL(url ?? "").host || "(not a URL)";
  } catch {
    return "(not a URL)";
  }
}
