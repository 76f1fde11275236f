import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./main.js";

/** The help a person sees for `cmd`, with the text added after it. */
function helpOf(cmd: Command): string {
  let out = "";
  cmd.configureOutput({ writeOut: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

function everyCommand(program: Command): { path: string[]; cmd: Command }[] {
  const out: { path: string[]; cmd: Command }[] = [{ path: [], cmd: program }];
  const walk = (c: Command, prefix: string[]) => {
    for (const sub of c.commands) {
      out.push({ path: [...prefix, sub.name()], cmd: sub });
      walk(sub, [...prefix, sub.name()]);
    }
  };
  walk(program, []);
  return out;
}

describe("every --help", async () => {
  const program = await buildProgram();
  const commands = everyCommand(program);

  it("covers every command", () => {
    expect(commands.length).toBeGreaterThan(25);
  });

  it.each(commands.map((c) => [c.path.join(" ") || "quartet", c] as const))(
    "%s has examples that use its own flags",
    (_, { path, cmd }) => {
      const help = helpOf(cmd);
      expect(help.split("\nExamples:\n").length, "exactly one Examples section").toBe(2);
      const examples = help
        .split("\nExamples:\n")[1]!
        .split("\n")
        .filter((l) => l.startsWith("  $ "))
        .map((l) => l.slice(4).replace(/\s+#.*$/, ""));
      const own = examples.filter((e) => e.startsWith(["quartet", ...path].join(" ")));
      expect(own.length, "at least one example runs this command").toBeGreaterThan(0);
      for (const example of own) {
        // Flags up to a `--` (after it, everything is the prompt) must be those of the command the example runs.
        const words = example.split(/\s+/);
        let target = program;
        for (const w of words.slice(1)) target = target.commands.find((c) => c.name() === w) ?? target;
        const flags = new Set(["--help", "-h", ...target.options.flatMap((o) => [o.long, o.short]).filter(Boolean)]);
        const end = words.indexOf("--");
        for (const word of words.slice(0, end < 0 ? undefined : end).filter((w) => /^--?[a-z]/.test(w)))
          expect(flags.has(word.split("=")[0]!), `${word} in "${example}"`).toBe(true);
      }
    },
  );
});
