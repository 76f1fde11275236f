/** `quartet lab show`: a lab run's report, one recorded request's blocks, or the difference of two requests. */
import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { fmtTokens, plural, renderJson, renderTable } from "../core/output.js";
import { quartetPaths } from "../core/paths.js";
import type { LabRequest } from "../lab/model-session.js";
import { renderLabText } from "../lab/render.js";
import { renderLabHtml } from "../lab/report-html.js";
import { runtimeColor } from "../runtimes/registry.js";
import { reportOf } from "../lab/report.js";
import { loadRequests, loadRun, type LabRun } from "../lab/runs.js";
import { requestBlocks } from "../prefix/request-blocks.js";
import { changedBlocks } from "../prefix/classify.js";
import { firstDivergence } from "../prefix/diff.js";
import type { RuntimeId } from "../runtimes/types.js";
import { userPricing } from "../core/pricing.js";
import { PRICING_FLAG, PRICING_HELP } from "./pricing-flag.js";
import { checkReportTarget, writeReportFile } from "./report-file.js";

interface ShowFlags {
  runtime?: string;
  request?: string;
  diff?: string[];
  json?: boolean;
  html?: string;
  pricing?: string;
}

export function registerLabShow(lab: Command): void {
  lab
    .command("show")
    .description("show a lab run, one of its requests block by block, or how two requests differ")
    .argument("[run]", "a run id, the start of one, or `last`", "last")
    .option("--runtime <name>", "whose requests (default: the run's first runtime)")
    .option("--request <n>", "show request N: its blocks, markers, and what was read from cache")
    .option("--diff <n...>", "compare requests N and M")
    .option("--json", "print JSON")
    .option("--html <file>", "also write the run's report as a self-contained HTML page (a new file, or a page quartet wrote before)")
    .option(PRICING_FLAG, PRICING_HELP)
    .action((id: string, flags: ShowFlags) => labShowCommand(id, flags));
}

function requestNumber(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a request number such as 3 (got "${value}")`);
  return n;
}

function pick(run: LabRun, requests: readonly LabRequest[], n: number, runtime: RuntimeId): LabRequest {
  const found = requests.find((r) => r.n === n);
  if (!found) throw new UsageError(`${runtime} made ${plural(requests.length, "request")} in run ${run.id}; there is no request ${n}`);
  return found;
}

export async function labShowCommand(id: string, flags: ShowFlags): Promise<void> {
  if (flags.html !== undefined && (flags.request || flags.diff))
    throw new UsageError("--html writes the whole run's report: leave out --request and --diff");
  if (flags.html !== undefined) checkReportTarget(flags.html);
  const paths = quartetPaths();
  const run = loadRun(paths.dataDir, id);
  const runtime = (flags.runtime ?? run.runtimes[0]?.runtime) as RuntimeId | undefined;
  if (!runtime || !run.runtimes.some((r) => r.runtime === runtime)) {
    throw new UsageError(`run ${run.id} has no runtime "${flags.runtime}" (it has: ${run.runtimes.map((r) => r.runtime).join(", ")})`);
  }
  const requests = loadRequests(run, runtime);
  if (flags.diff) {
    if (flags.diff.length !== 2) throw new UsageError("--diff takes two request numbers, such as --diff 3 4");
    const [a, b] = flags.diff.map((v) => pick(run, requests, requestNumber(v, "--diff"), runtime));
    const before = requestBlocks(a!.body);
    const after = requestBlocks(b!.body);
    const divergence = firstDivergence(before, after);
    const changed = changedBlocks(before, after, 1000);
    const added = after.filter((x) => !before.some((y) => y.id === x.id)).map((x) => x.id);
    const removed = before.filter((x) => !after.some((y) => y.id === x.id)).map((x) => x.id);
    const result = {
      runtime,
      from: a!.n,
      to: b!.n,
      firstDivergence: divergence ? { block: (divergence.current ?? divergence.previous)!.id, excerpt: divergence.excerpt } : null,
      changed,
      added,
      removed,
    };
    if (flags.json) return void process.stdout.write(renderJson(result));
    const lines = [`${runtime} request #${a!.n} → #${b!.n}`];
    lines.push(
      divergence
        ? `first difference: ${result.firstDivergence!.block}\n  ${divergence.excerpt.replace(/\n/g, "\\n")}`
        : `#${b!.n} extends #${a!.n} without changing it (only appends)`,
    );
    if (changed.length > 0) lines.push(`changed: ${changed.join(", ")}`);
    if (added.length > 0) lines.push(`added: ${added.length} block(s), ${added.slice(0, 6).join(", ")}${added.length > 6 ? ", …" : ""}`);
    if (removed.length > 0) lines.push(`removed: ${removed.join(", ")}`);
    return void process.stdout.write(lines.join("\n") + "\n");
  }
  if (flags.request) {
    const r = pick(run, requests, requestNumber(flags.request, "--request"), runtime);
    const { body: _body, headers: _headers, ...meta } = r;
    if (flags.json) return void process.stdout.write(renderJson({ runtime, ...meta }));
    let prefix = 0;
    const rows = r.blocks.map((b, i) => ({
      ...b,
      i,
      prefix: (prefix += b.tokens),
      state: i <= r.readThrough ? "read" : i <= r.cachedThrough ? "written" : "uncached",
    }));
    const head = `${runtime} request #${r.n} · ${r.kind} · ${r.model}${r.conversation ? ` · conversation ${r.conversation}` : ""}${r.turn !== null ? ` · turn ${r.turn + 1}` : ""} · status ${r.status}${r.usage ? ` · read ${fmtTokens(r.usage.cacheRead)}, write ${fmtTokens(r.usage.cacheWrite5m + r.usage.cacheWrite1h)}, uncached ${fmtTokens(r.usage.input)} (estimated)` : ""}`;
    const breakLine = r.break
      ? `\nbreak: ${r.break.block ?? "–"} ${r.break.cause}${r.break.detail ? ` (${r.break.detail})` : ""}, ${fmtTokens(r.break.lostTokens)} tokens not read${r.break.excerpt ? `\n  ${r.break.excerpt.replace(/\n/g, "\\n")}` : ""}`
      : "";
    const table = await renderTable(rows, [
      { header: "#", value: (x) => x.i, align: "right" },
      { header: "Block", value: (x) => x.id },
      { header: "Tokens", value: (x) => x.tokens, format: (v) => fmtTokens(v as number), align: "right" },
      { header: "Prefix", value: (x) => x.prefix, format: (v) => fmtTokens(v as number), align: "right" },
      { header: "Marker", value: (x) => x.marker ?? "" },
      { header: "Cache", value: (x) => x.state },
    ]);
    return void process.stdout.write(`${head}${breakLine}\n${table}\n`);
  }
  const pricing = await userPricing(flags.pricing);
  const report = reportOf(run, pricing);
  process.stdout.write(flags.json ? renderJson(report) : await renderLabText(report));
  if (flags.html) writeReportFile(flags.html, renderLabHtml({ report, color: runtimeColor }));
}
