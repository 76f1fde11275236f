#!/usr/bin/env node
// quartet's launcher: runs the compiled CLI (built by `npm install` or `npm run build`).
// CommonJS (bin/package.json): the status line's own file is CommonJS, and starting Node on an ES module
// costs its module loader about 5 ms more even when nothing else is an ES module.
const fs = require("node:fs");
const { createRequire, wrap } = require("node:module");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const vm = require("node:vm");

const dist = path.join(__dirname, "..", "dist");
if (!fs.existsSync(path.join(dist, "main.js"))) {
  process.stderr.write("quartet is not built yet: run `npm install` (or `npm run build`) in its folder.\n");
  process.exit(1);
}

/**
 * Loads one of quartet's CommonJS files (dist/statusline.cjs, dist/ledger.cjs) as `require` would, but with a V8
 * code cache beside it: compiling the status line's 130 KB again on every call cost about 5 ms of CPU, and
 * loading the ledger's reports as ES modules about 50 ms. The cache is written when a call ends that found none,
 * or one V8 refused (another Node version); where dist/ is not writable there is simply none. Each command has
 * its own, holding the functions its calls compiled. It is named after a hash of the file's text: V8 checks only
 * a cached script's length, so a cache found by the file's inode and mtime (which a reinstall can give the next
 * build's file) ran the previous build's code. Hashed as read, before decoding: under a millisecond.
 */
function loadCached(file, command) {
  const bytes = fs.readFileSync(file);
  const hash = require("node:crypto").createHash("sha256").update(bytes).digest("hex").slice(0, 32);
  const cacheFile = `${file}.${command}.${hash}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(wrap(bytes.toString()), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) process.once("exit", () => writeCache(cacheFile, script));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

/** After the call: the functions it compiled are in the cache too. Written whole or not at all. */
function writeCache(cacheFile, script) {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    // Private like every file quartet writes, although it holds only compiled code.
    const fd = fs.openSync(temp, "wx", 0o600);
    try {
      fs.writeSync(fd, script.createCachedData());
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, cacheFile);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

// The status line runs after every assistant message: its own file, without the rest of the CLI, unless its
// arguments need the full parser (help), other runtimes' modules must be registered first, or dist/ was built
// before the file existed. The ledger's reports run from theirs, on the same conditions but the first.
const [command, ...args] = process.argv.slice(2);
const own = { statusline: "statusline.cjs", usage: "ledger.cjs", cache: "ledger.cjs", report: "ledger.cjs" };
const ownFile = Object.hasOwn(own, command) ? path.join(dist, own[command]) : undefined;
let fast = Promise.resolve(undefined);
if (ownFile && !process.env.QUARTET_EXTRA_RUNTIMES && fs.existsSync(ownFile)) {
  const loaded = loadCached(ownFile, command);
  fast = command === "statusline" ? loaded.runStatusline(args) : loaded.main(process.argv);
}
fast.then(async (code) => {
  process.exitCode = code ?? (await (await import(pathToFileURL(path.join(dist, "main.js")).href)).main(process.argv));
});
