/**
 * Reading usage from OpenCode's legacy JSON storage (before 1.2): `storage/session/<project>/<id>.json`,
 * `storage/message/<session>/<id>.json` and `storage/part/<message>/<id>.json`.
 *
 * Installs that migrated to SQLite may keep these files; records share their keys with the database
 * reader (`prt:<id>`, `msg:<id>`), so the two never double count. Legacy storage is no longer written,
 * so it is read whole whenever its fingerprint (folder count and newest folder time) changes.
 */
import fs from "node:fs";
import path from "node:path";
import type { StoreReadContext } from "../../contract/log-records.js";
import { listDir } from "./legacy-files.js";
import { AssistantMessage, messageObservation, StepFinish, stepObservation, type SessionInfo } from "./usage.js";

function readJson(file: string, ctx: StoreReadContext<unknown>): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    ctx.warn({ code: "unreadable-file", message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file });
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    ctx.warn({ code: "malformed-json", message: `not valid JSON: ${(e as Error).message}`, file });
    return undefined;
  }
}

export function readLegacy(storage: string, ctx: StoreReadContext<unknown>): null {
  const sessions = new Map<string, SessionInfo>();
  for (const project of listDir(path.join(storage, "session"))) {
    for (const name of listDir(path.join(storage, "session", project))) {
      if (!name.endsWith(".json")) continue;
      const s = readJson(path.join(storage, "session", project, name), ctx) as
        { id?: string; parentID?: string; directory?: string; version?: string } | undefined;
      if (s?.id) sessions.set(s.id, { parentId: s.parentID ?? null, directory: s.directory ?? null, version: s.version ?? null });
    }
  }
  for (const sessionId of listDir(path.join(storage, "message"))) {
    const dir = path.join(storage, "message", sessionId);
    for (const name of listDir(dir)) {
      if (!name.endsWith(".json")) continue;
      const file = path.join(dir, name);
      const value = readJson(file, ctx) as { role?: unknown; id?: string } | undefined;
      if (!value || value.role !== "assistant") continue;
      const parsed = AssistantMessage.safeParse(value);
      if (!parsed.success) {
        ctx.warn({
          code: "invalid-record",
          message: `field ${parsed.error.issues[0]!.path.join(".")}: ${parsed.error.issues[0]!.message}`,
          file,
        });
        continue;
      }
      const message = parsed.data;
      const messageId = value.id ?? name.slice(0, -".json".length);
      const ts = message.time?.created ?? 0;
      let steps = 0;
      const partDir = path.join(storage, "part", messageId);
      for (const partName of listDir(partDir)) {
        if (!partName.endsWith(".json")) continue;
        const partFile = path.join(partDir, partName);
        const part = readJson(partFile, ctx) as { type?: unknown; id?: string } | undefined;
        if (part?.type !== "step-finish") continue;
        const step = StepFinish.safeParse(part);
        if (!step.success) {
          ctx.warn({
            code: "invalid-record",
            message: `field ${step.error.issues[0]!.path.join(".")}: ${step.error.issues[0]!.message}`,
            file: partFile,
          });
          continue;
        }
        steps++;
        const partId = part.id ?? partName.slice(0, -".json".length);
        ctx.emit(stepObservation({ sessionId, messageId, partId, message, sessions, ts, step: step.data, ref: partFile }));
      }
      if (steps === 0) ctx.emit(messageObservation({ sessionId, messageId, message, sessions, ts, ref: file }));
    }
  }
  return null;
}
