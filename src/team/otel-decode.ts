/**
 * OTLP/HTTP logs requests (ExportLogsServiceRequest), protobuf or JSON, decoded into plain log records:
 * what `quartet otel receive` needs from Claude Code's and Codex's telemetry, and nothing more.
 *
 * The protobuf wire format is read with the official OTLP package's reader (tags, varints, length-delimited
 * fields); the 0.223 line of @opentelemetry/otlp-transformer no longer ships a generated protobuf root and
 * protobufjs is not a dependency, so the message layout below (field numbers from
 * opentelemetry/proto/{collector/logs,logs,common,resource}/v1) is the only part written here. Fields quartet
 * does not read (trace ids, flags, dropped counts, schema URLs) are skipped by the reader.
 */
import { ProtobufReader } from "@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-reader.js";
import { NamedError } from "../core/errors.js";

/** An attribute value as OTLP carries it (bytes as a Buffer; int64 past 2^53 loses precision). */
export type AttrValue = string | number | boolean | Buffer | AttrValue[] | { [key: string]: AttrValue } | null;

export interface OtlpLogRecord {
  /** Epoch ms of the event (time_unix_nano, else observed_time_unix_nano); null when neither is set. */
  timeMs: number | null;
  eventName: string;
  body: AttrValue;
  attributes: Record<string, AttrValue>;
  /** The attributes of the resource that sent it (service.name, service.version…). */
  resource: Record<string, AttrValue>;
}

/** A request body that is not an ExportLogsServiceRequest: answered 400 with this message. */
export const OtlpDecodeError = NamedError.create<"OtlpDecodeError", { message: string }>("OtlpDecodeError");

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

/** Walks one message's fields, handing each field number and wire type to `on`; `on` must consume the field. */
function fields(buf: Uint8Array, on: (field: number, wire: number, r: Wire) => void): void {
  const r = new Wire(buf);
  while (!r.reader.isAtEnd()) {
    const { fieldNumber, wireType } = r.reader.readTag();
    on(fieldNumber, wireType, r);
  }
}

/** The official reader, plus the 64-bit fixed fields it leaves to its callers (timestamps, doubles). */
class Wire {
  readonly reader: ProtobufReader;
  constructor(private readonly buf: Uint8Array) {
    this.reader = new ProtobufReader(buf);
  }
  fixed64(): DataView {
    const at = this.reader.pos;
    if (at + 8 > this.buf.length) throw new Error("truncated 64-bit field");
    this.reader.pos += 8;
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, 8);
  }
  /** An int64 varint, signed: the reader's own varint is unsigned and loses a negative value's bits. */
  int64(): number {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = this.buf[this.reader.pos++];
      if (b === undefined) throw new Error("truncated varint");
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return Number(BigInt.asIntN(64, v));
    }
  }
  skip(wire: number): void {
    this.reader.skip(wire);
  }
}

function anyValue(buf: Uint8Array): AttrValue {
  let value: AttrValue = null;
  fields(buf, (f, w, r) => {
    if (f === 1 && w === WIRE_LEN) value = r.reader.readString();
    else if (f === 2 && w === WIRE_VARINT) value = r.reader.readVarint() !== 0;
    else if (f === 3 && w === WIRE_VARINT) value = r.int64();
    else if (f === 4 && w === WIRE_FIXED64) value = r.fixed64().getFloat64(0, true);
    else if (f === 5 && w === WIRE_LEN) {
      const list: AttrValue[] = [];
      fields(r.reader.readBytes(), (g, gw, gr) => (g === 1 && gw === WIRE_LEN ? list.push(anyValue(gr.reader.readBytes())) : gr.skip(gw)));
      value = list;
    } else if (f === 6 && w === WIRE_LEN) {
      const map: Record<string, AttrValue> = {};
      fields(r.reader.readBytes(), (g, gw, gr) => (g === 1 && gw === WIRE_LEN ? keyValue(gr.reader.readBytes(), map) : gr.skip(gw)));
      value = map;
    } else if (f === 7 && w === WIRE_LEN) value = Buffer.from(r.reader.readBytes());
    else r.skip(w);
  });
  return value;
}

function keyValue(buf: Uint8Array, into: Record<string, AttrValue>): void {
  let key = "";
  let value: AttrValue = null;
  fields(buf, (f, w, r) => {
    if (f === 1 && w === WIRE_LEN) key = r.reader.readString();
    else if (f === 2 && w === WIRE_LEN) value = anyValue(r.reader.readBytes());
    else r.skip(w);
  });
  into[key] = value;
}

/** Nanoseconds since the epoch (fixed64) as epoch ms; 0 means unset. */
function nanosToMs(v: DataView): number | null {
  const ns = v.getBigUint64(0, true);
  return ns === 0n ? null : Number(ns / 1_000_000n);
}

