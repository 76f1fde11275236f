/**
 * Whose credentials go where. The client's own `x-api-key` / `authorization` are meant for the upstream the
 * client thinks it talks to (Anthropic, the default route) and go only there, unchanged. A provider's route
 * sends that provider's key, read from the variable the route names when the request is forwarded, and drops
 * the client's. An Anthropic credential (an API key or a Claude subscription's OAuth token) is never relayed
 * to another provider.
 *
 * Nothing here writes or returns a credential's value in a message: errors name the variable, never its value.
 */
import type http from "node:http";
import type { Refusal } from "./exchange.js";
import type { Route } from "./routes.js";

/** Claude subscription (OAuth) tokens, as Claude Code sends them: `authorization: Bearer sk-ant-oat…`. */
const OAUTH_TOKEN = /^(bearer\s+)?sk-ant-oat/i;
/** Any credential Anthropic issued (API keys `sk-ant-api…`, OAuth tokens `sk-ant-oat…`). */
const ANTHROPIC_CREDENTIAL = /^(bearer\s+)?sk-ant-/i;

/** The request headers that carry a credential. */
export const CREDENTIAL_HEADERS = ["x-api-key", "authorization"] as const;

/**
 * Sets the credentials of an outgoing request for its route, in place; a Refusal when the request must not
 * be forwarded (a provider's key is missing, or the client's Anthropic credential would reach another provider).
 */
export function applyCredentials(options: { route: Route; headers: http.OutgoingHttpHeaders; env: NodeJS.ProcessEnv }): Refusal | null {
  const { route, headers, env } = options;
  if (route.isDefault) return null;
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
  for (const h of CREDENTIAL_HEADERS) {
    const value = headers[h];
    if (typeof value !== "string" || !ANTHROPIC_CREDENTIAL.test(value.trim())) continue;
    const what = OAUTH_TOKEN.test(value.trim()) ? "a Claude subscription (OAuth) token" : "an Anthropic API key";
    return {
      status: 401,
      type: "authentication_error",
      message:
        `quartet gateway: this request carries ${what}, and route "${route.name}" goes to ${route.baseUrl.host}, not Anthropic: ` +
        `the gateway never relays an Anthropic credential to another provider. Name the provider's key variable in the route's "keyEnv".`,
    };
  }
  return null;
}
