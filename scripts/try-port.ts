/**
 * Tries `quartet port` on a real workflow, as a demanding user would, and prints what held:
 *
 *   npx tsx scripts/try-port.ts <project folder> <claude|opencode>
 *
 * On a private copy of the folder (the original is never touched) it ports to the other runtime and asks
 * that runtime what it loaded (`opencode debug config`; Claude Code's `init` event, against the lab
 * endpoint), checks the port is a fixed point (`port status` shows no drift, the reverse dry run plans no new
 * file), and ports back into a copy without the source's files to list every difference of the round trip
 * that the loss report does not explain. Nothing here needs the network or a login.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findBinary } from "../src/core/binaries.js";
import { LAB_API_KEY } from "../src/core/lab-key.js";
import { parseScenario, startLabEndpoint } from "../src/lab/lab.js";
import { ASSET_KINDS, type AssetKind, type Workflow, type WorkflowRuntime } from "../src/contract/workflow/ir.js";
import type { Loss } from "../src/contract/workflow/outputs.js";
import { assetsOf, port, workflowAdapter, type PortPlace } from "../src/workflow/port.js";
import { RUNTIMES } from "../src/runtimes/registry.js";
import { portSettings } from "../src/workflow/settings.js";
import { portStatus } from "../src/workflow/status.js";

const [projectArg, fromArg] = process.argv.slice(2);
if (!projectArg || (fromArg !== "claude" && fromArg !== "opencode")) {
  console.error("usage: npx tsx scripts/try-port.ts <project folder> <claude|opencode>");
  process.exit(2);
}
const from: WorkflowRuntime = fromArg;
const to: WorkflowRuntime = from === "claude" ? "opencode" : "claude";
/** The kinds compared after a round trip (instructions and skills are shared files, not copies). */
const ROUND_TRIP: readonly AssetKind[] = ["agents", "commands", "mcp", "permissions", "hooks", "settings"];
/** Each runtime's own workflow files: removed before the port back, so it writes them afresh. */
const OWN_FILES: Record<WorkflowRuntime, string[]> = {
  claude: [".claude/agents", ".claude/commands", ".claude/settings.json", ".mcp.json"],
  opencode: [".opencode/agent", ".opencode/agents", ".opencode/command", ".opencode/commands", "opencode.json", "opencode.jsonc"],
  codex: [".codex"],
};

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "quartet-try-"));
const home = path.join(scratch, "home");
fs.mkdirSync(home, { recursive: true });
/** Claude Code trusts the copies (else it ignores their permissions and hooks), as a user who opened them would. */
function trust(...roots: string[]): void {
  const projects = Object.fromEntries(roots.map((r) => [r, { hasTrustDialogAccepted: true }]));
  fs.writeFileSync(path.join(home, ".claude.json"), JSON.stringify({ hasCompletedOnboarding: true, projects }));
}

function copyProject(target: string): string {
  fs.cpSync(path.resolve(projectArg!), target, { recursive: true, filter: (f) => !/[/\\](node_modules|\.git)$/.test(f) });
  execFileSync("git", ["init", "-q"], { cwd: target });
  return target;
}

function place(root: string): PortPlace {
  return { root, scope: "project", home, configHome: path.join(home, ".config"), dataDir: path.join(scratch, "data") };
}

async function doPort(root: string, a: WorkflowRuntime, b: WorkflowRuntime, dryRun: boolean) {
  return port({
    ...place(root),
    runtimes: [...RUNTIMES.values()],
    from: a,
    to: b,
    only: [...ASSET_KINDS],
    settings: portSettings({ config: {} }),
    force: true,
    dryRun,
  });
}

async function read(root: string, runtime: WorkflowRuntime): Promise<Workflow> {
  return (await workflowAdapter({ runtimes: [...RUNTIMES.values()], id: runtime })).read({ ...place(root), only: [...ASSET_KINDS] })
    .workflow;
}

/** Runs a binary with its output into a file: OpenCode exits before a pipe has taken all of a large output. */
async function runBinary(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const file = path.join(scratch, `out-${Date.now()}.txt`);
  const fd = fs.openSync(file, "w", 0o600);
  const child = spawn(bin, args, { cwd, env: { PATH: process.env.PATH, LANG: "C.UTF-8", HOME: home, ...env }, stdio: ["ignore", fd, fd] });
  const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(timer);
  fs.closeSync(fd);
  return { code, out: fs.readFileSync(file, "utf8") };
}

