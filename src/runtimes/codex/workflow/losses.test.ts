/**
 * What a port to or from Codex says in its loss report for what Codex cannot say: a command's arguments
 * (a command becomes a skill, which takes none), the hook fields one side has and the other does not, and agent roles' own keys. Real
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
  it("ports a command as a skill in a project, its arguments said in words, a same-named skill kept", async () => {
    const r = await dryPort(
      {
        ".claude/commands/fix.md": "---\ndescription: Fix an issue\nargument-hint: <issue>\n---\nFix #$0, then $ARGUMENTS[10].\n",
        ".claude/commands/git/sync.md": "Sync.\n",
        ".claude/commands/pdf.md": "---\ndescription: A command\n---\nCommand text.\n",
        ".claude/skills/pdf/SKILL.md": "---\nname: pdf\ndescription: The skill\n---\nSkill text.\n",
      },
      "claude",
      "codex",
      "project",
    );
    const after = "after `$fix` in the person's message";
    expect(r.after(".codex/skills/fix/SKILL.md")).toBe(
      `---\nname: fix\ndescription: Fix an issue\n---\n\nFix #(the first word ${after}), then (the word number 11 ${after}).\n`,
    );
    expect(r.after(".codex/skills/git-sync/SKILL.md")).toBe("---\nname: git-sync\ndescription: The git/sync command\n---\n\nSync.\n");
    expect(r.after(".codex/skills/pdf/SKILL.md")).toContain("Skill text.");
    expect(r.after(".codex/prompts/fix.md")).toBeUndefined();
    const commands = r.losses.filter((l) => l.asset.startsWith("commands/")).map((l) => [l.asset, l.field, l.level, l.reason]);
    const noArguments =
      "Codex passes no arguments to a skill (invoked as `$fix args`): its argument placeholders became words telling the model where to find them";
    const missing = 'Codex skips a skill without a description: it is "The git/sync command"';
    const taken = "a skill named pdf already exists: it is kept and this command is not ported";
    expect(commands).toEqual(
      expect.arrayContaining([
        ["commands/fix", "template", "lossy", noArguments],
        ["commands/fix", "argumentHint", "unsupported", "a Codex skill takes no arguments"],
        ["commands/fix", "name", "lossy", expect.stringContaining("Codex 0.169 has no custom prompts")],
        ["commands/git/sync", "description", "lossy", missing],
        ["commands/pdf", "name", "unsupported", taken],
      ]),
    );
  });

  it("keeps a skill on disk that quartet did not write, and reads old ~/.codex/prompts back as commands", async () => {
    const r = await dryPort(
      {
        ".config/opencode/commands/lint.md": "Lint $1.\n",
        ".codex/skills/lint/SKILL.md": "---\nname: lint\ndescription: Mine\n---\nMine.\n",
      },
      "opencode",
      "codex",
    );
    expect(r.after(".codex/skills/lint/SKILL.md")).toBeUndefined();
    expect(r.losses).toContainEqual(expect.objectContaining({ asset: "commands/lint", field: "name", level: "unsupported" }));
    const back = await dryPort({ ".codex/prompts/old.md": "---\ndescription: Old\n---\nOld $1.\n" }, "codex", "claude");
    expect(back.after(".claude/commands/old.md")).toBe("---\ndescription: Old\n---\n\nOld $0.\n");
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
