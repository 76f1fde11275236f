/**
 * A Messages API request as the prompt cache sees it: a sequence of blocks in cache order, tools → system →
 * messages, each with a stable id, its own hash, the hash of the whole prefix ending with it (the cache key),
 * an estimated token count and its cache_control marker.
 *
 * Pure: no I/O, no clock. The canonical form of a block is its JSON with sorted keys and without
 * `cache_control` (a marker says where to cache, it is not part of the cached content). A message block's
 * role is part of its content. Request settings that invalidate the message cache when they change
 * (tool_choice, thinking) are folded into the first message block's prefix hash.
 */
import { createHash } from "node:crypto";
import { BLOCK_OVERHEAD_TOKENS, estimateTokens } from "../core/tokens.js";

export type Section = "tools" | "system" | "messages";
export type Ttl = "5m" | "1h";

export interface Block {
  /** `tools[Bash]`, `system[2]`, `messages[5].content[0]`. */
  id: string;
  section: Section;
  index: number;
  /** Canonical text of the block, for diffs. */
  text: string;
  hash: string;
  /** Hash of every block up to and including this one: what the cache is keyed on. */
  prefixHash: string;
  tokens: number;
  /** Estimated tokens of the prefix ending with this block. */
  prefixTokens: number;
  marker: Ttl | null;
  /** For message blocks. */
  role?: string;
  messageIndex?: number;
  /**
   * A tool's description hash, on a block rebuilt from a stored fingerprint (blockFromFingerprint): its text
   * is not kept, and a description change must still be told from a schema change.
   */
  descriptionHash?: string;
}

/** What is stored of a block when its text is not: enough to follow a conversation and place a break. */
export interface BlockFingerprint {
  id: string;
  hash: string;
  prefixHash: string;
  tokens: number;
  marker: Ttl | null;
  /** For a tool: the hash of its description. */
  description?: string;
}

/** The hash of a tool block's description (from its text, or kept from its fingerprint). */
export function toolDescriptionHash(block: Block): string | undefined {
  if (block.descriptionHash !== undefined) return block.descriptionHash;
  if (block.section !== "tools" || block.text === "") return undefined;
  return sha(canonicalJson((JSON.parse(block.text) as { description?: unknown }).description ?? null));
}

export function fingerprintOf(block: Block): BlockFingerprint {
  const description = toolDescriptionHash(block);
  return {
    id: block.id,
    hash: block.hash,
    prefixHash: block.prefixHash,
    tokens: block.tokens,
    marker: block.marker,
    ...(description !== undefined ? { description } : {}),
  };
}

const MESSAGE_ID = /^messages\[(\d+)\]/;

/** A block rebuilt from its fingerprint: its text is empty (unknown), everything the cache keys on is kept. */
export function blocksFromFingerprints(prints: readonly BlockFingerprint[]): Block[] {
  let prefixTokens = 0;
  return prints.map((f, index) => {
    prefixTokens += f.tokens;
    const section: Section = f.id.startsWith("tools[") ? "tools" : f.id.startsWith("system[") ? "system" : "messages";
    const m = MESSAGE_ID.exec(f.id);
    return {
      id: f.id,
      section,
      index,
      text: "",
      hash: f.hash,
      prefixHash: f.prefixHash,
      tokens: f.tokens,
      prefixTokens,
      marker: f.marker,
      ...(m ? { messageIndex: Number(m[1]) } : {}),
      ...(f.description !== undefined ? { descriptionHash: f.description } : {}),
    };
  });
}

/** The request fields the prefix engine reads; anything else is ignored. */
export interface CacheableRequest {
  model: string;
  tools?: readonly Record<string, unknown>[];
  system?: string | readonly Record<string, unknown>[];
  messages: readonly { role: string; content: string | readonly Record<string, unknown>[] }[];
  tool_choice?: unknown;
  thinking?: unknown;
  /** Automatic caching: a top-level marker applies to the last cacheable block. */
  cache_control?: { type?: string; ttl?: string } | null;
}

/** JSON with object keys sorted, so equal content always serializes the same way. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}

function markerOf(block: Record<string, unknown>): Ttl | null {
  const cc = block.cache_control as { type?: string; ttl?: string } | undefined | null;
  if (!cc || typeof cc !== "object") return null;
  return cc.ttl === "1h" ? "1h" : "5m";
}

function withoutMarker(block: Record<string, unknown>): Record<string, unknown> {
  if (!("cache_control" in block)) return block;
  const { cache_control: _marker, ...rest } = block;
  return rest;
}

/** Content blocks of a message: a string is one text block. */
function contentBlocks(content: string | readonly Record<string, unknown>[]): readonly Record<string, unknown>[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

export function canonicalBlocks(request: CacheableRequest): Block[] {
  const raw: RawBlock[] = [];
  for (const tool of request.tools ?? []) {
    raw.push({
      id: `tools[${String(tool.name)}]`,
      section: "tools",
      index: raw.length,
      text: canonicalJson(withoutMarker(tool)),
      marker: markerOf(tool),
    });
  }
  const system = typeof request.system === "string" ? [{ type: "text", text: request.system }] : (request.system ?? []);
  system.forEach((block, i) =>
    raw.push({
      id: `system[${i}]`,
      section: "system",
      index: raw.length,
      text: canonicalJson(withoutMarker(block)),
      marker: markerOf(block),
    }),
  );
  request.messages.forEach((message, m) => {
    contentBlocks(message.content).forEach((block, c) => {
      raw.push({
        id: `messages[${m}].content[${c}]`,
        section: "messages",
        index: raw.length,
        text: `${message.role}:${canonicalJson(withoutMarker(block))}`,
        marker: markerOf(block),
        role: message.role,
        messageIndex: m,
      });
    });
  });
  // Automatic caching marks the last block; an explicit marker there wins.
  const auto = request.cache_control;
  if (auto && typeof auto === "object" && raw.length > 0 && raw[raw.length - 1]!.marker === null) {
    raw[raw.length - 1]!.marker = auto.ttl === "1h" ? "1h" : "5m";
  }
  return chainBlocks(raw, settingsHash(request));
}

/** A block before hashing: what each API's request reader produces. */
export type RawBlock = Omit<Block, "hash" | "prefixHash" | "prefixTokens" | "tokens">;

/**
 * Hashes blocks in cache order and chains them into prefix hashes, with token estimates. The request
 * settings hash is folded into the first message block's prefix: a settings change invalidates the
 * messages, not what comes before them.
 */
export function chainBlocks(raw: readonly RawBlock[], settings: string): Block[] {
  let prefix = "";
  let prefixTokens = 0;
  let first = true;
  return raw.map((b) => {
    const hash = sha(b.text);
    const salt = b.section === "messages" && first ? `|settings:${settings}` : "";
    if (b.section === "messages") first = false;
    prefix = sha(`${prefix}|${hash}${salt}`);
    const tokens = estimateTokens(b.text) + BLOCK_OVERHEAD_TOKENS;
    prefixTokens += tokens;
    return { ...b, hash, prefixHash: prefix, tokens, prefixTokens };
  });
}

/** Estimated prompt tokens of the whole request. */
export function promptTokens(blocks: readonly Block[]): number {
  return blocks.length === 0 ? 0 : blocks[blocks.length - 1]!.prefixTokens;
}

/** The settings hash the message section depends on, to tell a settings change from a content change. */
export function settingsHash(request: CacheableRequest): string {
  return sha(canonicalJson({ tool_choice: request.tool_choice ?? null, thinking: request.thinking ?? null }));
}
