/** `quartet port <from> <to>`, `quartet port status`, `quartet port check`: moving a workflow between runtimes. */
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { renderJson } from "../core/output.js";
import { lookupEnv, quartetPaths } from "../core/paths.js";
import { ASSET_KINDS, AssetKind, type Diagnostic, type WorkflowRuntime } from "../contract/workflow/ir.js";
import { assetId, outputTarget } from "../contract/workflow/outputs.js";
import { RUNTIMES } from "../runtimes/registry.js";
import { port, workflowRuntimes, type PortPlace } from "../workflow/port.js";
import { displayPath, maskSecrets, renderDiagnostics, renderLosses, renderPlan, renderStatus, summaryLine } from "../workflow/render.js";
import { portSettings, readProjectConfig } from "../workflow/settings.js";
import { IN_SYNC, portStatus } from "../workflow/status.js";
import { requireFolderFlag } from "./folder-flag.js";

interface PortFlags {
  dir?: string;
  global?: boolean;
  home?: string;
  only?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  model?: string[];
  imports?: string;
  skills?: string;
}

/** The runtimes a port moves between: cli/ is where the registry is handed to the workflow layer. */
const runtimes = () => [...RUNTIMES.values()];

export function registerPort(program: Command): void {
  const ids = workflowRuntimes(runtimes()).join(", ");
  program
    .command("port")
    .description(`move a workflow between runtimes (${ids}; e.g. \`port claude codex\`), or compare them (\`port status\`, \`port check\`)`)
    .argument("<from>", `${ids}; or \`status\` / \`check\``)
    .argument("[to]", ids)
    .option("--dir <dir>", "the project folder (default: the current folder)")
    .option("--global", "your user-level configuration (~/.claude, ~/.config/opencode, ~/.codex) instead of a project's")
    .option("--home <dir>", "the home folder for --global and ~/ paths (default: $HOME)")
    .option("--only <kinds>", `only these kinds: ${ASSET_KINDS.join(", ")}`)
    .option("--dry-run", "print the plan and the loss report; write nothing")
    .option("--force", "overwrite targets that differ from what quartet would write")
    .option("--model <alias=provider/id...>", "pin a Claude Code model alias for OpenCode, e.g. sonnet=anthropic/claude-sonnet-4-5")
    .option("--imports <mode>", "CLAUDE.md @imports for OpenCode: list (in `instructions`) or inline (into AGENTS.md)")
    .option("--skills <mode>", "skills for OpenCode: native (it reads .claude/skills) or copy (into .opencode/skills)")
    .option("--json", "print JSON")
    .action((from: string, to: string | undefined, flags: PortFlags) => {
      if (from === "status" || from === "check") {
        if (to !== undefined) throw new UsageError(`port ${from} takes no runtime (got "${to}")`);
        return statusCommand(flags, from === "check");
      }
      return portCommand(from, to, flags);
    });
}

function place(flags: PortFlags): PortPlace & { only: AssetKind[] } {
  requireFolderFlag("--home", flags.home);
  requireFolderFlag("--dir", flags.dir);
  const env = lookupEnv(flags.home ? { home: flags.home } : {});
  const root = flags.global ? env.home : path.resolve(flags.dir ?? process.cwd());
  if (flags.global && flags.dir) throw new UsageError("--global and --dir cannot be used together");
  const only = flags.only ? flags.only.split(",").map((k) => k.trim()) : [...ASSET_KINDS];
  for (const k of only)
    if (!AssetKind.safeParse(k).success) throw new UsageError(`--only: unknown kind "${k}" (known: ${ASSET_KINDS.join(", ")})`);
  return {
    root,
    scope: flags.global ? "user" : "project",
    home: env.home,
    configHome: env.xdgConfigHome,
    dataDir: quartetPaths().dataDir,
    only: only as AssetKind[],
  };
}

