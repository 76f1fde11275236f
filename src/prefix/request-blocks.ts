/**
 * The blocks of a recorded request body of either API the lab speaks: an OpenAI Responses request (it has
 * `input` and no `messages`) or an Anthropic Messages request. For `lab show --diff` and the report, which
 * read bodies the lab stored without knowing which endpoint received them. Pure.
 */
import { canonicalBlocks, type Block, type CacheableRequest } from "./blocks.js";
import { responsesBlocks, type ResponsesCacheable } from "./responses-blocks.js";

export function requestBlocks(body: unknown): Block[] {
  const b = body as Record<string, unknown>;
  if (b && typeof b === "object" && "input" in b && !("messages" in b)) return responsesBlocks(b as unknown as ResponsesCacheable);
  return canonicalBlocks(b as unknown as CacheableRequest);
}
