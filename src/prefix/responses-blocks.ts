/**
 * An OpenAI Responses API request as the prompt cache sees it: the same Block sequence the Anthropic side
 * uses (prefix/blocks.ts), so the conversation matcher, the diff and the break classifier read both.
 *
 * Order: `instructions` (section "system"), then each tool as `tools[<name>]`, then each input item as
 * `input[<n>]` (section "messages", its role or item type as the role). OpenAI does not publish how the
 * Responses API renders a request into the prompt; its open "harmony" format puts the instructions before
 * the tool definitions and both before the conversation, and that is the order used here. A block's
 * canonical text is its JSON with sorted keys and without its `id` (Codex gives every input item a fresh
 * id, which the model never sees). Pure.
 */
import { canonicalJson, chainBlocks, sha, type Block, type RawBlock } from "./blocks.js";

/** The fields of a Responses request the cache reads; anything else is ignored. */
export interface ResponsesCacheable {
  model: string;
  instructions?: string | null;
  tools?: readonly Record<string, unknown>[];
  input: string | readonly Record<string, unknown>[];
  tool_choice?: unknown;
  reasoning?: unknown;
  prompt_cache_key?: string | null;
}

/** A tool's name as Codex lists it: function and custom tools have one, built-in tools only a type. */
export function responsesToolName(tool: Record<string, unknown>): string {
  return typeof tool.name === "string" ? tool.name : String(tool.type ?? "tool");
}

function withoutId(item: Record<string, unknown>): Record<string, unknown> {
  if (!("id" in item)) return item;
  const { id: _id, ...rest } = item;
  return rest;
}

/** The input as a list of items: a plain string is one user message. */
export function inputItems(input: ResponsesCacheable["input"]): readonly Record<string, unknown>[] {
  return typeof input === "string" ? [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }] : input;
}

export function responsesBlocks(request: ResponsesCacheable): Block[] {
  const raw: RawBlock[] = [];
  if (request.instructions) {
    raw.push({ id: "instructions", section: "system", index: 0, text: canonicalJson({ text: request.instructions }), marker: null });
  }
  for (const tool of request.tools ?? []) {
    raw.push({
      id: `tools[${responsesToolName(tool)}]`,
      section: "tools",
      index: raw.length,
      text: canonicalJson(tool),
      marker: null,
    });
  }
  inputItems(request.input).forEach((item, n) => {
    const role = typeof item.role === "string" ? item.role : String(item.type ?? "item");
    raw.push({
      id: `input[${n}]`,
      section: "messages",
      index: raw.length,
      text: `${role}:${canonicalJson(withoutId(item))}`,
      marker: null,
      role,
      messageIndex: n,
    });
  });
  // Automatic caching: the whole prompt is offered to the cache, like a marker on the last block.
  if (raw.length > 0) raw[raw.length - 1]!.marker = "5m";
  return chainBlocks(raw, responsesSettingsHash(request));
}

/** The settings that change the rendered prompt without being a block: tool choice and reasoning effort. */
export function responsesSettingsHash(request: ResponsesCacheable): string {
  return sha(canonicalJson({ tool_choice: request.tool_choice ?? null, reasoning: request.reasoning ?? null }));
}
