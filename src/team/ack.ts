/**
 * The local mirror of what each server acknowledged: `sync-state.json` in quartet's data folder (0600),
 * written after each committed batch. It is only for `quartet sync --status` (which answers without the
 * network); a push always starts from the cursor the server holds.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../core/files.js";

const Ack = z.object({
  machineId: z.string(),
  /** The pushBasis the sequence number counts in. */
  basis: z.string(),
  seq: z.number(),
  /** ISO time of the commit. */
  at: z.string(),
});
export type Ack = z.infer<typeof Ack>;

const AckFile = z.object({ servers: z.record(z.string(), Ack) });

export function ackFile(dataDir: string): string {
  return path.join(dataDir, "sync-state.json");
}

/** Every server's last acknowledgement, by server URL (shown form: no password). */
export function readAcks(dataDir: string): Record<string, Ack> {
  let text: string;
  try {
    text = fs.readFileSync(ackFile(dataDir), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw e;
  }
  // A damaged mirror costs only the status line's figures until the next push rewrites it.
  const parsed = AckFile.safeParse(safeJson(text));
  return parsed.success ? parsed.data.servers : {};
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Records a server's acknowledgement (a push that starts over moves it back, as the server's cursor did). */
export function writeAck(dataDir: string, server: string, ack: Ack): void {
  const servers = readAcks(dataDir);
  servers[server] = ack;
  writeFileAtomic(ackFile(dataDir), JSON.stringify({ servers }, null, 2) + "\n", { private: true });
}
