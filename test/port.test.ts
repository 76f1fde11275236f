/**
 * `quartet port` on the realistic fixture workflows (test/fixtures/workflow/claude and …/opencode):
 * the plan, the reviewed loss reports, writing safely (merge, conflicts, --force, dry runs, the lock),
 * status and check, user scope, and bad input.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, runCli, snapshotTree, tempDir } from "./helpers.js";
import { lossReportText, portCli, workflowFixture } from "./port.js";

const SNAPSHOTS = path.join(FIXTURES, "workflow");

describe("quartet port claude opencode, on the fixture workflow", () => {
  it("plans every asset, writes them, and matches the reviewed loss report", async () => {
    const dir = workflowFixture("claude");
    const r = await portCli(dir, ["claude", "opencode", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const json = r.json!;
    expect(json.written).toBe(true);
    const assets = new Set(json.actions.map((a) => a.asset));
    for (const a of [
      "agents/code-reviewer",
      "agents/planner",
      "commands/git/commit",
      "commands/fix-issue",
      "mcp/github",
      "mcp/sentry",
      "permissions",
      "hooks",
      "instructions",
    ])
      expect(assets).toContain(a);
    expect(json.actions.every((a) => a.action === "create")).toBe(true);
    await expect(lossReportText(json, dir)).toMatchFileSnapshot(path.join(SNAPSHOTS, "claude-to-opencode.losses.txt"));
    const agent = fs.readFileSync(path.join(dir, ".opencode/agents/security-auditor.md"), "utf8");
    expect(agent).toContain("model: anthropic/claude-opus-4-8");
    // Only its tools, each still under the project's rules (its .env deny, acceptEdits asking before web fetches).
    expect(agent).toContain(
      [
        "permission:",
        '  "*": deny',
        "  read:",
        '    "*": allow',
        '    "*.env": ask',
        '    "*.env.*": ask',
        '    "*.env.example": allow',
        "    src/**: allow",
        "    .env: deny",
        "    ~/.ssh/**: deny",
        "  grep: allow",
        "  glob: allow",
        "  webfetch: ask",
        "  bash: deny",
      ].join("\n"),
    );
    expect(fs.readFileSync(path.join(dir, ".opencode/commands/fix-issue.md"), "utf8")).toContain("Fix issue #$1 (priority: $2)");
    const config = JSON.parse(fs.readFileSync(path.join(dir, "opencode.json"), "utf8"));
    expect(config.mcp.postgres.command).toEqual(["node", "tools/postgres-mcp.mjs", "{env:DATABASE_URL}"]);
    expect(config.mcp.sentry).toEqual({
      type: "remote",
      url: "https://mcp.sentry.dev/mcp",
      headers: { Authorization: "Bearer {env:SENTRY_TOKEN}" },
    });
    expect(config.instructions).toEqual(["docs/architecture.md", "docs/conventions.md", "CLAUDE.local.md", ".claude/rules/frontend.md"]);
  });

  it("prints a plan with diffs and a loss report, and writes nothing on --dry-run", async () => {
    const dir = workflowFixture("claude");
    const before = snapshotTree(dir);
    const r = await portCli(dir, ["claude", "opencode", "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/│ create +│ \.opencode\/agents\/code-reviewer\.md +│ agents\/code-reviewer/);
    expect(r.stdout).toContain("new file .opencode/agents/code-reviewer.md");
    expect(r.stdout).toContain("+model: anthropic/claude-sonnet-5");
    expect(r.stdout).toMatch(/Loss report \(\d+\):/);
    expect(r.stdout).toMatch(/warning: \.claude\/settings\.json:\d+: Claude Code never matches Write/);
    expect(r.stdout).toMatch(/Dry run: 2\d to create, 0 to update, 0 unchanged, 0 conflicts; nothing written\./);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it("is a no-op the second time, leaving the lock byte-identical", async () => {
    const dir = workflowFixture("claude");
    const data = tempDir();
    await portCli(dir, ["claude", "opencode"], data);
    const after = snapshotTree(dir);
    const again = await portCli(dir, ["claude", "opencode", "--json"], data);
    expect(again.json!.actions.every((a) => a.action === "unchanged")).toBe(true);
    expect(again.json!.written).toBe(false);
    expect(snapshotTree(dir)).toEqual(after);
  });

  it("updates what it wrote when the source changes, and calls an edited target a conflict", async () => {
    const dir = workflowFixture("claude");
    await portCli(dir, ["claude", "opencode"]);
    const source = path.join(dir, ".claude/agents/code-reviewer.md");
    fs.writeFileSync(source, fs.readFileSync(source, "utf8").replace("model: sonnet", "model: haiku"));
    const updated = await portCli(dir, ["claude", "opencode", "--json"]);
    expect(updated.json!.actions.find((a) => a.asset === "agents/code-reviewer")).toMatchObject({ action: "update" });
    expect(fs.readFileSync(path.join(dir, ".opencode/agents/code-reviewer.md"), "utf8")).toContain("anthropic/claude-haiku-4-5-20251001");

    const target = path.join(dir, ".opencode/agents/code-reviewer.md");
    fs.writeFileSync(target, fs.readFileSync(target, "utf8").replace("senior reviewer", "strict reviewer"));
    fs.writeFileSync(source, fs.readFileSync(source, "utf8").replace("model: haiku", "model: opus"));
    const before = snapshotTree(dir);
    const conflict = await portCli(dir, ["claude", "opencode"]);
    expect(conflict.code).toBe(1);
    expect(conflict.stdout).toMatch(/│ conflict +│ \.opencode\/agents\/code-reviewer\.md/);
    expect(conflict.stdout).toMatch(/-You are a strict reviewer/);
    expect(conflict.stdout).toContain("Nothing written: 1 target(s) differ");
    expect(snapshotTree(dir)).toEqual(before);

    const forced = await portCli(dir, ["claude", "opencode", "--force"]);
    expect(forced.code, forced.stdout).toBe(0);
    expect(fs.readFileSync(target, "utf8")).toContain("senior reviewer");
  });

  it("edits an existing opencode.jsonc in place, keeping its comments and other keys", async () => {
    const dir = workflowFixture("claude");
    const jsonc = '{\n  // our theme, not quartet\'s\n  "theme": "tokyonight",\n  /* shared */ "share": "disabled",\n}\n';
    fs.writeFileSync(path.join(dir, "opencode.jsonc"), jsonc);
    const r = await portCli(dir, ["claude", "opencode", "--only", "mcp,permissions"]);
    expect(r.code, r.stdout).toBe(0);
    const text = fs.readFileSync(path.join(dir, "opencode.jsonc"), "utf8");
    expect(text).toContain("// our theme, not quartet's");
    expect(text).toContain('/* shared */ "share": "disabled"');
    expect(text).toContain('"theme": "tokyonight"');
    expect(text).toMatch(/"mcp": \{\n {4}"github": \{/);
    expect(fs.existsSync(path.join(dir, "opencode.json"))).toBe(false);
    expect(fs.existsSync(path.join(dir, ".opencode/agents"))).toBe(false);
  });

  it("copies skills into .opencode/skills with --skills copy, fixing the name OpenCode needs", async () => {
    const dir = workflowFixture("claude");
    const r = await portCli(dir, ["claude", "opencode", "--only", "skills", "--skills", "copy", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, ".opencode/skills/api-design/SKILL.md"), "utf8")).toMatch(
      /^---\ndescription: .*\nname: api-design\n---/,
    );
    expect(fs.readFileSync(path.join(dir, ".opencode/skills/pdf-forms/scripts/fill.py"))).toEqual(
      fs.readFileSync(path.join(dir, ".claude/skills/pdf-forms/scripts/fill.py")),
    );
  });

  it("inlines CLAUDE.md imports into AGENTS.md with --imports inline", async () => {
    const dir = workflowFixture("claude");
    await portCli(dir, ["claude", "opencode", "--only", "instructions", "--imports", "inline"]);
    const agents = fs.readFileSync(path.join(dir, "AGENTS.md"), "utf8");
    expect(agents).toContain("Requests enter through `src/server/app.ts`");
    expect(agents).not.toContain("@docs/architecture.md");
    expect(JSON.parse(fs.readFileSync(path.join(dir, "opencode.json"), "utf8")).instructions).toEqual([
      "CLAUDE.local.md",
      ".claude/rules/frontend.md",
    ]);
  });
});

