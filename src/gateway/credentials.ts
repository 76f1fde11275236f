/**
 * Whose credentials go where. The client's own `x-api-key` / `authorization` are meant for Anthropic, and go
 * unchanged only to an Anthropic host (api.anthropic.com, *.anthropic.com) or, on the default route, to a
 * loopback upstream (127.0.0.0/8, ::1, localhost: the lab, or a local proxy run by the same person). A provider's
 * route sends that provider's key, read from the variable the route names when the request is forwarded, and
 * drops the client's. Anywhere else (a route without a key, or a default upstream moved to another host), an
 * Anthropic credential (an API key or a Claude subscription's OAuth token) is never relayed: the request is refused.
 *
 * Nothing here writes or returns a credential's value in a message: errors name the variable, never its value.
 */
import type http from "node:http";
import type { Refusal } from "./exchange.js";
import type { Route } from "./routes.js";

/**
 * Claude subscription (OAuth) tokens (`Bearer sk-ant-oat…`) and any credential Anthropic issued (API keys
 * `sk-ant-api…`), searched anywhere in a header's value: a repeated header arrives joined with ", "
 * (`x, sk-ant-…`), and an upstream may read any one of its parts.
 */
const OAUTH_TOKEN = /sk-ant-oat/i;
const ANTHROPIC_CREDENTIAL = /sk-ant-/i;

/** The request headers that carry a credential. */
export const CREDENTIAL_HEADERS = ["x-api-key", "authorization"] as const;

/**
 * Sets the credentials of an outgoing request for its route, in place; a Refusal when the request must not
 * be forwarded (a provider's key is missing, or the client's Anthropic credential would reach another provider).
 */
export function applyCredentials(options: { route: Route; headers: http.OutgoingHttpHeaders; env: NodeJS.ProcessEnv }): Refusal | null {
  const { route, headers, env } = options;
  if (route.keyEnv !== undefined) {
    const key = env[route.keyEnv];
    if (!key)
      return {
        status: 500,
        type: "api_error",
        message: `quartet gateway: route "${route.name}" sends the key in $${route.keyEnv}, which is not set in the gateway's environment`,
      };
    for (const h of CREDENTIAL_HEADERS) delete headers[h];
    if (route.auth === "bearer") headers.authorization = `Bearer ${key}`;
    else headers["x-api-key"] = key;
    return null;
  }
  if (trustedWithClientCredentials(route)) return null;
  for (const h of CREDENTIAL_HEADERS) {
    const raw = headers[h];
    const value = Array.isArray(raw) ? raw.join(", ") : raw === undefined ? "" : String(raw);
    if (!ANTHROPIC_CREDENTIAL.test(value)) continue;
    const what = OAUTH_TOKEN.test(value) ? "a Claude subscription (OAuth) token" : "an Anthropic API key";
    const fix = route.isDefault
      ? `Point the default upstream at Anthropic, or send this model through a route with the provider's key variable in "keyEnv".`
      : `Name the provider's key variable in the route's "keyEnv".`;
    return {
      status: 401,
      type: "authentication_error",
      message:
        `quartet gateway: this request carries ${what}, and ${route.isDefault ? "the default upstream" : `route "${route.name}"`} ` +
        `goes to ${route.baseUrl.host}, not Anthropic: the gateway never relays an Anthropic credential to another provider. ${fix}`,
    };
  }
  return null;
}

/** Whether the client's own credentials may go to the route's upstream unchanged. */
function trustedWithClientCredentials(route: Route): boolean {
  const host = route.baseUrl.hostname.toLowerCase();
  if (host === "anthropic.com" || host.endsWith(".anthropic.com")) return true;
  return route.isDefault && isLoopback(host);
}

/** 127.0.0.0/8, ::1 or localhost: a server on this machine (URL hostnames keep IPv6 in brackets). */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}
