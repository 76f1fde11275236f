/** The `--port` flag of the commands that listen on 127.0.0.1 (the board, the lab endpoint). */
import { InvalidArgumentError } from "commander";

export const PORT_FLAG = "--port <port>";
export const PORT_HELP = "port to listen on (default: any free port)";

/** Commander's parser for `--port`: a whole number from 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (value.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError("expected a port number from 0 to 65535 (0: any free port)");
  return port;
}
