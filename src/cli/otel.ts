/** `quartet otel receive`: Claude Code's and Codex's own OpenTelemetry requests into the ledger. */
import type { Command } from "commander";
import { quartetPaths } from "../core/paths.js";
import { startReceiver } from "../team/otel-receive.js";
import { parsePort, PORT_FLAG, PORT_HELP } from "./port-flag.js";

export function registerOtel(program: Command): void {
  const otel = program.command("otel").description("OpenTelemetry in: the runtimes' own telemetry as a usage source");
  otel
    .command("receive")
    .description("take OTLP/HTTP logs (protobuf or JSON) on 127.0.0.1 and keep the API requests for the ledger")
    .option(PORT_FLAG, PORT_HELP, parsePort)
    .addHelpText(
      "after",
      [
        "",
        "Point a runtime at it, e.g. for Claude Code:",
        "  CLAUDE_CODE_ENABLE_TELEMETRY=1 OTEL_LOGS_EXPORTER=otlp OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \\",
        "  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:<port> claude",
        'Codex: [otel] exporter = { otlp-http = { endpoint = "http://127.0.0.1:<port>/v1/logs", protocol = "binary" } }',
        "Requests also in a transcript are counted once (see `quartet usage`).",
      ].join("\n"),
    )
    .action((flags: { port?: number }) => receiveCommand(flags));
}

async function receiveCommand(flags: { port?: number }): Promise<void> {
  const dataDir = quartetPaths().dataDir;
  const receiver = await startReceiver({
    dataDir,
    port: flags.port,
    onStored: (requests) => process.stderr.write(`stored ${requests.length} request${requests.length === 1 ? "" : "s"}\n`),
  });
  process.stdout.write(`quartet otel receive: listening on ${receiver.url} (OTLP/HTTP logs at /v1/logs)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void receiver.close().then(resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