describe("credentials written out in full", () => {
  it("are copied where the user asked, flagged, and never printed", async () => {
    const dir = tempDir();
    const secret = "ghp_1234567890abcdefSECRET";
    fs.writeFileSync(
      path.join(dir, ".mcp.json"),
      JSON.stringify({ mcpServers: { github: { command: "gh-mcp", env: { GITHUB_TOKEN: secret } } } }),
    );
    const shown = await portCli(dir, ["claude", "opencode", "--dry-run"]);
    expect(shown.stdout).not.toContain(secret);
    expect(shown.stdout).toContain('"GITHUB_TOKEN": "[redacted]"');
    expect(shown.stdout).toMatch(/warning: \.mcp\.json: MCP server "github": GITHUB_TOKEN holds a literal credential/);
    const json = await portCli(dir, ["claude", "opencode", "--json"]);
    expect(json.stdout).not.toContain(secret);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "opencode.json"), "utf8")).mcp.github.environment.GITHUB_TOKEN).toBe(secret);
  });
});

describe("quartet port opencode claude, on the fixture workflow", () => {
  it("writes a Claude Code workflow and matches the reviewed loss report", async () => {
    const dir = workflowFixture("opencode");
    fs.writeFileSync(path.join(dir, ".claude-settings-sentinel"), "");
    fs.mkdirSync(path.join(dir, ".claude"));
    fs.writeFileSync(
      path.join(dir, ".claude/settings.json"),
      '{\n  "env": { "GOFLAGS": "-mod=mod" },\n  "statusLine": { "type": "command", "command": "echo hi" }\n}\n',
    );
    const r = await portCli(dir, ["opencode", "claude", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    await expect(lossReportText(r.json!, dir)).toMatchFileSnapshot(path.join(SNAPSHOTS, "opencode-to-claude.losses.txt"));
    expect(fs.readFileSync(path.join(dir, "CLAUDE.md"), "utf8")).toBe(
      "@AGENTS.md\n@docs/style.md\n@docs/rules/sql.md\n@docs/rules/testing.md\n",
    );
    const settings = JSON.parse(fs.readFileSync(path.join(dir, ".claude/settings.json"), "utf8"));
    expect(settings.env).toEqual({ GOFLAGS: "-mod=mod" });
    expect(settings.permissions.allow).toContain("Bash(go test*)");
    expect(settings.permissions.deny).toEqual(["Bash(rm *)", "Edit(*.env)"]);
    expect(settings.permissions.additionalDirectories).toEqual(["~/src/shared-go"]);
    expect(fs.readFileSync(path.join(dir, ".claude/commands/git/squash.md"), "utf8")).toContain(
      "Squash the last $0 commits into one with the message: $1",
    );
    const architect = fs.readFileSync(path.join(dir, ".claude/agents/team/architect.md"), "utf8");
    // Claude Code takes the name as it is: prompts that name team/architect still reach it.
    expect(architect).toMatch(/^---\nname: team\/architect\n/);
    expect(architect).not.toContain("model:");
    expect(r.json!.diagnostics).toContainEqual(
      expect.objectContaining({
        file: ".opencode/agents/team/architect.md",
        field: "model",
        message: expect.stringContaining("openai/gpt-5 has no Claude Code equivalent"),
      }),
    );
    const mcp = JSON.parse(fs.readFileSync(path.join(dir, ".mcp.json"), "utf8"));
    expect(mcp.mcpServers.notes).toEqual({ command: "node", args: ["tools/notes-mcp.mjs", "${HOME}/notes"], env: { LOG_LEVEL: "warn" } });
    expect(mcp.mcpServers.context7).toEqual({
      type: "http",
      url: "https://mcp.context7.com/mcp",
      headers: { CONTEXT7_API_KEY: "${CONTEXT7_API_KEY}" },
    });
  });
});

describe("quartet port status and check", () => {
  it("shows every asset in sync after a port, and which side moved after edits", async () => {
    const dir = workflowFixture("claude");
    const data = tempDir();
    await portCli(dir, ["claude", "opencode"], data);
    const status = async () =>
      JSON.parse((await runCli(["port", "status", "--dir", dir, "--json"], { dataDir: data })).stdout) as {
        inSync: boolean;
        assets: { asset: string; state: string }[];
      };
    const stateOf = (s: Awaited<ReturnType<typeof status>>, asset: string) => s.assets.find((a) => a.asset === asset)?.state;
    const synced = await status();
    expect(synced.inSync).toBe(true);
    expect(stateOf(synced, "mcp/live-metrics")).toBe("not portable");
    expect((await runCli(["port", "check", "--dir", dir], { dataDir: data })).code).toBe(0);

    const ccAgent = path.join(dir, ".claude/agents/test-runner.md");
    fs.writeFileSync(ccAgent, fs.readFileSync(ccAgent, "utf8").replace("maxTurns: 20", "maxTurns: 25"));
    const ocAgent = path.join(dir, ".opencode/agents/db-migrator.md");
    fs.appendFileSync(ocAgent, "Never drop a column in the same release that stops using it.\n");
    const both = path.join(dir, ".claude/commands/test.md");
    fs.appendFileSync(both, "Then run the linter.\n");
    fs.appendFileSync(path.join(dir, ".opencode/commands/test.md"), "Then commit.\n");
    fs.writeFileSync(path.join(dir, ".opencode/agents/helper.md"), "---\ndescription: Helps\nmode: subagent\n---\nHelp.\n");
    const moved = await status();
    expect(moved.inSync).toBe(false);
    expect(stateOf(moved, "agents/test-runner")).toBe("claude newer");
    expect(stateOf(moved, "agents/db-migrator")).toBe("opencode newer");
    expect(stateOf(moved, "commands/test")).toBe("both changed");
    expect(stateOf(moved, "agents/helper")).toBe("opencode only");
    const check = await runCli(["port", "check", "--dir", dir], { dataDir: data });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("Drift: 4 asset(s) differ");
  });
});

describe("quartet port --global", () => {
  it("ports the user's own configuration, with the lock kept in quartet's data dir", async () => {
    const home = tempDir("quartet-home-");
    const data = tempDir();
    fs.mkdirSync(path.join(home, ".claude/agents"), { recursive: true });
    fs.writeFileSync(
      path.join(home, ".claude/agents/helper.md"),
      "---\nname: helper\ndescription: Helps everywhere\nmodel: sonnet\n---\nHelp.\n",
    );
    fs.writeFileSync(path.join(home, ".claude/CLAUDE.md"), "Answer briefly.\n");
    fs.writeFileSync(
      path.join(home, ".claude.json"),
      JSON.stringify({ numStartups: 3, mcpServers: { notes: { command: "notes-mcp", args: ["--ro"] } } }),
    );
    const r = await runCli(["port", "claude", "opencode", "--global", "--home", home], { dataDir: data });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(home, ".config/opencode/agents/helper.md"), "utf8")).toContain("model: anthropic/claude-sonnet-5");
    expect(fs.readFileSync(path.join(home, ".config/opencode/AGENTS.md"), "utf8")).toBe("Answer briefly.\n");
    expect(JSON.parse(fs.readFileSync(path.join(home, ".config/opencode/opencode.json"), "utf8")).mcp.notes).toEqual({
      type: "local",
      command: ["notes-mcp", "--ro"],
    });
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(data, "port/user-lock.json"), "utf8")).homes)).toEqual([home]);
    expect(fs.existsSync(path.join(home, ".quartet"))).toBe(false);
    expect((await runCli(["port", "check", "--global", "--home", home], { dataDir: data })).code).toBe(0);
  });
});

