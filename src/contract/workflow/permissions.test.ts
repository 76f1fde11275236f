import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PermissionAction, PermissionRule } from "./ir.js";
import { formatClaudeRule, parseClaudeRule, toClaudePermissions } from "../../runtimes/claude/workflow/permissions.js";
import { fromOpencodePermission, toOpencodePermission, type OpencodePermission } from "../../runtimes/opencode/workflow/permissions.js";

const rule = (text: string, action: PermissionAction = "allow") => {
  const parsed = parseClaudeRule(text, action);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.rule;
};

/** Claude Code's decision for a Bash command: deny > ask > allow, else ask (its default for Bash). */
function claudeDecides(rules: readonly PermissionRule[], command: string): PermissionAction {
  const hits = rules.filter((r) => r.tool === "Bash" && (r.pattern === undefined || glob(r.pattern).test(command)));
  for (const action of ["deny", "ask", "allow"] as const) if (hits.some((r) => r.action === action)) return action;
  return "ask";
}

/** OpenCode's decision: its default (allow), then the config's rules in order, the last match winning. */
function opencodeDecides(permission: OpencodePermission, command: string): PermissionAction {
  let decision: PermissionAction = "allow";
  for (const [key, value] of Object.entries(permission)) {
    if (key !== "*" && key !== "bash") continue;
    if (typeof value === "string") decision = value;
    else for (const [pattern, action] of Object.entries(value)) if (glob(pattern).test(command)) decision = action;
  }
  return decision;
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "s");
}

describe("Claude Code rule strings", () => {
  it("reads tools, Bash globs (`:*` included), path anchors, domains, MCP names and agents", () => {
    expect(rule("Bash")).toEqual({ tool: "Bash", action: "allow" });
    expect(rule("Bash(*)")).toEqual({ tool: "Bash", action: "allow" });
    expect(rule("Bash(npm run test:*)").pattern).toBe("npm run test*");
    expect(rule("Read(./src/**)").pattern).toBe("src/**");
    expect(rule("Edit(/docs/*.md)").pattern).toBe("docs/*.md");
    expect(rule("Read(//etc/passwd)").pattern).toBe("/etc/passwd");
    expect(rule("Read(~/.ssh/**)").pattern).toBe("~/.ssh/**");
    expect(rule("WebFetch(domain:example.com)")).toEqual({ tool: "WebFetch", pattern: "domain:example.com", action: "allow" });
    // Every tool of the server, as `mcp__github` is.
    expect(rule("mcp__github__*")).toEqual({ tool: "mcp__github", action: "allow" });
    expect(rule("Task(reviewer)")).toEqual({ tool: "Agent", pattern: "reviewer", action: "allow" });
  });

  it("refuses rules Claude Code never applies, and nonsense", () => {
    expect(parseClaudeRule("Write(./secrets/**)", "deny")).toMatchObject({ ok: false, reason: expect.stringContaining("never matches") });
    expect(parseClaudeRule("not a rule!", "allow")).toMatchObject({ ok: false });
  });

  it("writes IR rules back with Claude Code's anchors", () => {
    expect(formatClaudeRule({ tool: "Read", pattern: "src/**", action: "allow" })).toEqual({ ok: true, text: "Read(./src/**)" });
    expect(formatClaudeRule({ tool: "Read", pattern: "/etc/hosts", action: "deny" })).toEqual({ ok: true, text: "Read(//etc/hosts)" });
    expect(formatClaudeRule({ tool: "opencode:lsp", action: "allow" })).toMatchObject({ ok: false });
  });
});

