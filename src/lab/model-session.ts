/**
 * One runtime's side of a lab run: the scripted model answering through the endpoint, the simulated
 * prompt cache deciding each response's usage, and the record of every request with its cache analysis.
 *
 * A request is auxiliary when it offers no tools (titles, summaries, quota checks) or runs on another model
 * than the conversation's first request with tools (a small model's side task); the others are the main
 * conversation. For each main request the previous request of its conversation (same session, longest
 * shared prefix: see prefix/conversation.ts) tells what should have been read from cache; when less was read, the break is classified at the block where the
 * prefix first changed.
 */
import { canonicalBlocks, settingsHash, type Block, type CacheableRequest, type Ttl } from "../prefix/blocks.js";
import { classifyBreak, type BreakExplanation } from "../prefix/classify.js";
import { matchConversation, type ConversationHead } from "../prefix/conversation.js";
import { cacheFacts } from "../prefix/models.js";
import { CacheSimulator, type SimulatedUsage } from "../prefix/simulator.js";
import { estimateJsonTokens } from "../core/tokens.js";
import type { MessagesRequest, Reply, Responder } from "./endpoint.js";
import type { Scenario } from "./scenario.js";
import { scriptedAnswer, type ScriptedAnswer } from "./scripted-model.js";

/** What is kept of a block for `lab show`: enough to list and diff requests without their bodies. */
export interface BlockSummary {
  id: string;
  tokens: number;
  marker: Ttl | null;
  hash: string;
  prefixHash: string;
}

export interface LabRequest {
  /** Order of arrival in this runtime's run, from 1. */
  n: number;
  /** Simulated time of the request (epoch ms): real time plus the scenario's pauses. */
  at: number;
  model: string;
  kind: "main" | "auxiliary";
  session: string | null;
  /** Which conversation of the run a main request belongs to (1 is the first; a subagent opens another). */
  conversation: number | null;
  turn: number | null;
  status: number;
  error?: string;
  promptTokens: number;
  usage?: SimulatedUsage & { output: number };
  blocks: BlockSummary[];
  readThrough: number;
  cachedThrough: number;
  /** For main requests after the first: what the previous one asked to cache (its last marker's prefix). */
  expectedRead?: number;
  break?: BreakExplanation & { lostTokens: number };
  skippedActions?: string[];
  /** The request as sent, credentials removed. */
  body: unknown;
  headers: Record<string, string>;
}

interface Conversation extends ConversationHead {
  id: number;
  model: string;
  blocks: Block[];
  settings: string;
  cachedThrough: number;
}

export interface Clock {
  now(): number;
  /** Moves simulated time forward (a scenario pause); nobody waits. */
  advance(ms: number): void;
}

export function simulatedClock(): Clock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => (offset += ms) };
}

function sessionOf(headers: Record<string, string>, body: MessagesRequest): string | null {
  const header = headers["x-claude-code-session-id"] ?? headers["x-session-id"];
  if (header) return header;
  try {
    const meta = JSON.parse(body.metadata?.user_id ?? "") as { session_id?: unknown };
    if (typeof meta.session_id === "string") return meta.session_id;
  } catch {
    // Not JSON: no session id in the metadata.
  }
  return null;
}

/** The part of a request's record every API's session fills alike: who asked, in which turn, with which blocks. */
export function requestRecord(
  o: {
    n: number;
    at: number;
    session: string | null;
    conversation: number | null;
    answer: Pick<ScriptedAnswer, "turn" | "auxiliary" | "skipped">;
    blocks: readonly Block[];
  },
  request: { model: string },
  headers: Record<string, string>,
): Omit<LabRequest, "status" | "promptTokens" | "readThrough" | "cachedThrough"> {
  return {
    n: o.n,
    at: o.at,
    model: request.model,
    kind: o.answer.auxiliary ? "auxiliary" : "main",
    session: o.session,
    conversation: o.conversation,
    turn: o.answer.turn,
    blocks: o.blocks.map((b) => ({ id: b.id, tokens: b.tokens, marker: b.marker, hash: b.hash, prefixHash: b.prefixHash })),
    body: request,
    headers,
    ...(o.answer.skipped.length > 0 ? { skippedActions: o.answer.skipped } : {}),
  };
}

