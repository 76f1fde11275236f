import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { InputError } from "../core/errors.js";
import { builtInScenarios, durationMs, loadScenario, parseScenario } from "./scenario.js";

describe("scenarios", () => {
  it("ships the built-ins: the 6-turn task, its pause and instructions variants, and a long-lived one", () => {
    const all = builtInScenarios();
    expect(all.map((s) => s.name)).toEqual([
      "explore-edit-test-instructions",
      "explore-edit-test-long-lived",
      "explore-edit-test-pause",
      "explore-edit-test",
    ]);
    const main = loadScenario("explore-edit-test").scenario;
    expect(main.steps.filter((s) => "prompt" in s)).toHaveLength(6);
    expect(loadScenario("explore-edit-test-pause").scenario.steps.some((s) => "pause" in s && durationMs(s.pause) > 5 * 60_000)).toBe(true);
    expect(loadScenario("explore-edit-test-instructions").scenario.steps.some((s) => "instructions" in s)).toBe(true);
    expect(loadScenario("explore-edit-test-long-lived").scenario.delivery).toBe("long-lived");
  });

  it("reads durations", () => {
    expect([durationMs("30s"), durationMs("6m"), durationMs("1.5h")]).toEqual([30_000, 360_000, 5_400_000]);
  });

  it("names the file, line and field of an invalid step", () => {
    const text = [
      "name: broken",
      "description: a broken scenario",
      "steps:",
      "  - prompt: hi",
      "    actions:",
      "      - read: a.txt",
      "      - teleport: somewhere",
      "",
    ].join("\n");
    const error = (() => {
      try {
        parseScenario(text, "broken.yaml");
      } catch (e) {
        return e;
      }
    })();
    expect(InputError.isInstance(error)).toBe(true);
    expect((error as InstanceType<typeof InputError>).data).toMatchObject({ file: "broken.yaml", line: 7, field: "steps.0.actions.1" });
    expect((error as Error).message).toMatch(/unknown action "teleport" \(one of read, grep, glob, bash, edit, write, say\)/);
  });

  it("names the line of broken YAML and of a wrong value", () => {
    expect(() => parseScenario("name: x\nsteps: [\n  - prompt: a\n", "x.yaml")).toThrowError(/invalid YAML/);
    expect(() => parseScenario("name: x\ndescription: d\nsteps:\n  - pause: soon\n", "x.yaml")).toThrowError(
      expect.objectContaining({
        data: expect.objectContaining({ line: 4, field: "steps.0.pause", message: "steps.0.pause: a duration such as 30s, 6m or 1h" }),
      }),
    );
  });

  it("loads a scenario file, and says which built-ins exist when a name is unknown", () => {
    const file = path.join(tempDir(), "mine.yaml");
    fs.writeFileSync(file, "name: mine\ndescription: mine\nsteps:\n  - prompt: hello\n");
    expect(loadScenario(file).scenario).toMatchObject({ name: "mine", model: "claude-sonnet-4-5", delivery: "per-turn" });
    expect(() => loadScenario("nope")).toThrowError(/built-ins: explore-edit-test/);
  });
});
