/**
 * Loading a runtime's JSON-lines log parser by convention, without loading the runtime itself: reader
 * threads need only the parser, and the registry would bring every runtime's every part with it.
 *
 * A runtime whose logs are JSON lines has `src/runtimes/<id>/log-parser.ts` exporting `parser`. The build
 * (scripts/build.mjs) emits each as `log-parser-<id>.js` beside the bundle, which is where this file's code
 * lands too.
 */
import type { JsonlParser } from "./types.js";

export async function loadLogParser(runtime: string): Promise<JsonlParser<unknown>> {
  if (!/^[a-z0-9-]+$/.test(runtime)) throw new Error(`not a runtime id: ${JSON.stringify(runtime)}`);
  const here = import.meta.url;
  const url = here.endsWith(".ts") ? new URL(`./${runtime}/log-parser.ts`, here) : new URL(`./log-parser-${runtime}.js`, here);
  const module = (await import(url.href)) as { parser?: JsonlParser<unknown> };
  if (!module.parser) throw new Error(`${url.pathname} has no parser export`);
  return module.parser;
}
