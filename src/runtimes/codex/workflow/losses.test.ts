/**
 * What a port to or from Codex says in its loss report for what Codex cannot say: a tenth argument in a
 * custom prompt, the hook fields one side has and the other does not, and agent roles' own keys. Real
 * readers and writers, a dry run.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../../../test/helpers.js";
import { ASSET_KINDS, type Scope, type WorkflowRuntime } from "../../../contract/workflow/ir.js";
import { port } from "../../../workflow/port.js";
import { portSettings } from "../../../workflow/settings.js";
import { RUNTIMES } from "../../registry.js";

/** `files` in a fresh home folder, ported `from` → `to` at user scope: the loss report and the planned files. */
async function dryPort(files: Record<string, string>, from: WorkflowRuntime, to: WorkflowRuntime, scope: Scope = "user") {
  const home = tempDir("quartet-codex-losses-");
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(home, file)), { recursive: true });
    fs.writeFileSync(path.join(home, file), text);
  }
  const r = await port({
    root: home,
    scope,
    home,
    configHome: path.join(home, ".config"),
    dataDir: tempDir(),
    runtimes: [...RUNTIMES.values()],
    from,
    to,
    only: ASSET_KINDS,
    settings: portSettings({ config: {} }),
    force: false,
    dryRun: true,
  });
  const after = (file: string) => r.plan.files.find((f) => f.file === path.join(home, file))?.after.toString();
  return {
    losses: r.losses.map((l) => ({ asset: `${l.asset.kind}/${l.asset.name}`, field: l.field, level: l.level, reason: l.reason })),
    diagnostics: r.diagnostics,
    after,
  };
}