describe("Claude Code → OpenCode", () => {
  it("orders rules so OpenCode's last match decides as deny > ask > allow does", () => {
    const rules = [rule("Bash(rm -rf *)", "deny"), rule("Bash(git *)"), rule("Bash(git push *)", "ask")];
    const { value } = toOpencodePermission(rules, { precedence: "action", topLevel: true });
    expect(value.bash).toEqual({ "*": "ask", "git *": "allow", "git push *": "ask", "rm -rf *": "deny" });
    expect(Object.keys(value)).toEqual(["bash", "edit", "webfetch"]);
  });

  it("keeps Claude Code's asking default for Bash, edits and web fetches unless a mode says otherwise", () => {
    expect(toOpencodePermission([], { precedence: "action", topLevel: true }).value).toEqual({ bash: "ask", edit: "ask", webfetch: "ask" });
    expect(toOpencodePermission([], { precedence: "action", topLevel: true, defaultMode: "acceptEdits" }).value).toMatchObject({
      edit: "allow",
    });
    expect(toOpencodePermission([], { precedence: "action", topLevel: true, defaultMode: "bypassPermissions" }).value).toEqual({
      "*": "allow",
    });
  });

  it("drops patterns OpenCode's action-only keys cannot take, and says so", () => {
    const out = toOpencodePermission([rule("WebFetch(domain:docs.acme.dev)")], { precedence: "action", topLevel: false });
    expect(out.value).toEqual({});
    expect(out.lossy[0]).toMatch(/webfetch permission takes no patterns/);
  });

  it("decides every Bash command as Claude Code did (property)", () => {
    const word = fc.constantFrom("git", "npm", "rm", "curl", "ls");
    const arg = fc.constantFrom("push", "status", "-rf", "run", "test", "x");
    const pattern = fc
      .tuple(word, fc.option(arg, { nil: undefined }), fc.boolean())
      .map(([w, a, star]) => `${w}${a ? ` ${a}` : ""}${star ? " *" : ""}`);
    const claudeRule = fc.record({
      tool: fc.constant("Bash"),
      pattern: fc.option(pattern, { nil: undefined }),
      action: fc.constantFrom<PermissionAction>("allow", "ask", "deny"),
    });
    const command = fc.tuple(word, arg, fc.option(arg, { nil: undefined })).map(([w, a, b]) => [w, a, b].filter(Boolean).join(" "));
    fc.assert(
      fc.property(fc.array(claudeRule, { maxLength: 6 }), fc.array(command, { minLength: 1, maxLength: 5 }), (rules, commands) => {
        const clean = rules.map((r) => (r.pattern === undefined ? { tool: r.tool, action: r.action } : r));
        const { value } = toOpencodePermission(clean, { precedence: "action", topLevel: true });
        for (const c of commands) expect(opencodeDecides(value, c)).toBe(claudeDecides(clean, c));
      }),
      { numRuns: 300 },
    );
  });
});

describe("OpenCode → Claude Code", () => {
  it("reads a permission map in order, naming MCP tools by their server", () => {
    const { rules } = fromOpencodePermission(
      { bash: { "*": "ask", "git *": "allow" }, edit: "deny", context7_resolve: "allow", "github_*": "ask" },
      ["context7", "github"],
    );
    expect(rules).toEqual([
      { tool: "Bash", action: "ask" },
      { tool: "Bash", pattern: "git *", action: "allow" },
      { tool: "Edit", action: "deny" },
      { tool: "mcp__context7__resolve", action: "allow" },
      { tool: "mcp__github", action: "ask" },
    ]);
  });

  it("leaves out a tool-wide ask that Claude Code applies anyway, so later allows still work", () => {
    const { rules } = fromOpencodePermission({ bash: { "*": "ask", "git *": "allow", "rm *": "deny" } }, []);
    const lists = toClaudePermissions(rules, "order");
    expect(lists).toMatchObject({ allow: ["Bash(git *)"], ask: [], deny: ["Bash(rm *)"], lossy: [] });
    for (const c of ["git status", "rm -rf x", "ls"])
      expect(
        claudeDecides(
          rules.filter((r) => r.pattern !== undefined),
          c,
        ),
      ).toBe(c.startsWith("git") ? "allow" : c.startsWith("rm") ? "deny" : "ask");
  });

  it("reports an earlier strict rule that OpenCode let a later lax one override", () => {
    const { rules } = fromOpencodePermission(
      { bash: { "*": "deny", "git status": "allow" }, read: { "src/**": "deny", "src/public/**": "allow" } },
      [],
    );
    const lists = toClaudePermissions(rules, "order");
    expect(lists.allow).toEqual(["Bash(git status)", "Read(./src/public/**)"]);
    expect(lists.deny).toEqual(["Read(./src/**)"]);
    expect(lists.lossy.join("\n")).toMatch(/deny Bash dropped: OpenCode lets the later allow Bash\(git status\) override it/);
    expect(lists.lossy.join("\n")).toMatch(/deny Read\(src\/\*\*\) outranks the later allow Read\(src\/public\/\*\*\)/);
  });

  it("reports values that are not actions", () => {
    expect(fromOpencodePermission({ bash: "sometimes" }, []).problems).toEqual(['bash: "sometimes" is not allow, ask or deny']);
  });
});