function settingsFor(flags: PortFlags, root: string, global: boolean) {
  return portSettings({
    config: global ? {} : readProjectConfig(root),
    ...(flags.model ? { modelFlags: flags.model } : {}),
    ...(flags.imports ? { imports: flags.imports } : {}),
    ...(flags.skills ? { skills: flags.skills } : {}),
  });
}

function runtimeArg(value: string | undefined, what: string): WorkflowRuntime {
  const known = workflowRuntimes(runtimes());
  const found = known.find((r) => r === value);
  if (!found) throw new UsageError(`${what} must be one of ${known.join(", ")}${value ? ` (got "${value}")` : ""}`);
  return found;
}

async function portCommand(fromArg: string, toArg: string | undefined, flags: PortFlags): Promise<void> {
  const from = runtimeArg(fromArg, "<from>");
  const to = runtimeArg(toArg, "<to>");
  const where = place(flags);
  const settings = settingsFor(flags, where.root, flags.global === true);
  const result = await port({
    ...where,
    runtimes: runtimes(),
    from,
    to,
    settings,
    force: flags.force === true,
    dryRun: flags.dryRun === true,
  });
  const failed = (result.conflicts > 0 && !flags.force && !flags.dryRun) || result.diagnostics.some((d) => d.severity === "error");
  if (flags.json) {
    process.stdout.write(
      renderJson({
        from,
        to,
        scope: where.scope,
        root: where.root,
        written: result.written,
        conflicts: result.conflicts,
        actions: result.plan.outputs.map((p) => ({
          action: p.action,
          target: displayPath(outputTarget(p.output), where.root),
          asset: assetId(p.output.asset),
        })),
        files: result.plan.files.map((f) => ({ file: displayPath(f.file, where.root), before: asText(f.before), after: asText(f.after) })),
        losses: result.losses.map((l) => ({ asset: assetId(l.asset), field: l.field, level: l.level, reason: l.reason })),
        diagnostics: result.diagnostics,
      }),
    );
  } else {
    const out = [
      `quartet port ${from} → ${to} (${where.scope === "user" ? "user configuration" : where.root})`,
      await renderPlan(result.plan, where.root),
      await renderLosses(result.losses),
    ];
    if (result.diagnostics.length > 0) out.push(`Problems in the input:\n${renderDiagnostics(result.diagnostics)}`);
    out.push(summaryLine(result, { dryRun: flags.dryRun === true, force: flags.force === true, root: where.root }));
    process.stdout.write(`${out.join("\n\n")}\n`);
  }
  if (failed) process.exitCode = 1;
}

/** A file's content for --json: credentials masked, as in the printed diff. */
function asText(v: string | Buffer | null): string | null {
  return v === null ? null : Buffer.isBuffer(v) ? `<${v.length} bytes>` : maskSecrets(v);
}

async function statusCommand(flags: PortFlags, check: boolean): Promise<void> {
  const where = place(flags);
  const status = await portStatus({ ...where, runtimes: runtimes(), settings: settingsFor(flags, where.root, flags.global === true) });
  const { assets, diagnostics } = status;
  const drift = assets.filter((a) => !IN_SYNC.has(a.state));
  if (flags.json) {
    process.stdout.write(
      renderJson({
        root: where.root,
        scope: where.scope,
        inSync: drift.length === 0,
        runtimes: status.runtimes,
        assets: assets.map((a) => ({ asset: assetId(a.asset), state: a.state, files: a.files.map((f) => displayPath(f, where.root)) })),
        diagnostics,
      }),
    );
  } else {
    const out = [await renderStatus(assets, where.root)];
    if (diagnostics.length > 0) out.push(`Problems in the input:\n${renderDiagnostics(diagnostics as Diagnostic[])}`);
    if (check)
      out.push(
        drift.length === 0
          ? "In sync."
          : `Drift: ${drift.length} asset(s) differ between ${status.runtimes.join(", ")} (run quartet port … to bring them together).`,
      );
    process.stdout.write(`${out.join("\n\n")}\n`);
  }
  if (check && drift.length > 0) process.exitCode = 1;
}
