/** listenOn: a free port when none is asked for; a taken one named as the person's choice to change. */
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "./errors.js";
import { listenOn } from "./listen.js";

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});
const server = () => {
  const s = http.createServer();
  servers.push(s);
  return s;
};

describe("listenOn", () => {
  it("listens on a free loopback port when none is asked for, and on the one asked for", async () => {
    const first = server();
    const port = await listenOn(first, undefined);
    expect(port).toBeGreaterThan(0);
    expect(first.address()).toMatchObject({ address: "127.0.0.1", port });
    // A port just freed, asked for by number.
    const probe = server();
    const free = await listenOn(probe, 0);
    await new Promise((r) => probe.close(r));
    servers.splice(servers.indexOf(probe), 1);
    expect(await listenOn(server(), free)).toBe(free);
  });

  it("says a taken port is taken, naming it, as a usage error", async () => {
    const port = await listenOn(server(), undefined);
    const second = listenOn(server(), port);
    await expect(second).rejects.toBeInstanceOf(UsageError);
    await expect(second).rejects.toThrow(
      `port ${port} on 127.0.0.1 is taken by another program: choose another --port, or leave --port out for a free one`,
    );
  });
});
