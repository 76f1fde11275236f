// Builds quartet into dist/: one bundle for the CLI, one for the reader worker and one for the gateway's recorder
// thread, sharing chunks, plus lazily loaded chunks for what only some commands need (schemas, the OpenCode
// reader, the price file); and `quartet statusline` on its own, as one CommonJS file (see the end).
// Bundling keeps start-up short: a report with nothing new to read is dominated by module loading.
// Only better-sqlite3 stays outside (a native addon).
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Built beside dist/ and swapped in at the end: a quartet running meanwhile never finds dist/ half-written.
const out = `dist.${process.pid}.tmp`;
const outUrl = new URL(`../${out}/`, import.meta.url);
rmSync(outUrl, { recursive: true, force: true });
// Each runtime's log parser is an entry of its own, so reader threads load it without the rest (src/runtimes/log-parsers.ts).
const runtimes = new URL("../src/runtimes/", import.meta.url);
const parsers = Object.fromEntries(
  readdirSync(runtimes, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/log-parser.ts`, runtimes)))
    .map((d) => [`log-parser-${d.name}`, `src/runtimes/${d.name}/log-parser.ts`]),
);
// Entries of their own too, so that the CommonJS files below can require them by name instead of bundling
// them (see keepDynamic): each runtime's workflow part (the port's schemas, about 1.3 MB with zod and yaml),
// OpenCode's usage readers (its rows' schemas), the team ledger's view (the PostgreSQL client) and the price
// file's reader.
const workflows = Object.fromEntries(
  readdirSync(runtimes, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/workflow/index.ts`, runtimes)))
    .map((d) => [`workflow-${d.name}`, `src/runtimes/${d.name}/workflow/index.ts`]),
);
const requiredByName = {
  ...workflows,
  "opencode-database": "src/runtimes/opencode/database.ts",
  "opencode-legacy": "src/runtimes/opencode/legacy.ts",
  "team-view": "src/cli/team-view.ts",
  "pricing-file": "src/core/pricing-file.ts",
  "session-settings": "src/sessions/settings.ts",
};
// better-sqlite3 (CommonJS, outside the bundle) is required rather than imported: importing it from an ES module
// first runs Node's CommonJS export scanner over its files: about 2 ms of CPU on every command that opens the ledger.
const requireSqlite = {
  name: "require-better-sqlite3",
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, (args) =>
      args.namespace === "require-better-sqlite3"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "require-better-sqlite3" },
    );
    b.onLoad({ filter: /.*/, namespace: "require-better-sqlite3" }, () => ({ contents: 'module.exports = require("better-sqlite3");' }));
  },
};
await build({
  entryPoints: {
    main: "src/cli/main.ts",
    worker: "src/ledger/worker.ts",
    "gateway-recorder": "src/gateway/recorder-worker.ts",
    ...requiredByName,
    ...parsers,
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  external: ["better-sqlite3"],
  // ES module builds first: jsonc-parser's UMD build loads its parts with a dynamic require.
  mainFields: ["module", "main"],
  // CommonJS dependencies inside an ES module bundle need a `require`.
  banner: { js: 'import { createRequire as __quartetRequire } from "node:module"; const require = __quartetRequire(import.meta.url);' },
  plugins: [requireSqlite],
  logLevel: "warning",
});

// The ledger's JSON-lines scanner, compiled from AssemblyScript beside the bundle that loads it (src/ledger/line-scan.ts).
const { execFileSync } = await import("node:child_process");
const from = (p, base = import.meta.url) => fileURLToPath(new URL(p, base));
const scanner = [from("../src/ledger/line-scan.as.ts"), "--config", from("../src/ledger/line-scan.asconfig.json")];
const asc = from("../node_modules/assemblyscript/bin/asc.js");
execFileSync(process.execPath, [asc, ...scanner, "-o", from("line-scan.wasm", outUrl)], { stdio: "inherit" });

// The review board's page assets, served by `quartet board` from dist/board (nothing from a CDN).
const board = new URL("board/", outUrl);
mkdirSync(board, { recursive: true });
for (const file of ["board.js", "board.css"]) copyFileSync(new URL(`../src/review/ui/${file}`, import.meta.url), new URL(file, board));
copyFileSync(new URL("../node_modules/diff2html/bundles/css/diff2html.min.css", import.meta.url), new URL("diff2html.min.css", board));

// `quartet statusline` runs after every assistant message in Claude Code, so bin/quartet.js runs it from a
// file of its own, without commander (src/cli/statusline-entry.ts); and the ledger's reports (usage, cache,
// report) from another (src/cli/ledger-entry.ts), each with a V8 code cache. CommonJS, because Node loads one
// CommonJS file faster than the ES module graph of the same code (each module is resolved and read on its own;
// about 10 ms for the status line's 20 chunks). What they import only on some paths and the ES module build has
// as an entry of its own (requiredByName) stays a run-time require of that entry beside them, so the files hold
// only what their calls run: the port's schemas, the PostgreSQL client and the price file's reader (zod, 0.8 MB)
// are not in them. The table and progress-bar packages stay packages.
const sourcePath = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const entryOf = new Map(Object.entries(requiredByName).map(([name, source]) => [sourcePath(source), `./${name}.js`]));
const keepDynamic = {
  name: "keep-dynamic-imports",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== "dynamic-import") return undefined;
      if (!args.path.startsWith(".")) return { path: args.path, external: true };
      const entry = entryOf.get(path.resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts")));
      return entry ? { path: entry, external: true } : undefined;
    });
  },
};
await build({
  entryPoints: { statusline: "src/cli/statusline-entry.ts", ledger: "src/cli/ledger-entry.ts", sessions: "src/cli/sessions-entry.ts" },
  outdir: out,
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  sourcemap: true,
  external: ["better-sqlite3"],
  mainFields: ["module", "main"],
  // Modules that find files beside themselves (the log parsers, the scanner's wasm, the reader thread) find them
  // beside these files.
  define: { "import.meta.url": "__quartetModuleUrl" },
  banner: { js: 'const __quartetModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [keepDynamic],
  // import() becomes require(): bin/quartet.js runs these files from a V8 code cache, and in Node 20 a script from
  // a code cache cannot import(). The entries above are then required as ES modules (Node >= 20.19), and so would
  // a log parser be, by path (read-source.ts); the entries bundle the parsers they use.
  supported: { "dynamic-import": false },
  logLevel: "warning",
});

const dist = new URL("../dist", import.meta.url);
// Another build may swap its own dist/ in meanwhile: whichever comes last wins, and neither fails.
const replaced = [];
for (let attempt = 0; ; attempt++) {
  const old = new URL(`../dist.${process.pid}-${attempt}.old`, import.meta.url);
  try {
    renameSync(dist, old);
    replaced.push(old);
  } catch (e) {
    if (e.code !== "ENOENT") throw e;
  }
  try {
    renameSync(outUrl, dist);
    break;
  } catch (e) {
    if (e.code !== "ENOTEMPTY" && e.code !== "EEXIST") throw e;
  }
}
for (const old of replaced) rmSync(old, { recursive: true, force: true });
