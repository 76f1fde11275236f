/**
 * Starting a local server (the board, the gateway, the lab's endpoint, the OTLP receiver) on the port the
 * person chose, or any free one. A port already taken, or one below 1024 that needs privileges, is the
 * person's choice to change: said in those words, not as the system's EADDRINUSE.
 */
import type { AddressInfo, Server } from "node:net";
import { UsageError } from "./errors.js";

/** Listens on `host`:`port` (0 or none: a free port) and returns the port it listens on. */
export async function listenOn(server: Server, port: number | undefined, host = "127.0.0.1"): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => {
      // Not removed once listening: a later server error (an accept failing for want of file descriptors) meets
      // a listener instead of ending the process.
      server.once("error", reject);
      server.listen(port ?? 0, host, () => resolve());
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new UsageError(
        `port ${port} on ${host} is taken by another program: choose another --port, or leave --port out for a free one`,
      );
    if (code === "EACCES") throw new UsageError(`port ${port} on ${host} needs privileges this user lacks: choose a port from 1024 up`);
    throw e;
  }
  return (server.address() as AddressInfo).port;
}
