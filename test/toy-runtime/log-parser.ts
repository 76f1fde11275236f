/**
 * The toy's log format, one request a line:
 * `{"type":"toy_usage","id","session","ts","model","cwd","input","output","cache_read","cache_write"}`.
 */
import type { JsonlParser } from "../../src/contract/log-records.js";

interface ToyLine {
  type: string;
  id: string;
  session: string;
  ts: string;
  model: string;
  cwd?: string;
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

export const parser: JsonlParser = {
  needles: ['"toy_usage"'],
  initialState: () => null,
  line(value, ctx) {
    const v = value as ToyLine;
    if (v.type !== "toy_usage") return ctx.skip("not-usage", "not a toy_usage line");
    if (typeof v.id !== "string" || typeof v.input !== "number") return ctx.warn("malformed", "toy_usage without id or input");
    ctx.emit({
      key: v.id,
      sessionId: v.session,
      isSubagent: false,
      project: v.cwd ?? null,
      model: v.model,
      provider: null,
      ts: Date.parse(v.ts),
      version: null,
      tokens: {
        input: v.input,
        output: v.output,
        reasoning: 0,
        cacheRead: v.cache_read ?? 0,
        cacheWrite5m: v.cache_write ?? 0,
        cacheWrite1h: 0,
      },
      line: ctx.line,
    });
  },
};
