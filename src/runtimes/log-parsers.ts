/**
 * Where a runtime's JSON-lines log parser is, as a module a reader thread can load without loading the
 * runtime itself: reader threads need only the parser, and the registry would bring every runtime's every
 * part with it. A runtime names this module in each source it discovers; the ledger only imports it.
 *
 * A runtime whose logs are JSON lines has `src/runtimes/<id>/log-parser.ts` exporting `parser`. The build
 * (scripts/build.mjs) emits each as `log-parser-<id>.js` beside the bundle, which is where this file's code
 * lands too.
 */

/** The file URL of `runtime`'s log-parser module: its source under tsx and vitest, its own chunk when built. */
export function logParserModule(runtime: string): string {
  if (!/^[a-z0-9-]+$/.test(runtime)) throw new Error(`not a runtime id: ${JSON.stringify(runtime)}`);
  const here = import.meta.url;
  return (here.endsWith(".ts") ? new URL(`./${runtime}/log-parser.ts`, here) : new URL(`./log-parser-${runtime}.js`, here)).href;
}
