/** Test helpers for `quartet port`: copies of the fixture workflows and running the CLI on them. */
import fs from "node:fs";
import path from "node:path";
import { FIXTURES, runCli, tempDir, type CliResult } from "./helpers.js";

/** A fresh copy of a fixture workflow (test/fixtures/workflow/<name>) in a temp folder. */
export function workflowFixture(name: "claude" | "opencode", scope?: "file"): string {
  const dir = tempDir(`quartet-port-${name}-`, scope);
  fs.cpSync(path.join(FIXTURES, "workflow", name), dir, { recursive: true });
  return dir;
}

export interface PortJson {
  written: boolean;
  conflicts: number;
  actions: { action: string; target: string; asset: string }[];
  files: { file: string; before: string | null; after: string }[];
  losses: { asset: string; field: string; level: string; reason: string }[];
  diagnostics: { severity: string; file: string; line?: number; field?: string; message: string }[];
}

export async function portCli(
  dir: string,
  args: readonly string[],
  dataDir = tempDir("quartet-data-"),
): Promise<CliResult & { json?: PortJson }> {
  const r = await runCli(["port", ...args, "--dir", dir], { dataDir });
  let json: PortJson | undefined;
  if (args.includes("--json")) {
    try {
      json = JSON.parse(r.stdout) as PortJson;
    } catch {
      throw new Error(`port printed no JSON (exit ${r.code}): ${r.stderr}`);
    }
  }
  return { ...r, ...(json ? { json } : {}) };
}

/** The loss report as stable text, for a reviewed snapshot: one line per loss, the project path masked. */
export function lossReportText(json: PortJson, dir: string): string {
  const mask = (s: string) => s.split(dir).join("<project>").split(path.dirname(dir)).join("<project>/..");
  return `${json.losses.map((l) => mask(`${l.asset} | ${l.field} | ${l.level} | ${l.reason}`)).join("\n")}\n`;
}
