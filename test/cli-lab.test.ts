/** The lab's commands that do not need a runtime: scenarios, errors, `lab serve` and `lab show`. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runCli, tempDir } from "./helpers.js";

describe("quartet lab scenarios", () => {
  it("lists the built-in scenarios", async () => {
    const table = await runCli(["lab", "scenarios"]);
    expect(table.stdout).toMatch(/explore-edit-test[\s\S]*per-turn[\s\S]*6/);
    const json = JSON.parse((await runCli(["lab", "scenarios", "--json"])).stdout) as { name: string; delivery: string }[];
    expect(json.map((s) => s.name)).toContain("explore-edit-test-pause");
  });
});

describe("quartet lab run with bad input", () => {
  it("names the file and line of an invalid scenario", async () => {
    const file = path.join(tempDir(), "bad.yaml");
    fs.writeFileSync(file, "name: bad\ndescription: bad\nsteps:\n  - prompt: hi\n    actions:\n      - fly: away\n");
    const r = await runCli(["lab", "run", "--scenario", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:6: steps.0.actions.0: unknown action "fly"`);
  });

  it("stops with a clear message when git is missing", async () => {
    // A PATH holding only node: the lab needs git for its fixture repository.
    const bin = tempDir();
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    const r = await runCli(["lab", "run", "--clean", "--runtime", "opencode"], { env: { PATH: bin } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: git is not installed; the lab's fixture repository needs it");
  });

  it("rejects unknown runtimes and bad options with exit code 2", async () => {
    expect((await runCli(["lab", "run", "--runtime", "codex"])).stderr).toMatch(/cannot drive Codex CLI yet/);
    expect((await runCli(["lab", "run", "--delivery", "sometimes"])).code).toBe(2);
    expect((await runCli(["lab", "run", "--price-as", "mystery-model"])).stderr).toMatch(/no price for model "mystery-model"/);
  });
});

describe("quartet lab serve and show", () => {
  it("serves the scripted endpoint, records what it receives, and shows it afterwards", async () => {
    const dataDir = tempDir("quartet-serve-");
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "quartet.js"), "lab", "serve", "--workspace", "/work/repo"], {
      env: { PATH: process.env.PATH, HOME: tempDir(), QUARTET_HOME: dataDir, NO_COLOR: "1" },
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c) => {
        out += c;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on("exit", () => reject(new Error(`lab serve exited: ${out}`)));
    });
    const tools = [{ name: "Read", input_schema: { type: "object", properties: { file_path: { type: "string" } } } }];
    const res = await fetch(`${url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "anything" },
      body: JSON.stringify({
        model: "claude-sonnet-4-5",
        max_tokens: 50,
        tools,
        messages: [{ role: "user", content: "Where are todos stored, and how are they added?" }],
      }),
    });
    const json = (await res.json()) as { content: { type: string; input?: unknown }[]; usage: Record<string, number> };
    // The scenario's second turn starts with a grep, which this request offers no tool for: it reads instead.
    expect(json.content[0]).toMatchObject({ type: "tool_use", input: { file_path: "/work/repo/src/todos.js" } });
    expect(json.usage).toHaveProperty("cache_creation_input_tokens");
    child.kill("SIGINT");
    await new Promise((resolve) => child.on("exit", resolve));
    const shown = JSON.parse((await runCli(["lab", "show", "last", "--request", "1", "--json"], { dataDir })).stdout) as {
      n: number;
      kind: string;
      skippedActions: string[];
    };
    expect(shown).toMatchObject({ n: 1, kind: "main", skippedActions: ["grep"] });
    expect((await runCli(["lab", "show", "last", "--request", "9"], { dataDir })).stderr).toMatch(
      /made 1 requests in run .*; there is no request 9/,
    );
  });

  it("says when there is no run to show", async () => {
    const r = await runCli(["lab", "show"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no lab runs yet/);
  });
});
