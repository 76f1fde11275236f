/**
 * Writing a report the user asked for (`--html FILE`): atomically, readable by the user alone (it names
 * projects, sessions and prompts), and said on stderr with its full path and size, so that stdout keeps
 * only the command's own output (the lab's table or JSON).
 */
import path from "node:path";
import { fmtBytes } from "../core/bytes.js";
import { writeFileAtomic } from "../core/files.js";
import { terminalSafe } from "../core/output.js";

export function writeReportFile(file: string, content: string): void {
  const target = path.resolve(file);
  writeFileAtomic(target, content, { private: true });
  process.stderr.write(`wrote ${terminalSafe(target)} (${fmtBytes(Buffer.byteLength(content))})\n`);
}
