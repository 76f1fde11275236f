/** Where the toy's usage logs are: `$TOY_HOME/logs/*.jsonl` (TOY_HOME defaults to ~/.toy). */
import fs from "node:fs";
import path from "node:path";
import type { LogSource } from "../../src/runtimes/types.js";

/** Its parser module, a sibling file: the source under vitest, the bundle's chunk when built. */
const PARSER = new URL(import.meta.url.endsWith(".ts") ? "./log-parser.ts" : "./log-parser.js", import.meta.url).href;

export const toyLogs: LogSource = {
  discover(env) {
    const dir = path.join(env.location("TOY_HOME") ?? path.join(env.home, ".toy"), "logs");
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".jsonl")) : [];
    return {
      sources: files.map((f) => ({ kind: "jsonl" as const, runtime: "toy", path: path.join(dir, f), parser: PARSER })),
      looked: [{ runtime: "toy", path: dir, origin: "default", found: files.length > 0 }],
      warnings: [],
    };
  },
};
