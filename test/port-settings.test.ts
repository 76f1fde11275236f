/**
 * Every setting either ports or has a row in the loss report. The key lists are each runtime's documented
 * top-level settings: Claude Code's settings.json (docs.claude.com "Settings", checked against the schema in
 * the pinned claude 2.1.197 binary) and OpenCode's config (the `Config` schema in the pinned opencode
 * 1.18.33 binary). A key with neither a mapping nor a loss row fails the test.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ASSET_KINDS, type WorkflowRuntime } from "../src/contract/workflow/ir.js";
import { port } from "../src/workflow/port.js";
import { RUNTIMES } from "../src/runtimes/registry.js";
import { portSettings } from "../src/workflow/settings.js";
import { tempDir } from "./helpers.js";

/** Claude Code settings keys, with a value of the right type; `permissions` and `hooks` are assets of their own. */
const CLAUDE_SETTINGS: Record<string, unknown> = {
  model: "sonnet",
  env: { NODE_ENV: "development" },
  apiKeyHelper: "/bin/generate-key.sh",
  cleanupPeriodDays: 20,
  companyAnnouncements: ["Welcome"],
  includeCoAuthoredBy: false,
  attribution: { commit: "", pr: "" },
  disableAllHooks: false,
  availableModels: ["sonnet"],
  outputStyle: "Explanatory",
  statusLine: { type: "command", command: "~/.claude/statusline.sh" },
  forceLoginMethod: "console",
  enableAllProjectMcpServers: true,
  enabledMcpjsonServers: ["memory"],
  disabledMcpjsonServers: ["filesystem"],
  allowedMcpServers: [{ serverName: "github" }],
  deniedMcpServers: [{ serverName: "filesystem" }],
  awsAuthRefresh: "aws sso login",
  alwaysThinkingEnabled: true,
  enabledPlugins: { "formatter@acme": true },
  extraKnownMarketplaces: { acme: { source: { source: "github", repo: "acme/plugins" } } },
  sandbox: { enabled: true },
  spinnerTipsEnabled: false,
  respectGitignore: true,
  language: "english",
  autoUpdatesChannel: "stable",
  plansDirectory: "./plans",
  effortLevel: "high",
  fileSuggestion: { type: "command", command: "fd" },
};

/** OpenCode config keys; `agent`, `command`, `mcp`, `permission`, `instructions` are assets of their own. */
const OPENCODE_SETTINGS: Record<string, unknown> = {
  model: "anthropic/claude-sonnet-4-5",
  small_model: "anthropic/claude-haiku-4-5",
  default_agent: "build",
  tools: { webfetch: false },
  shell: "/bin/bash",
  logLevel: "INFO",
  server: { port: 4096 },
  skills: { paths: ["./skills"] },
  watcher: { ignore: ["dist/**"] },
  snapshot: true,
  plugin: ["opencode-wakatime"],
  share: "manual",
  autoupdate: false,
  disabled_providers: ["openai"],
  enabled_providers: ["anthropic"],
  subagent_depth: 2,
  username: "dev",
  mode: { review: { prompt: "Review." } },
  provider: { anthropic: { options: {} } },
  formatter: false,
  lsp: false,
  layout: "stretch",
  attachment: {},
  enterprise: { url: "https://example.com" },
  tool_output: {},
  compaction: { auto: true },
  experimental: {},
};

/** How a key that ports shows up in the target: the JSON key quartet sets there. */
const MAPPED: Record<string, string> = { model: "model", tools: "permissions" };

async function coverage(from: WorkflowRuntime, file: string, settings: Record<string, unknown>): Promise<string[]> {
  const root = tempDir("quartet-settings-");
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), JSON.stringify(settings, null, 2));
  const result = await port({
    runtimes: [...RUNTIMES.values()],
    root,
    scope: "project",
    home: root,
    configHome: path.join(root, ".config"),
    dataDir: tempDir("quartet-data-"),
    from,
    to: from === "claude" ? "opencode" : "claude",
    only: [...ASSET_KINDS],
    settings: portSettings({ config: {} }),
    force: false,
    dryRun: true,
  });
  const set = new Set(result.plan.outputs.flatMap((p) => (p.output.kind === "json" ? [String(p.output.path[0])] : [])));
  const reported = (key: string) =>
    result.losses.some((l) => l.field.endsWith(`.${key}`) || (l.asset.kind === "settings" && l.field === camel(key)));
  return Object.keys(settings).filter((key) => !reported(key) && !(MAPPED[key] && set.has(MAPPED[key])));
}

const camel = (key: string) => key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

describe("every setting ports or has a loss row", () => {
  it("Claude Code's settings.json → OpenCode", async () => {
    expect(await coverage("claude", ".claude/settings.json", CLAUDE_SETTINGS)).toEqual([]);
  });

  it("OpenCode's config → Claude Code", async () => {
    expect(await coverage("opencode", "opencode.json", OPENCODE_SETTINGS)).toEqual([]);
  });

  it("writes the model and the environment where the other runtime reads them", async () => {
    const root = tempDir("quartet-settings-");
    fs.mkdirSync(path.join(root, ".claude"));
    fs.writeFileSync(path.join(root, ".claude/settings.json"), JSON.stringify({ model: "claude-opus-4-8", env: { A: "1" } }));
    fs.writeFileSync(path.join(root, "opencode.json"), JSON.stringify({ model: "anthropic/claude-sonnet-4-5", tools: { bash: false } }));
    const place = {
      root,
      scope: "project" as const,
      home: root,
      configHome: path.join(root, ".config"),
      dataDir: tempDir("quartet-data-"),
    };
    const common = {
      ...place,
      runtimes: [...RUNTIMES.values()],
      only: [...ASSET_KINDS],
      settings: portSettings({ config: {} }),
      force: true,
      dryRun: true,
    };
    const toOpencode = await port({ ...common, from: "claude", to: "opencode" });
    const config = toOpencode.plan.files.find((f) => f.file.endsWith("opencode.json"))!;
    expect(JSON.parse(String(config.after)).model).toBe("anthropic/claude-opus-4-8");
    const toClaude = await port({ ...common, from: "opencode", to: "claude" });
    const claude = JSON.parse(String(toClaude.plan.files.find((f) => f.file.endsWith("settings.json"))!.after));
    expect(claude.model).toBe("claude-sonnet-4-5");
    // The deprecated `tools: {bash: false}` denies Bash, in Claude Code too.
    expect(claude.permissions.deny).toContain("Bash");
    expect(claude.env).toEqual({ A: "1" });
  });
});
