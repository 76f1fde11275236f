import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { Tmux } from "./tmux.js";

/**
 * tmux 3.3–3.5 with libutempter can drop the SIGCHLD of a pane's process (tmux issue 4559); no test can make a
 * real server hit that window on purpose. So here the server is a FAKE: a `tmux` script that lists one pane in
 * the given state and names, as the server's pid, a process that reports each signal it gets.
 */
describe("a dead pane tmux has not reaped", () => {
  let server: ChildProcess | undefined;
  afterEach(() => {
    server?.kill("SIGKILL");
  });

  async function fakeServer(pane: { status: string; signal: string }) {
    const got: string[] = [];
    server = spawn(
      process.execPath,
      [
        "-e",
        'for (const s of ["SIGCHLD", "SIGWINCH"]) process.on(s, () => console.log(s)); console.log("ready"); setInterval(() => {}, 1e6);',
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    server.stdout!.setEncoding("utf8").on("data", (d: string) => got.push(...d.split("\n").filter(Boolean)));
    await expect.poll(() => got, { timeout: 15_000 }).toContain("ready");
    const bin = tempDir();
    const row = ["%3", "agent", "@1", "1", pane.status, "1700000000", "4242", "/dev/pts/9", pane.signal, String(server.pid)].join("\t");
    fs.writeFileSync(path.join(bin, "tmux"), `#!/bin/sh\nprintf '%s\\n' '${row}'\n`, { mode: 0o755 });
    return { tmux: new Tmux({ PATH: `${bin}:${process.env.PATH}` }), got };
  }

  it("sends the server a SIGCHLD, so it reaps the process and a later listing has the exit status", async () => {
    const { tmux, got } = await fakeServer({ status: "", signal: "" });
    expect(tmux.panes().get("%3")).toMatchObject({ dead: true, deadStatus: null, deadSignal: null });
    await expect.poll(() => got, { timeout: 15_000 }).toContain("SIGCHLD");
  });

  it("leaves a server alone whose dead panes all have a status or a signal", async () => {
    for (const pane of [
      { status: "3", signal: "" },
      { status: "", signal: "15" },
    ]) {
      const { tmux, got } = await fakeServer(pane);
      expect(tmux.panes().get("%3")?.dead).toBe(true);
      // SIGWINCH (28) after any SIGCHLD (17) panes() sent: the lower number is delivered first.
      server!.kill("SIGWINCH");
      await expect.poll(() => got, { timeout: 15_000 }).toContain("SIGWINCH");
      expect(got).not.toContain("SIGCHLD");
      server!.kill("SIGKILL");
    }
  });
});
