import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { fixtureHome, tempDir } from "../../../test/helpers.js";
import { lookupEnv } from "../../core/paths.js";
import { opencodeSession } from "./session.js";

test("the session id is found in OpenCode's database by folder and start time", () => {
  const env = lookupEnv({ home: fixtureHome(["opencode"]) });
  const workdir = "/tmp/quartet-fx-opencode-Ko89Ee/project";
  const created = 1795533675678;
  expect(opencodeSession.discoverSessionId!({ workdir, since: created - 1000, env })).toBe("ses_df1da6362ffeHhppgs8uFCUZZ5");
  expect(opencodeSession.discoverSessionId!({ workdir, since: created + 60_000, env })).toBeNull();
  expect(opencodeSession.discoverSessionId!({ workdir: "/elsewhere", since: 0, env })).toBeNull();
  expect(opencodeSession.discoverSessionId!({ workdir, since: 0, env: lookupEnv({ home: tempDir() }) })).toBeNull();
});

function launch(env: NodeJS.ProcessEnv) {
  const stateDir = tempDir();
  const out = opencodeSession.launch({
    bin: "/bin/opencode",
    workdir: "/w",
    prompt: "Fix it",
    model: "anthropic/claude-sonnet-4-5",
    sessionId: "id",
    stateDir,
    recordScript: path.join(stateDir, "record.sh"),
    env,
  });
  return { stateDir, out };
}

test("the plugin comes through OPENCODE_CONFIG, or inline beside the user's own OPENCODE_CONFIG", () => {
  const plain = launch({});
  expect(plain.out.argv).toEqual(["/bin/opencode", "/w", "--model", "anthropic/claude-sonnet-4-5", "--prompt=Fix it"]);
  const config = JSON.parse(fs.readFileSync(plain.out.env.OPENCODE_CONFIG!, "utf8")) as { plugin: string[] };
  expect(config.plugin).toEqual([`file://${path.join(plain.stateDir, "quartet-state.js")}`]);
  expect(fs.readFileSync(path.join(plain.stateDir, "quartet-state.js"), "utf8")).toContain(
    JSON.stringify(path.join(plain.stateDir, "record.sh")),
  );

  const theirs = launch({
    OPENCODE_CONFIG: "/home/me/team.json",
    OPENCODE_CONFIG_CONTENT: '{"plugin":["their-plugin"],"share":"disabled"}',
  });
  expect(theirs.out.env.OPENCODE_CONFIG).toBeUndefined();
  expect(JSON.parse(theirs.out.env.OPENCODE_CONFIG_CONTENT!)).toEqual({
    plugin: ["their-plugin", `file://${path.join(theirs.stateDir, "quartet-state.js")}`],
    share: "disabled",
  });
});