describe("the loss report of a port to or from Codex", () => {
  it("says a template's tenth argument and beyond cannot be said in a Codex prompt, from Claude Code and from OpenCode", async () => {
    const claude = await dryPort(
      { ".claude/commands/many.md": "---\ndescription: Many\n---\nFirst $0, tenth $9, eleventh $ARGUMENTS[10].\n" },
      "claude",
      "codex",
    );
    expect(claude.after(".codex/prompts/many.md")).toContain("First $1, tenth $10, eleventh $11.");
    expect(claude.losses.filter((l) => l.asset === "commands/many" && l.level === "unsupported")).toEqual([
      {
        asset: "commands/many",
        field: "template",
        level: "unsupported",
        reason: "argument 10 ($10): Codex has only $1…$9 and would read $10 as $1 followed by 0; not portable",
      },
      {
        asset: "commands/many",
        field: "template",
        level: "unsupported",
        reason: "argument 11 ($11): Codex has only $1…$9 and would read $11 as $1 followed by 1; not portable",
      },
    ]);

    const opencode = await dryPort(
      { ".config/opencode/commands/many.md": "---\ndescription: Many\n---\nNinth $9, tenth $10.\n" },
      "opencode",
      "codex",
    );
    expect(opencode.losses).toContainEqual({
      asset: "commands/many",
      field: "template",
      level: "unsupported",
      reason: "argument 10 ($10): Codex has only $1…$9 and would read $10 as $1 followed by 0; not portable",
    });
    // Nine arguments are fine.
    const nine = await dryPort({ ".claude/commands/nine.md": "Last $8.\n" }, "claude", "codex");
    expect(nine.losses.filter((l) => l.level === "unsupported")).toEqual([]);
  });

  it("Codex → Claude Code: statusMessage and async come across, Codex's own hook fields are reported", async () => {
    const toml = [
      "[[hooks.SessionStart]]",
      "[[hooks.SessionStart.hooks]]",
      'type = "command"',
      'command = "echo hi"',
      'statusMessage = "Starting"',
      "async = true",
      "additionalContextLimit = 100",
      'commandWindows = "echo hi-win"',
      "",
    ].join("\n");
    const r = await dryPort({ ".codex/config.toml": toml }, "codex", "claude");
    expect(JSON.parse(r.after(".claude/settings.json")!)).toEqual({
      hooks: { SessionStart: [{ hooks: [{ type: "command", command: "echo hi", statusMessage: "Starting", async: true }] }] },
    });
    expect(r.losses.filter((l) => l.asset === "hooks/hooks")).toEqual([
      {
        asset: "hooks/hooks",
        field: "extras.codex.additionalContextLimit",
        level: "unsupported",
        reason: 'Codex\'s hook field "additionalContextLimit" has no Claude Code equivalent',
      },
      {
        asset: "hooks/hooks",
        field: "extras.codex.commandWindows",
        level: "unsupported",
        reason: 'Codex\'s hook field "commandWindows" has no Claude Code equivalent',
      },
    ]);
  });

  it("Claude Code → Codex: statusMessage and async come across, Claude Code's own hook fields are reported", async () => {
    const settings = {
      hooks: {
        Stop: [{ hooks: [{ type: "command", command: "./done.sh", statusMessage: "Wrapping up", async: true, once: true }] }],
      },
    };
    const r = await dryPort({ ".claude/settings.json": JSON.stringify(settings) }, "claude", "codex");
    const toml = r.after(".codex/config.toml")!;
    expect(toml).toContain('statusMessage = "Wrapping up"');
    expect(toml).toContain("async = true");
    expect(toml).not.toContain("once");
    expect(r.losses).toContainEqual({
      asset: "hooks/hooks",
      field: "extras.claude.once",
      level: "unsupported",
      reason: 'Stop: hook field "once" has no Codex equivalent',
    });
  });

  it("Codex → OpenCode: the plugin reports the fields it cannot keep", async () => {
    const toml =
      '[[hooks.Stop]]\n[[hooks.Stop.hooks]]\ntype = "command"\ncommand = "./done.sh"\nstatusMessage = "Bye"\nasync = true\nadditionalContextLimit = 5\n';
    const r = await dryPort({ ".codex/config.toml": toml }, "codex", "opencode");
    expect(r.losses.filter((l) => l.asset === "hooks/hooks").map((l) => [l.field, l.level])).toEqual(
      expect.arrayContaining([
        ["extras.codex.additionalContextLimit", "unsupported"],
        ["statusMessage", "unsupported"],
        ["async", "lossy"],
      ]),
    );
  });

  it("Codex agent roles → Claude Code agents: role files and [agents.<name>] tables, Codex's own keys reported", async () => {
    const r = await dryPort(
      {
        ".codex/agents/tester.toml":
          'name = "tester"\ndescription = "Runs the tests"\nmodel = "gpt-5.5"\nmodel_reasoning_effort = "low"\ndeveloper_instructions = "Run npm test."\n',
        ".codex/agents/nameless.toml": 'description = "No name"\n',
        ".codex/config.toml":
          '[agents]\nmax_threads = 4\n\n[agents.reviewer]\ndescription = "Reviews"\nconfig_file = "roles/reviewer.toml"\nnickname_candidates = ["Ada"]\n\n[agents.silent]\nconfig_file = "roles/reviewer.toml"\n',
        ".codex/roles/reviewer.toml": 'developer_instructions = "Review the diff."\n',
      },
      "codex",
      "claude",
    );
    expect(r.after(".claude/agents/tester.md")).toBe("---\nname: tester\ndescription: Runs the tests\n---\n\nRun npm test.\n");
    expect(r.after(".claude/agents/reviewer.md")).toBe("---\nname: reviewer\ndescription: Reviews\n---\n\nReview the diff.\n");
    expect(r.after(".claude/agents/silent.md")).toBeUndefined();
    expect(r.losses.filter((l) => l.asset.startsWith("agents/")).map((l) => [l.asset, l.field, l.level])).toEqual([
      ["agents/tester", "model", "unsupported"],
      ["agents/tester", "extras.codex.model_reasoning_effort", "unsupported"],
      ["agents/reviewer", "extras.codex.nickname_candidates", "unsupported"],
    ]);
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => [d.file, d.field, d.message])).toEqual([
      [".codex/agents/nameless.toml", "name", "an agent role file must define a non-empty `name`; not ported"],
      [".codex/config.toml", "description", 'agent role "silent" must define a description (Codex refuses it without one); not ported'],
    ]);
  });
});