export class ModelSession implements Responder {
  readonly requests: LabRequest[] = [];
  readonly simulator: CacheSimulator;
  private readonly conversations: Conversation[] = [];
  private readonly mainModels = new Map<string, string>();

  constructor(
    private readonly scenario: Scenario,
    private readonly workspace: string,
    readonly clock: Clock = simulatedClock(),
  ) {
    this.simulator = new CacheSimulator(() => this.clock.now());
  }

  reply(request: MessagesRequest, context: { n: number; headers: Record<string, string> }): Reply {
    const n = this.requests.length + 1;
    const blocks = canonicalBlocks(request as unknown as CacheableRequest);
    const session = sessionOf(context.headers, request);
    // The first request with tools sets the conversation's model; a request on another model (a small
    // model's side task) is auxiliary, like a request without tools (titles, summaries).
    const mainModel = this.mainModels.get(session ?? "-");
    const sideModel = mainModel !== undefined && request.model !== mainModel;
    const answer = sideModel
      ? { content: [{ type: "text" as const, text: "quartet lab" }], turn: null, auxiliary: true, skipped: [] }
      : scriptedAnswer(request, this.scenario, this.workspace, n);
    const kind = answer.auxiliary ? "auxiliary" : "main";
    if (kind === "main" && mainModel === undefined) this.mainModels.set(session ?? "-", request.model);
    const prev = kind === "main" ? matchConversation(this.conversations, session, blocks) : undefined;
    const prevCached = prev && prev.cachedThrough >= 0 ? prev.blocks[prev.cachedThrough]! : undefined;
    // What the previous request asked to have cached: the prefix up to its last marker.
    const prevMarked = prev ? [...prev.blocks].reverse().find((b) => b.marker !== null) : undefined;
    // Checked before this request refreshes or rewrites the entry.
    const expiredTtl = prevCached ? this.simulator.expiredTtl(request.model, prevCached.prefixHash) : undefined;
    const result = this.simulator.process(request.model, blocks);
    const conversation = kind === "main" ? (prev?.id ?? this.conversations.length + 1) : null;
    const record: LabRequest = {
      ...requestRecord({ n, at: this.clock.now(), session, conversation, answer, blocks }, request, context.headers),
      status: result.ok ? 200 : result.status,
      promptTokens: blocks.length > 0 ? blocks[blocks.length - 1]!.prefixTokens : 0,
      readThrough: result.ok ? result.readThrough : -1,
      cachedThrough: result.ok ? result.cachedThrough : -1,
    };
    this.requests.push(record);
    if (!result.ok) {
      record.error = result.message;
      return { kind: "error", status: result.status, type: result.type, message: result.message };
    }
    const output = estimateJsonTokens(answer.content);
    record.usage = { ...result.usage, output };
    if (kind === "main") {
      if (prev) {
        const expected = Math.min(record.promptTokens, prevMarked?.prefixTokens ?? 0);
        record.expectedRead = expected;
        if (result.usage.cacheRead < expected) {
          const explanation = classifyBreak({
            previous: { model: prev.model, blocks: prev.blocks, settings: prev.settings, cachedThrough: prev.cachedThrough },
            current: {
              model: request.model,
              blocks,
              settings: settingsHash(request as unknown as CacheableRequest),
              markerCount: blocks.filter((b) => b.marker).length,
            },
            expired: expiredTtl !== undefined,
            ...(expiredTtl ? { expiredTtl } : {}),
            minCacheableTokens: cacheFacts(request.model).minCacheableTokens,
          });
          record.break = { ...explanation, lostTokens: expected - result.usage.cacheRead };
        }
      }
      const state = {
        model: request.model,
        blocks,
        settings: settingsHash(request as unknown as CacheableRequest),
        cachedThrough: result.cachedThrough,
      };
      if (prev) Object.assign(prev, state);
      else this.conversations.push({ id: record.conversation!, session, ...state });
    }
    return {
      kind: "message",
      content: answer.content,
      usage: {
        input_tokens: result.usage.input,
        cache_creation_input_tokens: result.usage.cacheWrite5m + result.usage.cacheWrite1h,
        cache_read_input_tokens: result.usage.cacheRead,
        output_tokens: output,
        cache_creation: { ephemeral_5m_input_tokens: result.usage.cacheWrite5m, ephemeral_1h_input_tokens: result.usage.cacheWrite1h },
      },
    };
  }
}