function logRecord(buf: Uint8Array, resource: Record<string, AttrValue>): OtlpLogRecord {
  const rec: OtlpLogRecord = { timeMs: null, eventName: "", body: null, attributes: {}, resource };
  let observed: number | null = null;
  fields(buf, (f, w, r) => {
    if (f === 1 && w === WIRE_FIXED64) rec.timeMs = nanosToMs(r.fixed64());
    else if (f === 11 && w === WIRE_FIXED64) observed = nanosToMs(r.fixed64());
    else if (f === 5 && w === WIRE_LEN) rec.body = anyValue(r.reader.readBytes());
    else if (f === 6 && w === WIRE_LEN) keyValue(r.reader.readBytes(), rec.attributes);
    else if (f === 12 && w === WIRE_LEN) rec.eventName = r.reader.readString();
    else r.skip(w);
  });
  rec.timeMs ??= observed;
  return rec;
}

function decodeProtobuf(body: Uint8Array): OtlpLogRecord[] {
  const out: OtlpLogRecord[] = [];
  fields(body, (f, w, r) => {
    if (f !== 1 || w !== WIRE_LEN) return r.skip(w);
    const resource: Record<string, AttrValue> = {};
    const scopes: Uint8Array[] = [];
    fields(r.reader.readBytes(), (g, gw, gr) => {
      if (g === 1 && gw === WIRE_LEN)
        fields(gr.reader.readBytes(), (h, hw, hr) =>
          h === 1 && hw === WIRE_LEN ? keyValue(hr.reader.readBytes(), resource) : hr.skip(hw),
        );
      else if (g === 2 && gw === WIRE_LEN) scopes.push(gr.reader.readBytes());
      else gr.skip(gw);
    });
    for (const scope of scopes)
      fields(scope, (g, gw, gr) => (g === 2 && gw === WIRE_LEN ? out.push(logRecord(gr.reader.readBytes(), resource)) : gr.skip(gw)));
  });
  return out;
}

/** OTLP/JSON: lowerCamelCase fields, 64-bit integers as decimal strings, bytes as base64. */
type JsonAny = Partial<{
  stringValue: string;
  boolValue: boolean;
  intValue: string | number;
  doubleValue: number | string;
  bytesValue: string;
  arrayValue: { values?: JsonAny[] };
  kvlistValue: { values?: JsonKeyValue[] };
}>;
type JsonKeyValue = { key?: string; value?: JsonAny };
type JsonLogsRequest = {
  resourceLogs?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeLogs?: {
      logRecords?: {
        timeUnixNano?: string | number;
        observedTimeUnixNano?: string | number;
        eventName?: string;
        body?: JsonAny;
        attributes?: JsonKeyValue[];
      }[];
    }[];
  }[];
};

function jsonAny(v: JsonAny | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.bytesValue !== undefined) return Buffer.from(v.bytesValue, "base64");
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(jsonAny);
  if (v.kvlistValue) return jsonAttributes(v.kvlistValue.values);
  return null;
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) if (typeof kv.key === "string") out[kv.key] = jsonAny(kv.value);
  return out;
}

function jsonNanosToMs(v: string | number | undefined): number | null {
  if (v === undefined || v === "" || v === 0 || v === "0") return null;
  try {
    return Number(BigInt(v) / 1_000_000n);
  } catch {
    throw new Error(`not a time in nanoseconds: ${JSON.stringify(v)}`);
  }
}

function decodeJson(body: Uint8Array): OtlpLogRecord[] {
  const req = JSON.parse(Buffer.from(body).toString("utf8")) as JsonLogsRequest;
  if (!req || typeof req !== "object" || Array.isArray(req)) throw new Error("expected a JSON object");
  const out: OtlpLogRecord[] = [];
  for (const rl of req.resourceLogs ?? []) {
    const resource = jsonAttributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? [])
      for (const lr of sl.logRecords ?? [])
        out.push({
          timeMs: jsonNanosToMs(lr.timeUnixNano) ?? jsonNanosToMs(lr.observedTimeUnixNano),
          eventName: lr.eventName ?? "",
          body: jsonAny(lr.body),
          attributes: jsonAttributes(lr.attributes),
          resource,
        });
  }
  return out;
}

/** Decodes a `/v1/logs` body by its content type (application/x-protobuf or application/json). */
export function decodeLogsRequest(body: Uint8Array, contentType: string): OtlpLogRecord[] {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  const json = type === "application/json";
  if (!json && type !== "application/x-protobuf" && type !== "application/protobuf")
    throw new OtlpDecodeError({ message: `unsupported content type "${type}": OTLP/HTTP is application/x-protobuf or application/json` });
  try {
    return json ? decodeJson(body) : decodeProtobuf(body);
  } catch (e) {
    throw new OtlpDecodeError({ message: `not an OTLP logs request (${json ? "JSON" : "protobuf"}): ${(e as Error).message}` });
  }
}
