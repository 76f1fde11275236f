/**
 * The OpenAI Responses API wire format the lab endpoint speaks on `POST /v1/responses` (endpoint.ts routes
 * it here): request validation with OpenAI-shaped errors, and the SSE event sequence Codex CLI reads —
 * `response.created`, `response.in_progress`, per output item `response.output_item.added`, its deltas
 * (`response.output_text.delta`, `response.function_call_arguments.delta`, `response.custom_tool_call_input.delta`)
 * and `response.output_item.done`, then `response.completed` carrying the usage:
 * `{ input_tokens, input_tokens_details: { cached_tokens, cache_write_tokens? }, output_tokens,
 * output_tokens_details: { reasoning_tokens }, total_tokens }`, where cached and written tokens are part of
 * `input_tokens`. Codex 0.169 reads `cache_write_tokens` into its rollout's `cache_write_input_tokens`.
 */
import type http from "node:http";
import { z } from "zod";

/** The parts of a Responses request the lab reads; everything else is kept as sent. */
export const ResponsesRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({ type: z.string().optional() }))]),
  instructions: z.string().nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  stream: z.boolean().optional(),
  prompt_cache_key: z.string().nullish(),
  prompt_cache_retention: z.enum(["in_memory", "24h"]).nullish(),
});
export type ResponsesRequest = z.infer<typeof ResponsesRequest>;

/** An output item: an assistant `message`, a `function_call` or a `custom_tool_call`. */
export type OutputItem =
  | {
      type: "message";
      id: string;
      role: "assistant";
      status: "completed";
      content: { type: "output_text"; text: string; annotations: [] }[];
    }
  | { type: "function_call"; id: string; call_id: string; name: string; arguments: string; status: "completed" }
  | { type: "custom_tool_call"; id: string; call_id: string; name: string; input: string; status: "completed" };

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens?: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponsesReply =
  { kind: "response"; output: OutputItem[]; usage: ResponsesUsage } | { kind: "error"; status: number; type: string; message: string };

export interface ResponsesResponder {
  reply(request: ResponsesRequest, context: { n: number; headers: Record<string, string> }): ResponsesReply | Promise<ResponsesReply>;
}

export function openaiError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "x-request-id": "req_lab_error" });
  res.end(JSON.stringify({ error: { type, code: type, message, param: null } }));
}

/** Validates a parsed body; the error names the first offending field, as the API does. */
export function parseResponsesRequest(body: unknown): { ok: true; request: ResponsesRequest } | { ok: false; message: string } {
  const parsed = ResponsesRequest.safeParse(body);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, message: `${issue.path.join(".") || "body"}: ${issue.message}` };
}

function responseObject(id: string, model: string, status: string, output: OutputItem[], usage: ResponsesUsage | null) {
  return { id, object: "response", created_at: Math.floor(Date.now() / 1000), model, status, output, usage };
}

function inProgress(item: OutputItem): Record<string, unknown> {
  if (item.type === "message") return { ...item, status: "in_progress", content: [] };
  if (item.type === "function_call") return { ...item, status: "in_progress", arguments: "" };
  return { ...item, status: "in_progress", input: "" };
}

/** The deltas that stream one item's content, before its `output_item.done`. */
function deltas(item: OutputItem, output_index: number): Record<string, unknown>[] {
  if (item.type === "function_call")
    return [{ type: "response.function_call_arguments.delta", item_id: item.id, output_index, delta: item.arguments }];
  if (item.type === "custom_tool_call")
    return [{ type: "response.custom_tool_call_input.delta", item_id: item.id, output_index, delta: item.input }];
  return item.content.flatMap((part, content_index) => [
    { type: "response.content_part.added", item_id: item.id, output_index, content_index, part: { ...part, text: "" } },
    { type: "response.output_text.delta", item_id: item.id, output_index, content_index, delta: part.text },
    { type: "response.output_text.done", item_id: item.id, output_index, content_index, text: part.text },
    { type: "response.content_part.done", item_id: item.id, output_index, content_index, part },
  ]);
}

export function writeResponse(
  res: http.ServerResponse,
  o: { model: string; reply: Extract<ResponsesReply, { kind: "response" }>; responseId: string; stream: boolean },
): void {
  const { output, usage } = o.reply;
  if (!o.stream) {
    res.writeHead(200, { "content-type": "application/json", "x-request-id": o.responseId });
    res.end(JSON.stringify(responseObject(o.responseId, o.model, "completed", output, usage)));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": o.responseId });
  let sequence_number = 0;
  const send = (event: Record<string, unknown>) =>
    res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: sequence_number++ })}\n\n`);
  send({ type: "response.created", response: responseObject(o.responseId, o.model, "in_progress", [], null) });
  send({ type: "response.in_progress", response: responseObject(o.responseId, o.model, "in_progress", [], null) });
  output.forEach((item, output_index) => {
    send({ type: "response.output_item.added", output_index, item: inProgress(item) });
    for (const d of deltas(item, output_index)) send(d);
    send({ type: "response.output_item.done", output_index, item });
  });
  send({ type: "response.completed", response: responseObject(o.responseId, o.model, "completed", output, usage) });
  res.end();
}
