import { describe, expect, it } from "vitest";
import { CAUSES } from "../prefix/classify.js";
import { PROMPT_SECTIONS } from "../prefix/sections.js";
import { adviseBreak } from "./break-advice.js";

describe("advice for a cache break", () => {
  it("has a reason, a text and a distinct hint for every cause and every named section", () => {
    const all = [
      ...CAUSES.map((cause) => adviseBreak({ cause })),
      ...PROMPT_SECTIONS.map((s) => adviseBreak({ cause: "system-changed", sections: [s] })),
    ];
    for (const a of all) {
      expect(a.text.length, a.reason).toBeGreaterThan(5);
      expect(a.hint.length, a.reason).toBeGreaterThan(40);
    }
    expect(new Set(all.map((a) => a.reason)).size).toBe(CAUSES.length + PROMPT_SECTIONS.length);
    expect(new Set(all.map((a) => a.hint)).size).toBe(all.length);
  });

  it("names a system change after the section the user acts on, and mentions the others", () => {
    expect(adviseBreak({ cause: "system-changed", sections: ["date", "git-status"] })).toMatchObject({
      reason: "git-status-changed",
      text: "`git status` section of the system prompt changed (also changed: date)",
    });
    expect(adviseBreak({ cause: "system-changed", detail: "path", sections: ["git-status", "instructions"] }).reason).toBe(
      "instructions-changed",
    );
  });

  it("keeps the classifier's facts, and its note that the cache had also expired", () => {
    expect(adviseBreak({ cause: "system-changed", detail: "date/time; cache also expired (1h)", sections: ["date"] }).text).toBe(
      "today's date in the system context changed (cache also expired (1h))",
    );
    expect(adviseBreak({ cause: "system-changed", detail: "path" }).text).toBe("system prompt changed (path)");
    expect(adviseBreak({ cause: "tool-description-changed", detail: "Bash; cache also expired (5m)" }).text).toBe(
      "description of the Bash tool changed (cache also expired (5m))",
    );
    expect(adviseBreak({ cause: "model-changed", detail: "claude-sonnet-4-5 → claude-haiku-4-5" }).text).toBe(
      "model changed (the cache is per model) (claude-sonnet-4-5 → claude-haiku-4-5)",
    );
  });
});
