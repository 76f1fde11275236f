#!/usr/bin/env node
// quartet's launcher: runs the compiled CLI (built by `npm install` or `npm run build`).
// CommonJS (bin/package.json): the status line's own file is CommonJS, and starting Node on an ES module
// costs its module loader about 5 ms more even when nothing else is an ES module.
const { existsSync } = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const dist = path.join(__dirname, "..", "dist");
if (!existsSync(path.join(dist, "main.js"))) {
  process.stderr.write("quartet is not built yet: run `npm install` (or `npm run build`) in its folder.\n");
  process.exit(1);
}
// The status line runs after every assistant message: its own file, without the rest of the CLI, unless its
// arguments need the full parser (help), other runtimes' modules must be registered first, or dist/ was built
// before the file existed.
const [command, ...args] = process.argv.slice(2);
const statusline = path.join(dist, "statusline.cjs");
const fast =
  command === "statusline" && !process.env.QUARTET_EXTRA_RUNTIMES && existsSync(statusline)
    ? require(statusline).runStatusline(args)
    : Promise.resolve(undefined);
fast.then(async (code) => {
  process.exitCode = code ?? (await (await import(pathToFileURL(path.join(dist, "main.js")).href)).main(process.argv));
});
