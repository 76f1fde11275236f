/**
 * The port's output for people: the plan as a table, the diff of every file it changes (credentials
 * masked), the loss report and the problems found in the input; and `port status` as a table.
 */
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { colors, renderTable } from "../core/output.js";
import type { Diagnostic } from "../contract/workflow/ir.js";
import { assetId, outputTarget, type Loss } from "../contract/workflow/outputs.js";
import type { Plan } from "./plan.js";
import type { PortResult } from "./port.js";
import type { AssetStatus } from "./status.js";

const MAX_DIFF_LINES = 60;
const SECRET = /("?[\w-]*(?:token|secret|password|api[_-]?key|authorization)[\w-]*"?\s*[:=]\s*)"(?!\$\{|\{env:)[^"]{6,}"/gi;

export function displayPath(file: string, root: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

/** Masks literal credentials in text shown to the user (the files themselves keep them). */
export function maskSecrets(text: string): string {
  return text.replace(SECRET, (_, lead: string) => `${lead}"[redacted]"`);
}

export async function renderPlan(plan: Plan, root: string): Promise<string> {
  if (plan.outputs.length === 0) return "Nothing to port.";
  const table = await renderTable(plan.outputs, [
    { header: "Action", value: (p) => p.action, format: (v) => color(String(v)) },
    { header: "Target", value: (p) => displayPath(outputTarget(p.output), root) },
    { header: "Asset", value: (p) => assetId(p.output.asset) },
  ]);
  const diffs = plan.files.map((f) => renderDiff(displayPath(f.file, root), f.before, f.after)).filter(Boolean);
  return [table, ...diffs].join("\n\n");
}

function color(action: string): string {
  if (action === "create") return colors.green(action);
  if (action === "update") return colors.yellow(action);
  if (action === "conflict") return colors.red(colors.bold(action));
  return colors.dim(action);
}

function renderDiff(name: string, before: string | Buffer | null, after: string | Buffer): string {
  if (Buffer.isBuffer(before) || Buffer.isBuffer(after))
    return colors.bold(`${before === null ? "new" : "changed"} file ${name} (copied as is)`);
  const patch = createTwoFilesPatch(
    before === null ? "/dev/null" : `a/${name}`,
    `b/${name}`,
    maskSecrets(before ?? ""),
    maskSecrets(after),
    "",
    "",
    { context: 3 },
  );
  const lines = patch
    .split("\n")
    .slice(2)
    .filter((l) => l !== "\\ No newline at end of file");
  if (lines.length <= 1) return "";
  const shown = lines
    .slice(0, MAX_DIFF_LINES)
    .map((l) => (l.startsWith("+") ? colors.green(l) : l.startsWith("-") ? colors.red(l) : l.startsWith("@@") ? colors.cyan(l) : l));
  const more = lines.length > MAX_DIFF_LINES ? [colors.dim(`… ${lines.length - MAX_DIFF_LINES} more lines (--json has everything)`)] : [];
  return [colors.bold(`${before === null ? "new file" : "changes to"} ${name}`), ...shown, ...more].join("\n");
}

export async function renderLosses(losses: readonly Loss[]): Promise<string> {
  if (losses.length === 0) return "Loss report: everything ports without loss.";
  const table = await renderTable(losses, [
    { header: "Asset", value: (l) => assetId(l.asset) },
    { header: "Field", value: (l) => l.field },
    { header: "Fidelity", value: (l) => (l.level === "lossy" ? "approximated" : "not ported") },
    { header: "Why", value: (l) => l.reason, wrap: 72 },
  ]);
  return `Loss report (${losses.length}):\n${table}`;
}

export function renderDiagnostics(diags: readonly Diagnostic[]): string {
  return diags
    .map(
      (d) =>
        `${d.severity === "error" ? colors.red("error:") : colors.yellow("warning:")} ${d.file}${d.line ? `:${d.line}` : ""}: ${d.message}`,
    )
    .join("\n");
}

export function summaryLine(r: PortResult, o: { dryRun: boolean; force: boolean; root: string }): string {
  const count = (a: string) => r.plan.outputs.filter((p) => p.action === a).length;
  const parts = [
    `${count("create")} to create`,
    `${count("update")} to update`,
    `${count("unchanged")} unchanged`,
    `${count("conflict")} conflicts`,
  ];
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  const tail = errors > 0 ? `; ${errors} asset(s) not ported because of errors above` : "";
  if (o.dryRun) return `Dry run: ${parts.join(", ")}; nothing written${tail}.`;
  if (r.conflicts > 0 && !o.force)
    return `Nothing written: ${r.conflicts} target(s) differ from what quartet would write and were not written by it. Review the diffs, then re-run with --force to overwrite them${tail}.`;
  if (!r.written) return `Up to date: ${parts.join(", ")}${tail}.`;
  return `Written: ${parts.join(", ")}; lock ${displayPath(r.lockFile, o.root)}${tail}.`;
}

export async function renderStatus(assets: readonly AssetStatus[], root: string): Promise<string> {
  if (assets.length === 0) return "No workflow assets found on either side.";
  return renderTable(assets, [
    { header: "Asset", value: (a) => assetId(a.asset) },
    {
      header: "State",
      value: (a) => a.state,
      format: (v) => (v === "in sync" ? colors.green(String(v)) : v === "not portable" ? colors.dim(String(v)) : colors.yellow(String(v))),
    },
    { header: "Files", value: (a) => a.files.map((f) => displayPath(f, root)).join(", ") },
  ]);
}