/** What the target runtime itself loaded: its agents and commands. */
async function loadedBy(
  runtime: WorkflowRuntime,
  root: string,
): Promise<{ ok: boolean; agents: string[]; commands: string[]; note: string }> {
  if (runtime === "opencode") {
    const r = await runBinary(findBinary("opencode")!.path, ["debug", "config"], root, {
      OPENCODE_DISABLE_MODELS_FETCH: "1",
      OPENCODE_DISABLE_AUTOUPDATE: "1",
    });
    const start = r.out.startsWith("{") ? 0 : r.out.indexOf("\n{") + 1;
    if (r.code !== 0 || start < 0 || !r.out.includes("\n}"))
      return { ok: false, agents: [], commands: [], note: `exit ${r.code}: ${r.out.slice(-600)}` };
    const config = JSON.parse(r.out.slice(start, r.out.lastIndexOf("\n}") + 2)) as { agent?: object; command?: object };
    return { ok: true, agents: Object.keys(config.agent ?? {}), commands: Object.keys(config.command ?? {}), note: "" };
  }
  const scenario = parseScenario(
    "name: init\ndescription: d\nsteps:\n  - prompt: Say hello.\n    actions:\n      - say: Hello.\n",
    "inline",
  );
  const endpoint = await startLabEndpoint({ scenario, workspace: root });
  try {
    const r = await runBinary(
      findBinary("claude")!.path,
      ["-p", "--output-format", "stream-json", "--verbose", "--model", "claude-sonnet-4-5", "--", "Say hello."],
      root,
      {
        ANTHROPIC_BASE_URL: endpoint.url,
        ANTHROPIC_API_KEY: LAB_API_KEY,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
        // This machine runs as root, where Claude Code refuses bypassPermissions unless told it is a sandbox.
        IS_SANDBOX: "1",
      },
    );
    const init = r.out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { type?: string; subtype?: string; agents?: string[]; slash_commands?: string[] })
      .find((e) => e.type === "system" && e.subtype === "init");
    if (!init) return { ok: false, agents: [], commands: [], note: r.out.slice(-600) };
    return { ok: r.code === 0, agents: init.agents ?? [], commands: init.slash_commands ?? [], note: "" };
  } finally {
    await endpoint.close();
  }
}

/** Fields of each asset that differ between two readings, as `kind/name<tab>field`. */
function differences(a: Workflow, b: Workflow): string[] {
  const out: string[] = [];
  const [left, right] = [assetsOf(a), assetsOf(b)];
  for (const id of new Set([...left.keys(), ...right.keys()])) {
    const l = left.get(id);
    const r = right.get(id);
    if (!ROUND_TRIP.includes((l ?? r)!.ref.kind)) continue;
    if (!l || !r) {
      out.push(`${id}\t${l ? "lost" : "appeared"}`);
      continue;
    }
    // A list asset (hooks): each item against the item for the same event and command, field by field.
    const sameItem = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      a.event === b.event && a.command === b.command && JSON.stringify(a.args) === JSON.stringify(b.args) && a.matcher === b.matcher;
    const pairs: [Record<string, unknown>, Record<string, unknown>][] = [];
    if (!Array.isArray(l.value)) pairs.push([l.value as Record<string, unknown>, r.value as Record<string, unknown>]);
    else
      for (const item of l.value as Record<string, unknown>[]) {
        const other = (r.value as Record<string, unknown>[]).find((o) => sameItem(item, o));
        if (other) pairs.push([item, other]);
        else if (!out.includes(`${id}\tlost`)) out.push(`${id}\tlost`);
      }
    for (const [lv, rv] of pairs)
      for (const field of new Set([...Object.keys(lv), ...Object.keys(rv)])) {
        if (field === "source") continue;
        if (JSON.stringify(lv[field]) !== JSON.stringify(rv[field]) && !out.includes(`${id}\t${field}`)) out.push(`${id}\t${field}`);
      }
  }
  return out;
}

/** A difference the loss report explains: a row for that asset and field (or, for extras, any extra). */
function explained(diff: string, losses: readonly Loss[]): boolean {
  const [id, field] = diff.split("\t") as [string, string];
  return losses.some((l) => {
    if ((l.asset.kind === l.asset.name ? l.asset.kind : `${l.asset.kind}/${l.asset.name}`) !== id) return false;
    return (
      field === "lost" || l.field === field || l.field.startsWith(`${field}.`) || (field === "extras" && l.field.startsWith("extras."))
    );
  });
}

