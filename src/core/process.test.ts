import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { awaitExit } from "./process.js";

describe("awaitExit", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill("SIGKILL");
  });

  /** A process that handles the hangup as `onHangup` says, once it says it is ready. */
  async function started(onHangup: string): Promise<ChildProcess> {
    child = spawn(
      process.execPath,
      ["-e", `process.on("SIGHUP", () => { ${onHangup} }); console.log("ready"); setInterval(() => {}, 1e6);`],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const [data] = (await once(child.stdout!, "data")) as [Buffer];
    expect(data.toString()).toContain("ready");
    return child;
  }

  it("returns once a process that takes its time on the hangup has exited, without killing it", async () => {
    const p = await started("setTimeout(() => process.exit(7), 300);");
    const exit = once(p, "exit");
    p.kill("SIGHUP");
    const t0 = Date.now();
    let slow = 0;
    expect(await awaitExit(p.pid!, 10_000, () => slow++)).toBe(true);
    // Not slow: under a second.
    expect(slow).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await exit).toEqual([7, null]);
  });

  it("kills a process that ignores the hangup once the grace time is over", async () => {
    const p = await started("");
    const exit = once(p, "exit");
    p.kill("SIGHUP");
    const t0 = Date.now();
    let slow = 0;
    expect(await awaitExit(p.pid!, 300, () => slow++)).toBe(true);
    expect(slow).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(await exit).toEqual([null, "SIGKILL"]);
  });

  it("counts a process that has exited as gone while its parent has not collected it (as tmux may be slow to)", async () => {
    // The shell starts a short sleep, then becomes a long one that never waits for it: the short one stays a zombie.
    child = spawn("sh", ["-c", "sleep 0.3 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "inherit"] });
    const [data] = (await once(child.stdout!, "data")) as [Buffer];
    const pid = Number(data.toString().trim());
    const t0 = Date.now();
    let slow = 0;
    expect(await awaitExit(pid, 10_000, () => slow++)).toBe(true);
    expect(slow).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    // Still there, as a zombie: only the state in /proc tells it has exited.
    expect(fs.readFileSync(`/proc/${pid}/stat`, "utf8")).toMatch(/\) Z /);
  });
});
