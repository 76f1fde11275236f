import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { fileTempDir } from "../../test/helpers.js";
import { announceGateway, processStartTime, runningGateway, runningGatewayFile } from "./running.js";

const dir = fileTempDir();

describe("the running gateway's announcement", () => {
  it("reads as running while its process lives, and not once its pid belongs to a process started at another time", () => {
    const gateway = { pid: process.pid, url: "http://127.0.0.1:4100", port: 4100, startedAt: Date.now() };
    announceGateway(dir, gateway);
    const start = processStartTime(process.pid);
    expect(start).toMatch(/^\d+$/);
    expect(runningGateway(dir)).toEqual({ ...gateway, processStart: start });
    // A gateway killed with SIGKILL left the file, and the system gave its pid to this (later) process.
    const stale = { ...gateway, processStart: String(Number(start) - 1) };
    fs.writeFileSync(runningGatewayFile(dir), JSON.stringify(stale));
    expect(runningGateway(dir)).toBeUndefined();
  });
});
