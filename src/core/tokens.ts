/**
 * Token estimation for text quartet did not get counts for (the lab's simulated usage, count_tokens).
 *
 * The estimator is deliberately simple and documented: one token per 4 characters of UTF-8 text, rounded
 * up, plus a fixed overhead per structured block. Claude's tokenizer averages about 3.5–4 characters per
 * token on English and code, so the estimate is within roughly ±15% of real counts; every figure derived
 * from it is labelled as an estimate.
 */
export const CHARS_PER_TOKEN = 4;
/** Overhead for the framing of one content block, tool definition or message. */
export const BLOCK_OVERHEAD_TOKENS = 3;

export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  return Math.ceil(Buffer.byteLength(text, "utf8") / CHARS_PER_TOKEN);
}

/** Tokens of a JSON value as the API would see its serialized form. */
export function estimateJsonTokens(value: unknown): number {
  return estimateTokens(typeof value === "string" ? value : JSON.stringify(value)) + BLOCK_OVERHEAD_TOKENS;
}
