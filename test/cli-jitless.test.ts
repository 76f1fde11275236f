/**
 * The built CLI in a Node.js process without WebAssembly (`node --jitless`, which some locked-down hosts set
 * in NODE_OPTIONS): quartet cannot read logs there, and says so instead of showing an empty ledger.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/core/db.js";
import { fixtureHome, tempDir } from "./helpers.js";
import { run } from "./live.js";

const SESSION = "f6c73187-5636-4a51-a997-ea192d3c984a";
const CAUSE = "reading logs needs WebAssembly, which this Node.js process does not have (started with --jitless?)";

const jitless = (args: readonly string[], o: { data: string; input?: string }) => run(args, { ...o, nodeFlags: ["--jitless"] });

/** What each ledger in a data folder holds: [sources, records]. */
function ledgers(data: string): [number, number][] {
  return fs
    .readdirSync(data, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".db"))
    .map((f) => {
      const db = openDatabase(path.join(data, f));
      try {
        const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
        return [count("ledger_source"), count("usage_record")];
      } finally {
        db.close();
      }
    });
}

describe("quartet without WebAssembly (node --jitless)", () => {
  it("fails a report with the cause and exit code 1, and writes nothing to the ledger", async () => {
    const home = fixtureHome(["claude"]);
    const data = tempDir("quartet-data-");
    const r = await jitless(["usage", "--home", home, "--json"], { data });
    expect(r).toMatchObject({ code: 1, stdout: "" });
    // Node says on its own that it disabled WebAssembly.
    expect(r.stderr).toContain(`error: ${CAUSE}\n`);
    expect(ledgers(data)).toEqual([[0, 0]]);
  });

  it("prints the cause as the status line, not an empty session", async () => {
    const home = fixtureHome(["claude"]);
    const transcript = fs
      .readdirSync(path.join(home, ".claude", "projects"), { recursive: true })
      .map(String)
      .find((f) => f.endsWith(`${SESSION}.jsonl`))!;
    const input = JSON.stringify({ session_id: SESSION, transcript_path: path.join(home, ".claude", "projects", transcript) });
    const r = await jitless(["statusline", "--home", home], { data: tempDir("quartet-data-"), input });
    expect(r).toMatchObject({ code: 0, stdout: `quartet: ${CAUSE}\n` });
  });
});