const root = copyProject(path.join(scratch, "project"));
trust(root);
execFileSync("git", ["add", "-A"], { cwd: root });
const source = await read(root, from);
// What the source runtime itself loads, against what quartet read: nothing it accepts may be refused.
const own = await loadedBy(from, root);
if (!own.ok) console.log(`  ${from} did not load the source: ${own.note.slice(-400)}`);
const unread = own.agents.filter((n) => !source.agents.some((a) => a.name === n));
const notLoaded = source.agents.filter((a) => !own.agents.includes(a.name)).map((a) => a.name);
const ported = await doPort(root, from, to, false);
const errors = ported.diagnostics.filter((d) => d.severity === "error");
console.log(`${path.basename(projectArg)}: ${from} → ${to}`);
console.log(
  `  read: ${source.agents.length} agents, ${source.commands.length} commands, ${source.skills.length} skills, ${source.mcp.length} MCP servers, ` +
    `${source.permissions?.rules.length ?? 0} permission rules, ${source.hooks.length} hooks; ${errors.length} errors, ` +
    `${ported.diagnostics.length - errors.length} warnings`,
);
for (const e of errors.slice(0, 10)) console.log(`    error ${e.file}:${e.line ?? "-"} ${e.message}`);
console.log(
  `  ${from} itself loads ${own.agents.length} agents (built-ins included): ${unread.length} of them not read by quartet` +
    `${unread.length ? ` (${unread.slice(0, 12).join(", ")})` : ""}; quartet read ${notLoaded.length} that ${from} does not load` +
    `${notLoaded.length ? ` (${notLoaded.slice(0, 8).join(", ")})` : ""}`,
);
console.log(`  wrote: ${ported.plan.files.length} files, ${ported.losses.length} loss rows, ${ported.conflicts} conflicts`);

execFileSync("git", ["add", "-A"], { cwd: root });
const loaded = await loadedBy(to, root);
const portedAgents = source.agents.filter((a) => !a.disabled).map((a) => a.name);
const missingAgents = portedAgents.filter((n) => !loaded.agents.includes(n));
const portedCommands = source.commands.map((c) => (to === "claude" ? c.name.replaceAll("/", ":") : c.name));
const missingCommands = portedCommands.filter((n) => !loaded.commands.includes(n));
console.log(
  `  ${to} loaded it: ${loaded.ok ? "yes" : "NO"}; agents ${portedAgents.length - missingAgents.length}/${portedAgents.length}, ` +
    `commands ${portedCommands.length - missingCommands.length}/${portedCommands.length}`,
);
if (!loaded.ok) console.log(`    ${loaded.note.replaceAll("\n", "\n    ")}`);
if (missingAgents.length) console.log(`    agents not loaded: ${missingAgents.slice(0, 10).join(", ")}`);
if (missingCommands.length) console.log(`    commands not loaded: ${missingCommands.slice(0, 10).join(", ")}`);

const status = await portStatus({
  ...place(root),
  runtimes: [...RUNTIMES.values()],
  only: [...ASSET_KINDS],
  settings: portSettings({ config: {} }),
});
const drift = status.assets.filter((a) => a.state !== "in sync" && a.state !== "not portable");
console.log(`  status: ${status.assets.length - drift.length}/${status.assets.length} in sync`);
for (const d of drift.slice(0, 10)) console.log(`    ${d.state}: ${d.asset.kind}/${d.asset.name}`);
const back = await doPort(root, to, from, true);
const newFiles = back.plan.files.filter((f) => f.before === null);
console.log(`  reverse dry run: ${newFiles.length} new files`);
for (const f of newFiles.slice(0, 10)) console.log(`    ${path.relative(root, f.file)}`);

const again = path.join(scratch, "round-trip");
fs.cpSync(root, again, { recursive: true });
for (const f of OWN_FILES[from] ?? []) fs.rmSync(path.join(again, f), { recursive: true, force: true });
fs.rmSync(path.join(again, ".quartet"), { recursive: true, force: true });
const returned = await doPort(again, to, from, false);
const roundTrip = differences(source, await read(again, from));
const unexplained = roundTrip.filter((d) => !explained(d, [...ported.losses, ...returned.losses]));
console.log(`  round trip: ${roundTrip.length} fields differ, ${unexplained.length} not in the loss report`);
for (const d of unexplained.slice(0, 15)) console.log(`    ${d}`);
// OpenCode may still be filling its npm cache in the background: retry, and never fail on the clean-up.
try {
  fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
} catch {
  console.log(`  (left ${scratch} behind: a runtime was still writing there)`);
}
