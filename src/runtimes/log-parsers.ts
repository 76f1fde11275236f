/**
 * Where a runtime's JSON-lines log parser is, as a module a reader thread can load without loading the
 * runtime itself: reader threads need only the parser, and the registry would bring every runtime's every
 * part with it. A runtime names this module in each source it discovers; the ledger only imports it.
 *
 * A runtime whose logs are JSON lines has `src/runtimes/<id>/log-parser.ts` exporting `parser`. The build
 * (scripts/build.mjs) emits each as `log-parser-<id>.js` beside the bundle, which is where this file's code
 * lands too.
 */

const parserUrls = new Map<string, string>();

/**
 * The file URL of `runtime`'s log-parser module: its source under tsx and vitest, its own chunk when built.
 * Remembered: discovery names it for each of thousands of log files, and making a URL takes about 10 µs.
 */
export function logParserModule(runtime: string): string {
  let url = parserUrls.get(runtime);
  if (url === undefined) {
    if (!/^[a-z0-9-]+$/.test(runtime)) throw new Error(`not a runtime id: ${JSON.stringify(runtime)}`);
    const here = import.meta.url;
    url = (here.endsWith(".ts") ? new URL(`./${runtime}/log-parser.ts`, here) : new URL(`./log-parser-${runtime}.js`, here)).href;
    parserUrls.set(runtime, url);
  }
  return url;
}
