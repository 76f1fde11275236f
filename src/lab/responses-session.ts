/**
 * One runtime's side of a lab run on the OpenAI Responses API (Codex): the scenario's scripted model
 * answering `POST /v1/responses`, the simulated OpenAI prompt cache (prefix/openai-cache.ts) deciding each
 * response's usage, and the same LabRequest record ModelSession keeps for the Anthropic API, so the report,
 * the cache tax and `lab show` read both alike.
 *
 * A request's conversation is its `prompt_cache_key` (Codex sends its thread id, which stays the same across
 * `codex exec resume`), else the longest shared prefix (prefix/conversation.ts). What the previous request of
 * the conversation left in the cache is what this one should read; when it reads less, the break is
 * classified at the first differing block: `instructions`, `tools[<name>]` or `input[<n>]`.
 */
import { estimateJsonTokens } from "../core/tokens.js";
import { buildPricing } from "../core/pricing.js";
import { PRICE_TABLE } from "../core/price-table.js";
import { classifyBreak } from "../prefix/classify.js";
import { matchConversation } from "../prefix/conversation.js";
import { cacheableTokens, OPENAI_MIN_CACHEABLE_TOKENS, OpenAiCacheSimulator } from "../prefix/openai-cache.js";
import { inputItems, responsesBlocks, responsesSettingsHash, responsesToolName } from "../prefix/responses-blocks.js";
import type { ContentBlock } from "./endpoint.js";
import { requestRecord, simulatedClock, type Clock, type LabRequest } from "./model-session.js";
import { labBillsWrites, type PricedRequest } from "./price-rule.js";
import type { OutputItem, ResponsesReply, ResponsesRequest, ResponsesResponder } from "./responses-wire.js";
import type { Scenario } from "./scenario.js";
import { scriptedAnswer, type RequestLike } from "./scripted-model.js";
import type { Block } from "../prefix/blocks.js";

interface Conversation {
  id: number;
  session: string | null;
  model: string;
  blocks: Block[];
  settings: string;
  cachedThrough: number;
  cachedTokens: number;
}

/** Without the lab's pricing (the test endpoints): the built-in table, each request at its own model. */
const BUILT_IN_BILLS_WRITES = labBillsWrites(buildPricing(PRICE_TABLE), null);

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((c: { text?: unknown }) => (typeof c.text === "string" ? c.text : "")).join("\n");
}

/**
 * The request as the scripted model reads any API: tools with their JSON schemas, user text, and each tool
 * call the runtime sent back as an assistant tool_use (what counts the actions done in a turn).
 */
export function asScriptedRequest(request: ResponsesRequest): RequestLike {
  const tools = (request.tools ?? []).map((t) => ({
    name: responsesToolName(t),
    ...(t.parameters && typeof t.parameters === "object" ? { input_schema: t.parameters as never } : {}),
  }));
  const messages = inputItems(request.input).map((item) => {
    if (item.type === "function_call" || item.type === "custom_tool_call" || item.type === "local_shell_call")
      return { role: "assistant", content: [{ type: "tool_use" }] };
    if (item.type === "message" || item.type === undefined)
      return { role: String(item.role ?? "user"), content: [{ type: "text", text: textOf(item.content) }] };
    return { role: "tool", content: [] };
  });
  return { tools, messages };
}

/** The scripted content as Responses output items, a custom tool's call carrying its freeform input. */
export function outputItems(content: readonly ContentBlock[], request: ResponsesRequest, n: number): OutputItem[] {
  return content.map((block, i) => {
    const id = `${n}_${i}`;
    if (block.type === "text")
      return {
        type: "message",
        id: `msg_lab_${id}`,
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: block.text, annotations: [] }],
      };
    const tool = (request.tools ?? []).find((t) => responsesToolName(t) === block.name);
    if (tool?.type === "custom")
      return {
        type: "custom_tool_call",
        id: `ctc_lab_${id}`,
        call_id: `call_lab_${id}`,
        name: block.name,
        input: String(block.input.input ?? ""),
        status: "completed",
      };
    return {
      type: "function_call",
      id: `fc_lab_${id}`,
      call_id: `call_lab_${id}`,
      name: block.name,
      arguments: JSON.stringify(block.input),
      status: "completed",
    };
  });
}

export class ResponsesSession implements ResponsesResponder {
  readonly cache: OpenAiCacheSimulator;
  private readonly conversations: Conversation[] = [];

