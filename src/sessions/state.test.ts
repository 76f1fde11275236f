import fs from "node:fs";
import { describe, expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { nameFromPrompt } from "./sessions.js";
import { appendEvent, eventsFile, foldEvents, readEvents, type Observed, type StateEvent } from "./state.js";

const start: Observed = { state: "working", since: 0, source: "quartet", detail: "prompt delivered at start", runtimeSessionId: null };
const ev = (t: number, e: string, state: StateEvent["state"], extra: Partial<StateEvent> = {}): StateEvent => ({
  t,
  src: "hook",
  ev: e,
  state,
  ...extra,
});

describe("foldEvents", () => {
  test("follows a turn: working, needs-input, working, idle; since moves only on a change", () => {
    const o = foldEvents(start, [
      ev(1, "SessionStart", ""),
      ev(2, "UserPromptSubmit", "working"),
      ev(3, "PreToolUse", "working"),
      ev(4, "PermissionRequest", "needs-input", { detail: "Bash" }),
      ev(5, "Notification", "needs-input", { detail: "permission_prompt" }),
      ev(6, "PostToolUse", "working"),
      ev(7, "Stop", "idle"),
    ]);
    expect(o).toEqual({ state: "idle", since: 7, source: "hook", detail: null, runtimeSessionId: null });
    const asked = foldEvents(start, [ev(2, "UserPromptSubmit", "working"), ev(4, "PermissionRequest", "needs-input", { detail: "Bash" })]);
    expect(asked).toMatchObject({ state: "needs-input", since: 4, detail: "Bash" });
    // A runtime event replaces quartet's assumption even when the state is the same.
    expect(foldEvents(start, [ev(2, "UserPromptSubmit", "working")])).toMatchObject({ state: "working", since: 0, source: "hook" });
  });

  test("takes the runtime's session id from any event that carries one", () => {
    const o = foldEvents(start, [
      ev(1, "session.created", "", { src: "plugin", sid: "ses_1" }),
      ev(2, "session.status", "idle", { src: "plugin" }),
    ]);
    expect(o).toMatchObject({ state: "idle", source: "plugin", runtimeSessionId: "ses_1" });
  });

  test("a process known to have ended is not revived by a late hook", () => {
    const ended: Observed = { state: "exited", since: 5, source: "process", detail: "exit status 1", runtimeSessionId: "x" };
    expect(foldEvents(ended, [ev(6, "Stop", "idle")])).toEqual(ended);
  });
});

describe("readEvents", () => {
  test("reads complete lines from an offset, leaves a partial line, and counts malformed ones", () => {
    const dir = tempDir();
    appendEvent(dir, ev(1, "UserPromptSubmit", "working"));
    fs.appendFileSync(eventsFile(dir), "not json\n");
    const first = readEvents(dir, 0);
    expect(first.events.map((e) => e.ev)).toEqual(["UserPromptSubmit"]);
    expect(first.malformed).toBe(1);
    fs.appendFileSync(eventsFile(dir), JSON.stringify(ev(2, "Stop", "idle")) + "\n" + '{"t":3,"src":"hook","ev":"Pre');
    const second = readEvents(dir, first.offset);
    expect(second.events.map((e) => e.ev)).toEqual(["Stop"]);
    fs.appendFileSync(eventsFile(dir), 'ToolUse","state":"working"}\n');
    expect(readEvents(dir, second.offset).events.map((e) => e.ev)).toEqual(["PreToolUse"]);
    // A file recreated shorter than the offset is read from its start.
    fs.writeFileSync(eventsFile(dir), JSON.stringify(ev(9, "Stop", "idle")) + "\n");
    expect(readEvents(dir, 10_000).events.map((e) => e.t)).toEqual([9]);
    expect(readEvents(tempDir(), 0)).toEqual({ events: [], offset: 0, malformed: 0 });
  });
});

test("nameFromPrompt makes a short unique slug", () => {
  const taken = new Set(["fix-the-login-bug"]);
  expect(nameFromPrompt("Fix the login bug!", (n) => taken.has(n))).toBe("fix-the-login-bug-2");
  expect(nameFromPrompt("Fix the login bug in src/auth.ts, please", () => false)).toBe("fix-the-login-bug-in-src");
  expect(nameFromPrompt("Refactor", () => false)).toBe("refactor");
  expect(nameFromPrompt("¿¡!", () => false)).toBe("session");
  expect(nameFromPrompt(null, () => false)).toBe("session");
  expect(nameFromPrompt("a".repeat(60), () => false)).toHaveLength(24);
});
