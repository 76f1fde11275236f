/**
 * Exchanges as the gateway's proxy hands them to its recording, built around two real Claude Code requests
 * (test/fixtures/requests: the last request of a `claude -p` process and the first of the `--continue`
 * process after it, whose Bash tool description lost "(1M context)"), for the diagnosis and store tests.
 */
import fs from "node:fs";
import path from "node:path";
import type { Exchange, WireUsage } from "../src/gateway/exchange.js";
import { FIXTURES } from "./helpers.js";

export const loadRequest = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, "requests", name), "utf8")) as { model: string; [k: string]: unknown };
export const BEFORE = loadRequest("claude-before-continue.json");
export const AFTER = loadRequest("claude-after-continue.json");
export const T0 = Date.parse("2026-11-24T10:00:00Z");

let n = 0;

/** A finished, streamed `/v1/messages` exchange with the given request body and final usage. */
export function exchange(request: unknown, usage: Partial<WireUsage> | null, over: Partial<Exchange> = {}): Exchange {
  n++;
  return {
    id: `gw_test_${n}`,
    at: T0,
    firstByteMs: 40,
    durationMs: 900,
    method: "POST",
    path: "/v1/messages?beta=true",
    route: "default",
    upstream: "https://api.anthropic.com",
    request,
    headers: { "user-agent": "claude-cli/2.1.197 (external, sdk-cli)", "anthropic-version": "2023-06-01" },
    status: 200,
    messageId: `msg_test_${n}`,
    requestId: `req_test_${n}`,
    model: (request as { model?: string }).model ?? null,
    usage: usage && {
      input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 120,
      ...usage,
    },
    error: null,
    aborted: false,
    ...over,
  };
}
