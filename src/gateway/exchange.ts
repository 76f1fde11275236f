/**
 * The gateway's inner contract: what the proxy (proxy.ts) hands, for each request it passed through, to what
 * records and diagnoses it (the store, the break diagnosis, the budgets), and how the budgets may stop a
 * request before it is forwarded. Kept apart so each part can be built and tested without the others.
 *
 * Never holds a credential: `headers` keeps only the headers that identify the client and its conversation.
 */

/** Usage as the Anthropic Messages API reports it (the final, cumulative figures of a stream). */
export interface WireUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** Request headers an exchange may keep: none of them carries a secret. */
export const KEPT_HEADERS = [
  "user-agent",
  "anthropic-version",
  "anthropic-beta",
  "x-claude-code-session-id",
  "x-session-id",
  "x-app",
] as const;

export interface Exchange {
  /** Unique across gateway runs: `gw_<start time base36><8 random hex digits>_<n>`. */
  id: string;
  /** When the request arrived (epoch ms). */
  at: number;
  /** From arrival to the upstream's first response byte, or null when none came. */
  firstByteMs: number | null;
  durationMs: number;
  method: string;
  /** Path and query as the client sent them, e.g. `/v1/messages?beta=true`. */
  path: string;
  /** The route that served it (its name, or `default`) and the upstream's base URL. */
  route: string;
  upstream: string;
  /** The request body parsed as JSON; null when it was empty or not JSON. */
  request: unknown;
  /** Only KEPT_HEADERS, lower-case names. */
  headers: Record<string, string>;
  /** The status the client got (the upstream's, or the gateway's own refusal). */
  status: number;
  /** The response message's `id` (`msg_…`) and the upstream's `request-id` header, when present. */
  messageId: string | null;
  requestId: string | null;
  /** The model the response names, else the request's. */
  model: string | null;
  /** Final usage; null when the response carried none (errors, count_tokens, aborted before message_start). */
  usage: WireUsage | null;
  /** An API error (status ≥ 400, or an `error` event inside a 200 stream), as the upstream or the gateway gave it. */
  error: { type: string; message: string } | null;
  /** The client went away before the response ended; the upstream request was aborted too. */
  aborted: boolean;
  /** With `--diagnose`: the API's own `diagnostics` object from the response, as sent. */
  diagnostics?: unknown;
}

export interface ExchangeSink {
  /** Called once per finished exchange, in order of completion. Must not throw into the proxy. */
  record(exchange: Exchange): void;
}

/** What a gate sees of a request before it is forwarded. */
export interface GateRequest {
  at: number;
  model: string | null;
  /** The conversation's session id (header or `metadata.user_id`), when the client sent one. */
  session: string | null;
  route: string;
}

/** An Anthropic-shaped refusal: the proxy answers `{type:"error",error:{type,message}}` with this status. */
export interface Refusal {
  status: number;
  type: string;
  message: string;
}

export interface RequestGate {
  /** null lets the request through. */
  check(request: GateRequest): Refusal | null;
}
