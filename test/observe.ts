/** Test helper: every observation a runtime's JSON-lines parser makes of a file, with the warnings. */
import fs from "node:fs";
import { readJsonl } from "../src/ledger/jsonl.js";
import { WarningCollector } from "../src/ledger/warnings.js";
import type { Warning } from "../src/core/errors.js";
import type { JsonlParser, Observation } from "../src/contract/log-records.js";

export function observe(file: string, parser: JsonlParser<unknown>): { observations: Observation[]; warnings: Warning[] } {
  const observations: Observation[] = [];
  const warnings = new WarningCollector(file);
  const fd = fs.openSync(file, "r");
  try {
    readJsonl({
      file,
      fd,
      offset: 0,
      line: 0,
      end: fs.fstatSync(fd).size,
      parser,
      state: parser.initialState(file),
      emit: (o) => observations.push(o),
      warnings,
    });
  } finally {
    fs.closeSync(fd);
  }
  return { observations, warnings: warnings.list() };
}

/** All files under a folder whose name ends with `suffix`. */
export function filesUnder(dir: string, suffix: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => `${dir}/${f}`);
}
