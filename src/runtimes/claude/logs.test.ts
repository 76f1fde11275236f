import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureHome, tempDir } from "../../../test/helpers.js";
import { lookupEnv } from "../../core/paths.js";
import { claudeLogs, claudeSessionSources } from "./logs.js";

const SESSION = "f6c73187-5636-4a51-a997-ea192d3c984a";
const PROJECT = "-tmp-quartet-fx-claude-Yu23OY-project";
const paths = (specs: { path: string }[]) => specs.map((s) => s.path);

describe("one session's transcripts", () => {
  it("are its file and its subagents', named as discovery names them", () => {
    const home = fixtureHome(["claude"]);
    const env = lookupEnv({ home });
    const file = path.join(home, ".claude", "projects", PROJECT, `${SESSION}.jsonl`);
    const found = paths(claudeSessionSources(env, file));
    expect(found).toEqual([file, path.join(home, ".claude", "projects", PROJECT, SESSION, "subagents", "agent-a741804b4ad572576.jsonl")]);
    const discovered = paths(claudeLogs.discover(env).sources);
    for (const f of found) expect(discovered).toContain(f);
  });

  it("go by the folder discovery reads when ~/.config/claude is a link to ~/.claude", () => {
    const home = fixtureHome(["claude"]);
    fs.mkdirSync(path.join(home, ".config"));
    fs.symlinkSync(path.join(home, ".claude"), path.join(home, ".config", "claude"));
    const env = lookupEnv({ home });
    const found = paths(claudeSessionSources(env, path.join(home, ".claude", "projects", PROJECT, `${SESSION}.jsonl`)));
    expect(found[0]).toBe(path.join(home, ".config", "claude", "projects", PROJECT, `${SESSION}.jsonl`));
    const discovered = paths(claudeLogs.discover(env).sources);
    for (const f of found) expect(discovered).toContain(f);
  });

  it("are none for a file outside the transcript folders, a missing one, or one that is not JSON lines", () => {
    const home = fixtureHome(["claude"]);
    const env = lookupEnv({ home });
    const outside = path.join(tempDir("quartet-elsewhere-"), `${SESSION}.jsonl`);
    fs.writeFileSync(outside, "{}\n");
    expect(claudeSessionSources(env, outside)).toEqual([]);
    expect(claudeSessionSources(env, path.join(home, ".claude", "projects", PROJECT, "missing.jsonl"))).toEqual([]);
    expect(claudeSessionSources(env, path.join(home, ".claude", "projects", PROJECT, SESSION))).toEqual([]);
    expect(claudeSessionSources(env, `${SESSION}.jsonl`)).toEqual([]);
  });
});
