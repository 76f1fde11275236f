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
 * or one V8 refused (another Node version); where dist/ is not writable (installed by another user, as
 * `sudo npm install -g` does) it goes in the person's own cache folder instead (personalCacheFolder). Each command
 * has its own, holding the functions its calls compiled. It is named after a hash of the file's text: V8 checks
 * only a cached script's length, so a cache found by the file's inode and mtime (which a reinstall can give the
 * next build's file) ran the previous build's code. Hashed as read, before decoding: under a millisecond.
 */
function loadCached(file, command) {
  const bytes = fs.readFileSync(file);
  const builds = `${path.basename(file)}.${command}.`;
  const name = `${builds}${sha256(bytes).slice(0, 32)}.v8cache`;
  const beside = path.join(path.dirname(file), name);
  // The person's folder is looked up only when no cache is beside the file, not on every status line call.
  let personal;
  let cachedData = readCache(beside);
  if (cachedData === undefined && (personal = personalCacheFolder())) cachedData = readCache(path.join(personal, name));
  const script = new vm.Script(wrap(bytes.toString()), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", () => {
      if (writeCache(beside, script) || !(personal ??= personalCacheFolder())) return;
      // Nothing else removes the caches of earlier builds there, as a reinstall removes those beside the files.
      if (writeCache(path.join(personal, name), script)) removeOtherBuilds(personal, builds, name);
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

const sha256 = (bytes) => require("node:crypto").createHash("sha256").update(bytes).digest("hex");
/** A cache file is the hash of the code cache (64 hex digits), then the code cache. */
const HASH_LENGTH = 64;

/**
 * The code cache in this file, if it is whole. V8 checks a cache's length and flags, not its bytes, and a damaged
 * one it accepts crashes the process (a segmentation fault) on every call: so the bytes are checked here first.
 */
function readCache(cacheFile) {
  let stored;
  try {
    stored = fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const data = stored.subarray(HASH_LENGTH);
  return stored.length > HASH_LENGTH && stored.toString("latin1", 0, HASH_LENGTH) === sha256(data) ? data : undefined;
}

/**
 * Where the code caches go when dist/ cannot be written: $XDG_CACHE_HOME/quartet/code-cache, else
 * ~/.cache/quartet/code-cache (a relative $XDG_CACHE_HOME is ignored, as the XDG specification says).
 */
function personalCacheFolder() {
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "quartet", "code-cache");
  try {
    return path.join(require("node:os").homedir(), ".cache", "quartet", "code-cache");
  } catch {
    return undefined; // no home: no cache
  }
}

/** After the call: the functions it compiled are in the cache too. Written whole or not at all; says whether it was. */
function writeCache(cacheFile, script) {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    // Private like every file quartet writes, although it holds only compiled code.
    const fd = fs.openSync(temp, "wx", 0o600);
    try {
      fs.writeSync(fd, sha256(data));
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, cacheFile);
  } catch {
    fs.rmSync(temp, { force: true });
    return false;
  }
  return true;
}

/**
 * Builds whose caches the person's folder keeps for each file and command. Two quartet versions used side by side
 * (a global install and a project's own) each removed the other's cache, so that every call of either compiled
 * its file again; the oldest caches beyond these go.
 */
const BUILDS_KEPT = 3;

/** Removes other builds' caches of a file and command (`<builds><hash>.v8cache`) but the newest, not temp files. */
function removeOtherBuilds(dir, builds, kept) {
  try {
    const others = [];
    for (const f of fs.readdirSync(dir))
      if (f !== kept && f.startsWith(builds) && f.endsWith(".v8cache")) {
        const file = path.join(dir, f);
        others.push({ file, written: fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0 });
      }
    others.sort((a, b) => b.written - a.written);
    for (const { file } of others.slice(BUILDS_KEPT - 1)) fs.rmSync(file, { force: true });
  } catch {
    // A cache left behind costs only its room.
  }
}

/**
 * These files require some of the ES module build's files (a runtime's log parser, the price file's reader, the
 * team view): that needs require() of ES modules, and without a warning on stderr. Node 20.19 and later 20.x have
 * it quietly, 22.x from 22.13, 23.x from 23.5 (22.12 and 23.0-23.4 warn), and a Node started with
 * --no-experimental-require-module does not have it: there, the full CLI runs every command.
 */
function requiresModulesQuietly() {
  if (process.features.require_module !== true) return false;
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major === 20 || (major === 22 && minor >= 13) || (major === 23 && minor >= 5) || major >= 24;
}

// The status line runs after every assistant message: its own file, without the rest of the CLI, unless its
// arguments need the full parser (help), other runtimes' modules must be registered first, or dist/ was built
// before the file existed. The ledger's reports and the session commands run from theirs, on the same conditions
// but the first. None of them runs where Node cannot require its ES module parts quietly.
const [command, ...args] = process.argv.slice(2);
const own = {
  statusline: "statusline.cjs",
  usage: "ledger.cjs",
  cache: "ledger.cjs",
  report: "ledger.cjs",
  run: "sessions.cjs",
  ps: "sessions.cjs",
  attach: "sessions.cjs",
  send: "sessions.cjs",
  resume: "sessions.cjs",
  grid: "sessions.cjs",
  stop: "sessions.cjs",
  gc: "sessions.cjs",
};
const ownFile = Object.hasOwn(own, command) ? path.join(dist, own[command]) : undefined;
let fast = Promise.resolve(undefined);
if (ownFile && !process.env.QUARTET_EXTRA_RUNTIMES && requiresModulesQuietly() && fs.existsSync(ownFile)) {
  const loaded = loadCached(ownFile, command);
  fast = command === "statusline" ? loaded.runStatusline(args) : loaded.main(process.argv);
}
fast.then(async (code) => {
  process.exitCode = code ?? (await (await import(pathToFileURL(path.join(dist, "main.js")).href)).main(process.argv));
});
