import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { addLoadedParser, loadParsers } from "../ledger/read-source.js";
import { parser as claudeParser } from "../runtimes/claude/log-parser.js";
import { registerStatusline } from "./statusline.js";
import { plainStatuslineFlags } from "./statusline-entry.js";

/** The flags commander gives the command for these arguments, or the error it stops with. */
function commanderFlags(args: readonly string[]): unknown {
  const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerStatusline(program);
  const command = program.commands[0]!;
  command.action(() => {});
  try {
    program.parse(["node", "quartet", "statusline", ...args]);
  } catch (e) {
    return (e as Error).message;
  }
  return { ...command.opts() };
}

describe("the status line's own flag parsing", () => {
  it("reads what commander reads, the same way", () => {
    for (const args of [
      [],
      ["--home", "/h"],
      ["--home=/h"],
      ["--pricing", "p.json", "--home", "/h"],
      ["--pricing=p.json", "--home=/h=x"],
      ["--home", "/a", "--home", "/b"],
    ])
      expect(plainStatuslineFlags(args), args.join(" ")).toEqual(commanderFlags(args));
  });

  it("leaves everything else to the full command line", () => {
    for (const args of [
      ["--help"],
      ["-h"],
      ["--home"],
      ["--home", "--pricing", "p.json"],
      ["--home="],
      ["--home", ""],
      ["--wide"],
      ["extra"],
      ["--", "--home", "/h"],
      ["--hom", "/h"],
    ])
      expect(plainStatuslineFlags(args), args.join(" ")).toBeUndefined();
  });
});

describe("a parser the status line bundles", () => {
  it("is used under its module URL without importing that module", async () => {
    const url = "file:///nowhere/log-parser-claude.js";
    await expect(loadParsers([{ runtime: "claude", parser: url }])).rejects.toThrow();
    addLoadedParser({ runtime: "claude", url, parser: claudeParser });
    await expect(loadParsers([{ runtime: "claude", parser: url }])).resolves.toBeUndefined();
  });
});
