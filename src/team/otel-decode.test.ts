/**
 * The OTLP logs decoder against the official encoders: records made by the official SDK, serialized by
 * @opentelemetry/otlp-transformer's protobuf and JSON serializers, decode to the same values (every attribute
 * type OTLP has), and a body that is not OTLP is refused with a reason.
 */
import { SeverityNumber } from "@opentelemetry/api-logs";
import { JsonLogsSerializer, ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { describe, expect, it } from "vitest";
import { decodeLogsRequest, OtlpDecodeError } from "./otel-decode.js";

const API_REQUEST = {
  model: "claude-opus-4-8",
  input_tokens: 1550,
  cost_usd: 0.1250375,
  success: true,
  request_id: "req_lab_000002",
  tags: ["a", "b"],
  big: 2 ** 40,
  negative: -3,
};

function sdkRecords() {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "claude-code", "service.version": "2.1.197" }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger("test");
  logger.emit({
    timestamp: 1_796_045_663_348,
    severityNumber: SeverityNumber.INFO,
    body: "claude_code.api_request",
    attributes: API_REQUEST,
  });
  logger.emit({ timestamp: 1_796_045_663_400, eventName: "codex.sse_event", attributes: { "event.kind": "response.completed" } });
  return memory.getFinishedLogRecords();
}

const expected = [
  {
    timeMs: 1_796_045_663_348,
    eventName: "",
    body: "claude_code.api_request",
    attributes: API_REQUEST,
    resource: expect.objectContaining({ "service.name": "claude-code", "service.version": "2.1.197" }),
  },
  {
    timeMs: 1_796_045_663_400,
    eventName: "codex.sse_event",
    body: null,
    attributes: { "event.kind": "response.completed" },
    resource: expect.objectContaining({ "service.name": "claude-code" }),
  },
];

describe("decodeLogsRequest", () => {
  it("reads what the official protobuf serializer writes", () => {
    const body = ProtobufLogsSerializer.serializeRequest(sdkRecords())!;
    expect(decodeLogsRequest(body, "application/x-protobuf")).toEqual(expected);
  });

  it("reads what the official JSON serializer writes", () => {
    const body = JsonLogsSerializer.serializeRequest(sdkRecords())!;
    expect(decodeLogsRequest(body, "application/json; charset=utf-8")).toEqual(expected);
  });

  it("refuses a body that is not an OTLP logs request, and an unknown content type", () => {
    expect(() => decodeLogsRequest(Buffer.from([0x0a, 0xff, 0xff, 0xff]), "application/x-protobuf")).toThrow(OtlpDecodeError);
    expect(() => decodeLogsRequest(Buffer.from("{not json"), "application/json")).toThrow(/not an OTLP logs request \(JSON\)/);
    expect(() => decodeLogsRequest(Buffer.from("x"), "text/plain")).toThrow(/unsupported content type "text\/plain"/);
  });
});
