#!/usr/bin/env node
// quartet's launcher: runs the compiled CLI (built by `npm install` or `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("quartet is not built yet: run `npm install` (or `npm run build`) in its folder.\n");
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