describe("quartet port with bad input", () => {
  it("names the file, line and field of each problem and still ports everything else", async () => {
    const dir = workflowFixture("claude");
    fs.writeFileSync(
      path.join(dir, ".claude/agents/broken.md"),
      "---\nname: broken\ndescription: Use it when asked. Examples:\n---\nBody.\n",
    );
    fs.writeFileSync(
      path.join(dir, ".claude/agents/extra.md"),
      "---\nname: extra\ndescription: Has a field Claude Code does not know\nmood: cheerful\n---\nBody.\n",
    );
    fs.writeFileSync(
      path.join(dir, ".claude/agents/twin.md"),
      "---\nname: code-reviewer\ndescription: Same name as another agent\n---\nBody.\n",
    );
    fs.writeFileSync(
      path.join(dir, ".claude/agents/odd-model.md"),
      "---\nname: odd-model\ndescription: Uses an alias nobody knows\nmodel: turbo\n---\nBody.\n",
    );
    fs.writeFileSync(path.join(dir, ".mcp.json"), '{\n  "mcpServers": {\n    "github": { "command": "node", }\n    "oops"\n}\n');
    const r = await portCli(dir, ["claude", "opencode", "--json"]);
    expect(r.code).toBe(1);
    const d = r.json!.diagnostics;
    expect(d).toContainEqual(
      expect.objectContaining({
        severity: "error",
        file: ".claude/agents/broken.md",
        line: 3,
        message: expect.stringMatching(/invalid YAML/),
      }),
    );
    expect(d).toContainEqual(
      expect.objectContaining({
        severity: "warning",
        file: ".claude/agents/extra.md",
        line: 4,
        field: "mood",
        message: expect.stringMatching(/unknown agent field "mood"/),
      }),
    );
    expect(d).toContainEqual(
      expect.objectContaining({
        // Claude Code loads the project and keeps one of the two: a warning, not a refusal.
        severity: "warning",
        file: ".claude/agents/twin.md",
        line: 2,
        field: "name",
        message: expect.stringMatching(/also used by \.claude\/agents\/code-reviewer\.md/),
      }),
    );
    expect(d).toContainEqual(
      expect.objectContaining({ severity: "error", file: ".mcp.json", line: 4, message: expect.stringMatching(/invalid JSON/) }),
    );
    expect(r.json!.losses).toContainEqual(
      expect.objectContaining({
        asset: "agents/odd-model",
        field: "model",
        level: "unsupported",
        reason: expect.stringMatching(/no id known for the alias "turbo"/),
      }),
    );
    const written = r.json!.actions.map((a) => a.asset);
    expect(written).toContain("agents/extra");
    expect(written).toContain("commands/review");
    expect(written).not.toContain("agents/broken");
    expect(written.filter((a) => a === "agents/code-reviewer")).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, ".opencode/agents/code-reviewer.md"), "utf8")).toContain("senior reviewer");
  });

  it("refuses to edit a target config that is not valid JSON, writing nothing", async () => {
    const dir = workflowFixture("claude");
    fs.writeFileSync(path.join(dir, "opencode.json"), '{ "mcp": { \n');
    const before = snapshotTree(dir);
    const r = await runCli(["port", "claude", "opencode", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: ${path.join(dir, "opencode.json")}:2: invalid JSON`));
    expect(snapshotTree(dir)).toEqual(before);
  });

  it("rejects wrong arguments with exit code 2", async () => {
    const dir = tempDir();
    // A mistyped folder is named, not read as an empty project ("Nothing to port").
    for (const args of [
      ["port", "claude", "opencode", "--dir", path.join(dir, "no-such-project")],
      ["port", "status", "--dir", path.join(dir, "no-such-project")],
      ["port", "claude", "opencode", "--global", "--home", path.join(dir, "no-such-home")],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^error: --(dir|home) \S+no-such-(project|home) is not a folder$/m);
    }
    expect((await runCli(["port", "claude", "gemini", "--dir", dir])).stderr).toMatch(
      /<to> must be one of claude, opencode.* \(got "gemini"\)/,
    );
    expect((await runCli(["port", "claude", "claude", "--dir", dir])).code).toBe(2);
    expect((await runCli(["port", "claude", "opencode", "--only", "widgets", "--dir", dir])).stderr).toMatch(/unknown kind "widgets"/);
    expect((await runCli(["port", "claude", "opencode", "--model", "sonnet", "--dir", dir])).stderr).toMatch(
      /expected alias=provider\/model/,
    );
    fs.mkdirSync(path.join(dir, ".quartet"));
    fs.writeFileSync(path.join(dir, ".quartet/config.jsonc"), '{ "port": { "imports": "sometimes" } }');
    const bad = await runCli(["port", "claude", "opencode", "--dir", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/config\.jsonc:1: port\.imports: /);
  });
});
