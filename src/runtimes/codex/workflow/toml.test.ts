import { describe, expect, it } from "vitest";
import { parseToml, setTomlArrayTables } from "./toml.js";

describe("setTomlArrayTables", () => {
  const groups = [{ matcher: "Edit|Write", hooks: [{ type: "command", command: "fmt", timeout: 5 }] }];

  it("replaces an event's blocks in place, keeping every other line, comment and Codex's trust state", () => {
    const text =
      '# mine\nmodel = "x"\n\n[[hooks.PreToolUse]]\nmatcher = "Bash"\n\n[[hooks.PreToolUse.hooks]]\ntype = "command"\ncommand = "old"\n\n' +
      '# keep me\n[hooks.state."k"]\nenabled = true\n\n[[hooks.Stop]]\n[[hooks.Stop.hooks]]\ntype = "command"\ncommand = "theirs"\n';
    const out = setTomlArrayTables(text, ["hooks", "PreToolUse"], groups, "config.toml");
    expect(out.startsWith('# mine\nmodel = "x"\n\n[[hooks.PreToolUse]]\nmatcher = "Edit|Write"\n')).toBe(true);
    expect(out).toContain('\n\n# keep me\n[hooks.state."k"]\nenabled = true\n');
    expect(out).not.toContain('"old"');
    expect(parseToml(out, "config.toml")).toMatchObject({
      model: "x",
      hooks: { PreToolUse: groups, state: { k: { enabled: true } }, Stop: [{ hooks: [{ command: "theirs" }] }] },
    });
  });

  it("adds the blocks at the end of a file without them, and to an empty one", () => {
    expect(setTomlArrayTables('model = "x"\n', ["hooks", "Stop"], [{ hooks: [{ type: "command", command: "a" }] }], "c")).toBe(
      'model = "x"\n\n[[hooks.Stop]]\n[[hooks.Stop.hooks]]\ntype = "command"\ncommand = "a"\n',
    );
    expect(parseToml(setTomlArrayTables("", ["hooks", "PreToolUse"], groups, "c"), "c")).toEqual({ hooks: { PreToolUse: groups } });
  });

  it("refuses to edit an event written some other way (inline), rather than write a file Codex cannot read", () => {
    expect(() => setTomlArrayTables("[hooks]\nStop = []\n", ["hooks", "Stop"], groups, "config.toml")).toThrow(/config\.toml/);
  });
});
