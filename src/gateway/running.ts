/**
 * Where a running gateway says it is listening, so `quartet run --gateway`, the board's tasks and
 * `quartet gateway env` can point a runtime at it without the user copying a port around.
 *
 * One file, `gateway.json` in quartet's data folder (0600), written atomically when the gateway is listening
 * and removed when it stops. A gateway killed with SIGKILL leaves the file behind: a reader checks that the
 * process is still alive, so a stale file reads as "no gateway running". Its pid may since have gone to another
 * process: the file also keeps the process's start time (Linux's /proc/<pid>/stat), and a process with that pid
 * but another start time is not the gateway. (Where /proc is missing, the pid alone is checked.)
 */
import fs from "node:fs";
import path from "node:path";
import { privateDir, writeFileAtomic } from "../core/files.js";
import { processAlive } from "../core/process.js";

export interface RunningGateway {
  pid: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  startedAt: number;
  /** The process's start time as the system keeps it, when it can be read: tells the gateway from a pid's reuse. */
  processStart?: string;
}

export function runningGatewayFile(dataDir: string): string {
  return path.join(dataDir, "gateway.json");
}

export function announceGateway(dataDir: string, gateway: RunningGateway): void {
  privateDir(dataDir);
  const processStart = processStartTime(gateway.pid);
  const record: RunningGateway = processStart === undefined ? gateway : { ...gateway, processStart };
  writeFileAtomic(runningGatewayFile(dataDir), JSON.stringify(record, null, 2) + "\n", { private: true });
}

/** Removes the file, but only if it is still this process's (another gateway may have started since). */
export function withdrawGateway(dataDir: string, pid: number = process.pid): void {
  const current = readGatewayFile(dataDir);
  if (current?.pid === pid) fs.rmSync(runningGatewayFile(dataDir), { force: true });
}

function readGatewayFile(dataDir: string): RunningGateway | undefined {
  let text: string;
  try {
    text = fs.readFileSync(runningGatewayFile(dataDir), "utf8");
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<RunningGateway>;
    if (typeof value.pid !== "number" || typeof value.url !== "string" || typeof value.port !== "number") return undefined;
    const found: RunningGateway = { pid: value.pid, url: value.url, port: value.port, startedAt: Number(value.startedAt) || 0 };
    if (typeof value.processStart === "string") found.processStart = value.processStart;
    return found;
  } catch {
    return undefined;
  }
}

/** The gateway running on this machine for this data folder, or undefined when none is (or its process died). */
export function runningGateway(dataDir: string): RunningGateway | undefined {
  const found = readGatewayFile(dataDir);
  if (!found || !processAlive(found.pid)) return undefined;
  if (found.processStart !== undefined && processStartTime(found.pid) !== found.processStart) return undefined;
  return found;
}

/** When process `pid` started (clock ticks since boot, field 22 of /proc/<pid>/stat), or undefined where unknown. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ")": the fields after its last ")" count from 3.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}
