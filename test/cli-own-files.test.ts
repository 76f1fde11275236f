/**
 * The ledger's reports (`usage`, `cache`, `report`) and the session commands (`run`, `ps`, …) run from files of
 * their own, dist/ledger.cjs and dist/sessions.cjs, which bin/quartet.js loads with a V8 code cache
 * (src/cli/ledger-entry.ts, sessions-entry.ts): they must answer exactly as the ES module build (dist/main.js)
 * answers, with a cache, without one and with one V8 refuses.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { LEDGER_COMMANDS } from "../src/cli/ledger-entry.js";
import { SESSION_COMMANDS } from "../src/cli/session-commands.js";
import { buildCopy, cacheOf, codeCaches } from "./build-copy.js";
import { fixtureHome, ROOT, tempDir } from "./helpers.js";

type Ran = { code: number | null; stdout: string; stderr: string };

/** The built CLI of `copy`, as a user runs it (another user, with `as`). */
function viaBin(copy: string, args: readonly string[], env: NodeJS.ProcessEnv, as: { uid?: number; gid?: number } = {}): Ran {
  const r = spawnSync(process.execPath, [path.join(copy, "bin", "quartet.js"), ...args], { env, encoding: "utf8", ...as });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command through the ES module build's main(), which every other command runs from. */
function viaModules(copy: string, args: readonly string[], env: NodeJS.ProcessEnv): Ran {
  const main = pathToFileURL(path.join(copy, "dist", "main.js")).href;
  const script = `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(["node", "quartet", ...process.argv.slice(1)]);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script, ...args], { env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const envFor = (home: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  QUARTET_HOME: tempDir("quartet-data-"),
  TZ: "UTC",
  NO_COLOR: "1",
});

/** The commands bin/quartet.js routes to each of its files. */
function routed(): Map<string, string[]> {
  const launcher = fs.readFileSync(path.join(ROOT, "bin", "quartet.js"), "utf8");
  const own = /^const own = \{([^}]*)\};$/m.exec(launcher)?.[1];
  expect(own).toBeDefined();
  const files = new Map<string, string[]>();
  for (const [, command, file] of own!.matchAll(/(\w+): "([^"]+)"/g)) files.set(file!, [...(files.get(file!) ?? []), command!]);
  return files;
}

describe.each([
  { file: "ledger.cjs", commands: LEDGER_COMMANDS },
  { file: "sessions.cjs", commands: SESSION_COMMANDS },
])("$file", ({ file, commands }) => {
  it.each(commands)("runs `%s` from it, with the same help as the ES module build", (command) => {
    const copy = buildCopy();
    const env = envFor(tempDir("quartet-userhome-"));
    const help = viaBin(copy, [command, "--help"], env);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain(`Usage: quartet ${command}`);
    expect(help).toEqual(viaModules(copy, [command, "--help"], env));
    // It ran from the file: the call left that command's code cache beside it, and no other, and nothing in the
    // person's cache folder.
    expect(codeCaches(copy)).toEqual([path.basename(cacheOf(path.join(copy, "dist", file), command))]);
    expect(fs.existsSync(path.join(env.HOME!, ".cache"))).toBe(false);
  });

  it("is what the launcher runs for exactly those commands", () => {
    expect(routed().get(file)).toEqual(commands);
  });
});

it("leaves every other command to the ES module build", () => {
  const copy = buildCopy();
  const r = viaBin(copy, ["board", "--help"], envFor(tempDir("quartet-userhome-")));
  expect(r.code, r.stderr).toBe(0);
  expect(codeCaches(copy)).toEqual([]);
});

describe("the session commands' own file (dist/sessions.cjs)", () => {
  // Every end-to-end session test drives sessions through it (bin/quartet.js); here, what needs none.
  it("answers as the ES module build does with no sessions, errors included", () => {
    const copy = buildCopy();
    const env = envFor(tempDir("quartet-userhome-"));
    for (const args of [["ps", "--json"], ["ps"], ["gc", "--dry-run", "--json"], ["send", "nobody", "hello"], ["resume", "--all"]]) {
      const expected = viaModules(copy, args, env);
      expect(viaBin(copy, args, env), args.join(" ")).toEqual(expected);
    }
  });
});

describe("the ledger's own file (dist/ledger.cjs)", () => {
  it("reports every runtime's logs as the ES module build does, from a code cache and with one V8 refuses", () => {
    // Claude Code's parser is bundled in the file; Codex's and OpenCode's readers come from the ES module build.
    const home = fixtureHome(["claude", "opencode", "codex"]);
    const copy = buildCopy();
    const args = ["usage", "--by", "runtime,model", "--json", "--home", home];
    const expected = viaModules(copy, args, envFor(home));
    expect(expected.code, expected.stderr).toBe(0);
    const keys = (JSON.parse(expected.stdout) as { rows: { key: string }[] }).rows.map((r) => r.key.split("/")[0]);
    expect(new Set(keys)).toEqual(new Set(["claude", "opencode", "codex"]));

    const cache = cacheOf(path.join(copy, "dist", "ledger.cjs"), "usage");
    expect(viaBin(copy, args, envFor(home))).toEqual(expected);
    const written = fs.statSync(cache);
    // Used, not written again: V8 took it.
    expect(viaBin(copy, args, envFor(home))).toEqual(expected);
    expect(fs.statSync(cache)).toMatchObject({ ino: written.ino, mtimeMs: written.mtimeMs });
    fs.writeFileSync(cache, "not a code cache");
    expect(viaBin(copy, args, envFor(home))).toEqual(expected);
    expect(fs.readFileSync(cache, "utf8")).not.toBe("not a code cache");
  });

  it("never hands V8 a damaged code cache (one of the right length that V8 would take, and crash on)", () => {
    const home = fixtureHome(["claude"]);
    const copy = buildCopy();
    const args = ["cache", "--json", "--home", home];
    const expected = viaBin(copy, args, envFor(home));
    expect(expected.code, expected.stderr).toBe(0);
    const cache = cacheOf(path.join(copy, "dist", "ledger.cjs"), "cache");
    const whole = fs.readFileSync(cache);
    const damaged = Buffer.from(whole);
    for (const at of [0.2, 0.4, 0.6, 0.8]) damaged.fill(0xa5, Math.floor(damaged.length * at), Math.floor(damaged.length * at) + 64);
    fs.writeFileSync(cache, damaged);
    expect(viaBin(copy, args, envFor(home))).toEqual(expected);
    expect(fs.readFileSync(cache).equals(damaged)).toBe(false);
  });

  it("leaves the reports to the ES module build where Node cannot require an ES module", () => {
    const home = fixtureHome(["codex"]);
    const copy = buildCopy();
    const args = ["usage", "--json", "--home", home];
    const without = (run: typeof viaBin) => {
      const env = { ...envFor(home), NODE_OPTIONS: "--no-experimental-require-module" };
      return run(copy, args, env);
    };
    const expected = without(viaModules);
    expect(expected.code, expected.stderr).toBe(0);
    expect(without(viaBin)).toEqual(expected);
    expect(codeCaches(copy)).toEqual([]);
  });
});

/**
 * A copy of the built CLI run by someone who cannot write to it, as with an install by another user (`sudo npm
 * install -g`). Root may write anywhere, so where the tests run as root the copy runs as nobody; elsewhere its
 * dist/ is made read-only for the test.
 */
function notWritableCopy() {
  const copy = buildCopy({ ownModules: true });
  const asRoot = process.getuid?.() === 0;
  const nobody = 65534;
  if (asRoot) fs.chmodSync(copy, 0o755);
  else {
    fs.chmodSync(path.join(copy, "dist"), 0o555);
    onTestFinished(() => fs.chmodSync(path.join(copy, "dist"), 0o755));
  }
  return {
    copy,
    /** A folder of the test's, made the user's own. */
    own(dir: string): string {
      if (asRoot)
        for (const f of [dir, ...fs.readdirSync(dir, { recursive: true }).map((p) => path.join(dir, String(p)))])
          fs.lchownSync(f, nobody, nobody);
      return dir;
    },
    run: (args: readonly string[], env: NodeJS.ProcessEnv): Ran => viaBin(copy, args, env, asRoot ? { uid: nobody, gid: nobody } : {}),
  };
}

describe("a build the person cannot write to (installed by another user)", () => {
  it("keeps its code cache in the person's ~/.cache/quartet, private to them, and uses it there", () => {
    const build = notWritableCopy();
    const home = build.own(fixtureHome(["claude"]));
    const env = { ...envFor(home), QUARTET_HOME: build.own(tempDir("quartet-data-")) };
    const first = build.run(["usage", "--json"], env);
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as { totals: { requests: number } }).totals.requests).toBeGreaterThan(0);
    expect(codeCaches(build.copy)).toEqual([]);

    const folder = path.join(home, ".cache", "quartet", "code-cache");
    const cache = path.join(folder, path.basename(cacheOf(path.join(build.copy, "dist", "ledger.cjs"), "usage")));
    expect(fs.readdirSync(folder)).toEqual([path.basename(cache)]);
    expect(fs.statSync(folder).mode & 0o777).toBe(0o700);
    expect(fs.statSync(cache).mode & 0o777).toBe(0o600);
    const written = fs.statSync(cache);
    expect(build.run(["usage", "--json"], env)).toEqual(first);
    // Used, not written again: V8 took it.
    expect(fs.statSync(cache)).toMatchObject({ ino: written.ino, mtimeMs: written.mtimeMs });
  });

  it("keeps it under $XDG_CACHE_HOME when set, beside the caches of the two builds written before it, not older ones", () => {
    const build = notWritableCopy();
    const home = build.own(fixtureHome(["claude"]));
    const xdg = tempDir("quartet-xdg-cache-");
    const folder = path.join(xdg, "quartet", "code-cache");
    fs.mkdirSync(folder, { recursive: true });
    const earlier = (command: string, build: number) => `ledger.cjs.${command}.${String(build).repeat(32)}.v8cache`;
    // Three earlier builds' caches of `usage`, written a day apart (build 3 the oldest, so that their names sort
    // against their age), and one of `cache`.
    for (const [f, daysAgo] of [
      [earlier("usage", 1), 1],
      [earlier("usage", 2), 2],
      [earlier("usage", 3), 3],
      [earlier("cache", 1), 3],
    ] as const) {
      fs.writeFileSync(path.join(folder, f), "an earlier build's cache");
      const at = new Date(Date.now() - daysAgo * 86_400_000);
      fs.utimesSync(path.join(folder, f), at, at);
    }
    build.own(xdg);
    const env = { ...envFor(home), QUARTET_HOME: build.own(tempDir("quartet-data-")), XDG_CACHE_HOME: xdg };
    const r = build.run(["usage", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const current = path.basename(cacheOf(path.join(build.copy, "dist", "ledger.cjs"), "usage"));
    // Another version still in use (a project's own install beside a global one) keeps its cache; the oldest goes.
    // The other command's cache is left for that command's next call.
    expect(fs.readdirSync(folder).sort()).toEqual([earlier("cache", 1), earlier("usage", 1), earlier("usage", 2), current].sort());
    expect(fs.existsSync(path.join(home, ".cache"))).toBe(false);
    expect(codeCaches(build.copy)).toEqual([]);
  });
});
