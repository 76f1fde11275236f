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
 * Loads dist/statusline.cjs as `require` would, but with a V8 code cache beside it: compiling the file's 130 KB
 * again on every call cost about 5 ms of CPU. The cache is written when a call ends that found none, or one V8
 * refused (another Node version); where dist/ is not writable there is simply none. It is named after a hash of
 * the file's text: V8 checks only a cached script's length, so a cache found by the file's inode and mtime (which
 * a reinstall can give the next build's file) ran the previous build's code. The status line loads node:crypto
 * anyway, and the hash takes under a millisecond.
 */
function loadStatusline(file) {
  const source = fs.readFileSync(file, "utf8");
  const hash = require("node:crypto").createHash("sha256").update(source).digest("hex").slice(0, 32);
  const cacheFile = `${file}.${hash}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
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
// before the file existed.
const [command, ...args] = process.argv.slice(2);
const statusline = path.join(dist, "statusline.cjs");
let fast = Promise.resolve(undefined);
if (command === "statusline" && !process.env.QUARTET_EXTRA_RUNTIMES && fs.existsSync(statusline)) {
  fast = loadStatusline(statusline).runStatusline(args);
}
fast.then(async (code) => {
  process.exitCode = code ?? (await (await import(pathToFileURL(path.join(dist, "main.js")).href)).main(process.argv));
});
