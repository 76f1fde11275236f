/**
 * One runtime's side of a lab run: the scripted model answering through the endpoint, the simulated
 * prompt cache deciding each response's usage, and the record of every request with its cache analysis.
 *
 * Which conversation a request continues, whether it is auxiliary (a separate side conversation) and why it
 * read less than its conversation's previous request cached: prefix/tracker.ts, the engine the gateway's
 * diagnosis of real traffic uses too.
 */
import { canonicalBlocks, promptTokens, settingsHash, type Block, type CacheableRequest, type Ttl } from "../prefix/blocks.js";
import type { BreakExplanation } from "../prefix/classify.js";
import { cacheFacts } from "../prefix/models.js";
import { ConversationTracker, judgeRead, markedPrefixTokens, sessionOf } from "../prefix/tracker.js";
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

export interface Clock {
  now(): number;
  /** Moves simulated time forward (a scenario pause); nobody waits. */
  advance(ms: number): void;
}

export function simulatedClock(): Clock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => (offset += ms) };
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
  private readonly tracker = new ConversationTracker();

  constructor(
    private readonly scenario: Scenario,
    private readonly workspace: string,
    readonly clock: Clock = simulatedClock(),
  ) {
    this.simulator = new CacheSimulator(() => this.clock.now());
  }

  reply(request: MessagesRequest, context: { n: number; headers: Record<string, string> }): Reply {
    const n = this.requests.length + 1;
    const cacheable = request as unknown as CacheableRequest;
    const blocks = canonicalBlocks(cacheable);
    const session = sessionOf(context.headers, request);
    const placement = this.tracker.place({ session, model: request.model, blocks });
    const answer =
      placement.kind === "auxiliary"
        ? { content: [{ type: "text" as const, text: "quartet lab" }], turn: null, auxiliary: true, skipped: [] }
        : scriptedAnswer(request, this.scenario, this.workspace, n);
    const prev = placement.previous;
    const prevCached = prev && prev.cachedThrough >= 0 ? prev.blocks[prev.cachedThrough]! : undefined;
    // Checked before this request refreshes or rewrites the entry.
    const expiredTtl = prevCached ? this.simulator.expiredTtl(request.model, prevCached.prefixHash) : undefined;
    const result = this.simulator.process(request.model, blocks);
    const at = this.clock.now();
    const record: LabRequest = {
      ...requestRecord({ n, at, session, conversation: placement.conversation, answer, blocks }, request, context.headers),
      status: result.ok ? 200 : result.status,
      promptTokens: promptTokens(blocks),
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
    const settings = settingsHash(cacheable);
    if (prev) {
      const judged = judgeRead({
        previous: prev,
        current: { model: request.model, blocks, settings, promptTokens: record.promptTokens, cacheRead: result.usage.cacheRead },
        expiredTtl,
        minCacheableTokens: cacheFacts(request.model).minCacheableTokens,
      });
      record.expectedRead = judged.expectedRead;
      if (judged.break) record.break = judged.break;
    }
    this.tracker.advance(placement, {
      session,
      model: request.model,
      blocks,
      settings,
      at,
      cachedThrough: result.cachedThrough,
      markedTokens: markedPrefixTokens(blocks),
    });
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
