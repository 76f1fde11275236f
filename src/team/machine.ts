/**
 * This install's machine id: a random UUID made once, in quartet's data folder (`machine-id`, mode 0600),
 * attached to every record the machine pushes so the team ledger can say where a request was made. It is
 * random rather than derived from the host, so it tells nothing about the machine beyond being the same one.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { InputError } from "../core/errors.js";
import { privateDir } from "../core/files.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function machineIdFile(dataDir: string): string {
  return path.join(dataDir, "machine-id");
}

/** The machine id, or undefined when this install has none yet. */
export function readMachineId(dataDir: string): string | undefined {
  const file = machineIdFile(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  if (!UUID.test(text)) throw new InputError({ message: "machine-id: expected a UUID; delete the file to make a new id", file, line: 1 });
  return text;
}

/**
 * The machine id, made on first use. Two processes making it at once agree: each writes a candidate and
 * links it into place, which only one can do; the other reads the winner's.
 */
export function machineId(dataDir: string): string {
  const existing = readMachineId(dataDir);
  if (existing) return existing;
  privateDir(dataDir);
  const file = machineIdFile(dataDir);
  const candidate = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(candidate, `${crypto.randomUUID()}\n`, { mode: 0o600 });
  try {
    fs.linkSync(candidate, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    fs.rmSync(candidate, { force: true });
  }
  return readMachineId(dataDir)!;
}