  /**
   * `requests` may be shared with the run's ModelSession, so one list numbers every request the runtime made;
   * `billsWrites` says whether a request's cache writes are billed apart: the lab passes labBillsWrites of its
   * own pricing and `--price-as`, the rule its cost follows (default: the built-in table, no `--price-as`).
   */
  constructor(
    private readonly scenario: Scenario,
    private readonly workspace: string,
    readonly clock: Clock = simulatedClock(),
    readonly requests: LabRequest[] = [],
    private readonly billsWrites: (r: PricedRequest) => boolean = BUILT_IN_BILLS_WRITES,
  ) {
    this.cache = new OpenAiCacheSimulator(() => this.clock.now());
  }

  reply(request: ResponsesRequest, context: { n: number; headers: Record<string, string> }): ResponsesReply {
    const n = this.requests.length + 1;
    const blocks = responsesBlocks(request);
    const session = request.prompt_cache_key ?? context.headers["session-id"] ?? null;
    const answer = scriptedAnswer(asScriptedRequest(request), this.scenario, this.workspace, n);
    const kind = answer.auxiliary ? "auxiliary" : "main";
    const prev = kind === "main" ? matchConversation(this.conversations, session, blocks) : undefined;
    const prevCached = prev && prev.cachedThrough >= 0 ? prev.blocks[prev.cachedThrough] : undefined;
    // Checked before this request refreshes the entry.
    const expired = prevCached
      ? this.cache.isExpired({ model: request.model, cacheKey: session, prefixHash: prevCached.prefixHash })
      : false;
    const result = this.cache.process({
      model: request.model,
      cacheKey: session,
      blocks,
      billsWrites: this.billsWrites({ kind, model: request.model, at: this.clock.now() }),
      ...(request.prompt_cache_retention ? { retention: request.prompt_cache_retention } : {}),
    });
    const output = outputItems(answer.content, request, n);
    const outputTokens = estimateJsonTokens(output);
    const { input, cacheRead, cacheWrite } = result.usage;
    const conversation = kind === "main" ? (prev?.id ?? this.conversations.length + 1) : null;
    const record: LabRequest = {
      ...requestRecord({ n, at: this.clock.now(), session, conversation, answer, blocks }, request, context.headers),
      status: 200,
      promptTokens: result.promptTokens,
      usage: { input, cacheRead, cacheWrite5m: cacheWrite, cacheWrite1h: 0, output: outputTokens },
      readThrough: result.readThrough,
      cachedThrough: result.cachedThrough,
    };
    this.requests.push(record);
    if (kind === "main") this.follow(record, prev, { request, blocks, expired, cachedTokens: result.cachedTokens });
    return {
      kind: "response",
      output,
      usage: {
        input_tokens: result.promptTokens,
        input_tokens_details: { cached_tokens: cacheRead, ...(cacheWrite > 0 ? { cache_write_tokens: cacheWrite } : {}) },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: result.promptTokens + outputTokens,
      },
    };
  }

  /** Checks a main request against its conversation's previous one, then makes it the conversation's latest. */
  private follow(
    record: LabRequest,
    prev: Conversation | undefined,
    o: { request: ResponsesRequest; blocks: Block[]; expired: boolean; cachedTokens: number },
  ): void {
    const settings = responsesSettingsHash(o.request);
    if (prev) {
      // What the cache can hold of this prompt (1,024 + whole 128-token steps): a prompt shorter than what the
      // previous one cached reads only that much, and that is no break.
      record.expectedRead = Math.min(cacheableTokens(record.promptTokens), prev.cachedTokens);
      if (record.usage!.cacheRead < record.expectedRead) {
        const explanation = classifyBreak({
          previous: { model: prev.model, blocks: prev.blocks, settings: prev.settings, cachedThrough: prev.cachedThrough },
          current: { model: o.request.model, blocks: o.blocks, settings, markerCount: 1 },
          expired: o.expired,
          minCacheableTokens: OPENAI_MIN_CACHEABLE_TOKENS,
        });
        // The report finds a system change's sections from Anthropic bodies when a break has none: say "none found".
        const sections = explanation.cause === "system-changed" ? { sections: explanation.sections ?? [] } : {};
        record.break = { ...explanation, ...sections, lostTokens: record.expectedRead - record.usage!.cacheRead };
      }
    }
    const state = { model: o.request.model, blocks: o.blocks, settings, cachedThrough: record.cachedThrough, cachedTokens: o.cachedTokens };
    if (prev) Object.assign(prev, state);
    else this.conversations.push({ id: record.conversation!, session: record.session, ...state });
  }
}
