/**
 * Benchmark: what `quartet gateway` adds to a request, against a direct connection to the same upstream in the
 * same run. The upstream is a local streaming server in its own process (message_start at once, then a content
 * delta every few milliseconds, as a model streams); the gateway is the built CLI (`bin/quartet.js gateway`, with
 * its store on the recorder thread, as users run it) in its own process, and beside it the proxy alone (no
 * recording) in another, to tell the two costs apart; this process is the client. One stream at a time first,
 * then rounds of 50 streams in flight rotate between direct, the proxy alone and the gateway; each request's time
 * to first body byte is taken. Then 10,000 requests go through the gateway, 50 in flight, while its resident
 * memory is sampled. Targets: added time to first byte p50 ≤ 2 ms and p99 ≤ 10 ms at 50 concurrent streams;
 * memory flat over 10,000 requests.
 *
 *   npm run build && npx tsx bench/gateway.ts [--rounds 10] [--requests 10000] [--rss-interval 25] [--bin <quartet.js>]
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { openDatabase } from "../src/core/db.js";
import { envFor, median, QUARTET, ROOT, tempDir } from "./lib.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    requests: { type: "string", default: "10000" },
    // Milliseconds between deltas in the memory run: 25 makes 0.5 s streams, about 100 requests a second at 50 in flight.
    "rss-interval": { type: "string", default: "25" },
    bin: { type: "string" },
  },
});
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);
const RSS_INTERVAL = Number(values["rss-interval"]);
const CONCURRENCY = 50;
/** Milliseconds between a stream's deltas: a 1 s stream (real ones last seconds; 50 of them in flight make about 50 requests a second). */
const STREAM_INTERVAL = 50;
const BIN = values.bin ? [process.execPath, path.resolve(values.bin)] : QUARTET;

/** The upstream: a Messages stream of about 3 KB, its first event at once, then 20 deltas `x-bench-interval` ms apart. */
const UPSTREAM = `
import http from "node:http";
const ev = (type, data) => "event: " + type + "\\ndata: " + JSON.stringify({ type, ...data }) + "\\n\\n";
let n = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const id = "msg_bench_" + (++n);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": "req_" + n });
    res.write(ev("message_start", { message: { id, type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [],
      usage: { input_tokens: 12, cache_creation_input_tokens: 900, cache_read_input_tokens: 48000, output_tokens: 1 } } }));
    res.write(ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
    const every = Number(req.headers["x-bench-interval"] ?? 10);
    let i = 0;
    const tick = setInterval(() => {
      res.write(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "a few words of the answer, " + i } }));
      if (++i < 20) return;
      clearInterval(tick);
      res.write(ev("content_block_stop", { index: 0 }));
      res.write(ev("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 60 } }));
      res.end(ev("message_stop", {}));
    }, every);
  });
});
server.listen(0, "127.0.0.1", () => console.log("listening on http://127.0.0.1:" + server.address().port));
`;

const PROXY_ONLY = `
import { startGateway } from ${JSON.stringify(pathToFileURL(path.join(ROOT, "src/gateway/proxy.ts")).href)};
import { loadRoutes } from ${JSON.stringify(pathToFileURL(path.join(ROOT, "src/gateway/routes.ts")).href)};
const gateway = await startGateway({ routes: loadRoutes({ file: "/nonexistent/routes.jsonc", upstream: "UPSTREAM_URL" }) });
console.log("listening on " + gateway.url);
`;

/** Starts a child and waits for its "listening on URL" line. */
function started(child: ChildProcess): Promise<string> {
  let out = "";
  let err = "";
  child.stderr!.on("data", (c) => (err += c));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
/** A request the size of a Claude Code turn a few steps in (~150 KB: 24 tools, a long system prompt, 40 messages). */
const BODY = JSON.stringify({
  model: "claude-sonnet-4-5",
  max_tokens: 1024,
  stream: true,
  tools: Array.from({ length: 24 }, (_, i) => ({
    name: `Tool${i}`,
    description: "Does one thing well. ".repeat(150),
    input_schema: { type: "object" },
  })),
  system: [{ type: "text", text: "You are a coding agent. ".repeat(330), cache_control: { type: "ephemeral" } }],
  messages: Array.from({ length: 40 }, (_, i) => ({
    role: i % 2 ? "assistant" : "user",
    content: [{ type: "text", text: "Step of the work. ".repeat(90) }],
  })),
});

/** One streamed request: milliseconds to the first body byte, the stream read to its end. */
function request(url: string, interval: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = 0;
    const req = http.request(
      `${url}/v1/messages?beta=true`,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "x-api-key": "sk-bench",
          "anthropic-version": "2023-06-01",
          "x-bench-interval": String(interval),
        },
      },
      (res) => {
        res.on("data", () => {
          if (first === 0) first = performance.now() - t0;
        });
        res.on("end", () => (res.statusCode === 200 ? resolve(first) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(BODY);
  });
}

/**
 * `CONCURRENCY` streams kept in flight against `url`, each client starting its next request when its last one
 * ends, started a stream's length apart so requests arrive spread out as they do in steady use; `per` requests each.
 */
async function inFlight(url: string, per: number, interval: number): Promise<number[]> {
  const out: number[] = [];
  const stream = 20 * interval;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, (i * stream) / CONCURRENCY));
      for (let k = 0; k < per; k++) out.push(await request(url, interval));
    }),
  );
  return out;
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
  return kb / 1024;
}

/** Nearest-rank percentile. */
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]!;

const data = tempDir("quartet-bench-gateway-");
const upstreamChild = spawn(process.execPath, ["--input-type=module", "-e", UPSTREAM], { stdio: ["ignore", "pipe", "pipe"] });
const upstream = await started(upstreamChild);
const gatewayChild = spawn(BIN[0]!, [...BIN.slice(1), "gateway", "--port", "0", "--upstream", upstream], {
  env: envFor(data, { QUARTET_HOME: data }),
  stdio: ["ignore", "pipe", "pipe"],
});
const gateway = await started(gatewayChild);
let gatewayErr = "";
gatewayChild.stderr!.on("data", (c) => (gatewayErr += c));
// The proxy alone (startGateway with no sink, from the sources), to tell its cost from the recording's.
const proxyOnlyChild = spawn(
  process.execPath,
  ["--import", "tsx", "--input-type=module", "-e", PROXY_ONLY.replace("UPSTREAM_URL", upstream)],
  {
    env: envFor(data),
    stdio: ["ignore", "pipe", "pipe"],
  },
);
const proxyOnly = await started(proxyOnlyChild);

const direct: number[] = [];
const bare: number[] = [];
const through: number[] = [];
const rss: { after: number; mb: number }[] = [];
let cpuPerRequest = 0;
let bareCpuPerRequest = 0;
let stored = 0;
const alone = { direct: [] as number[], through: [] as number[] };
try {
  // Warm both paths: connections, the JIT.
  await inFlight(upstream, 2, 2);
  await inFlight(gateway, 2, 2);
  // One stream at a time first: what the gateway adds when nothing waits for a CPU.
  for (let i = 0; i < 200; i++) {
    alone.direct.push(await request(upstream, 1));
    alone.through.push(await request(gateway, 1));
  }
  const cpuBefore = cpuSeconds(gatewayChild.pid!);
  const bareCpuBefore = cpuSeconds(proxyOnlyChild.pid!);
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate which goes first, so none always runs on a machine just quietened by another.
    const paths: [string, number[]][] = [
      [upstream, direct],
      [proxyOnly, bare],
      [gateway, through],
    ];
    for (let k = 0; k < paths.length; k++) {
      const [url, into] = paths[(r + k) % paths.length]!;
      into.push(...(await inFlight(url, 2, STREAM_INTERVAL)));
    }
  }
  cpuPerRequest = (cpuSeconds(gatewayChild.pid!) - cpuBefore) / (ROUNDS * 2 * CONCURRENCY);
  bareCpuPerRequest = (cpuSeconds(proxyOnlyChild.pid!) - bareCpuBefore) / (ROUNDS * 2 * CONCURRENCY);
  rss.push({ after: 0, mb: rssMb(gatewayChild.pid!) });
  let started = 0;
  let finished = 0;
  const step = Math.max(CONCURRENCY, Math.floor(REQUESTS / 20));
  const worker = async () => {
    while (started < REQUESTS) {
      started++;
      await request(gateway, RSS_INTERVAL);
      if (++finished % step === 0) rss.push({ after: finished, mb: rssMb(gatewayChild.pid!) });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
} finally {
  const exited = new Promise((resolve) => gatewayChild.once("exit", resolve));
  gatewayChild.kill("SIGTERM");
  // It stores what it was handed before it exits.
  await exited;
  upstreamChild.kill("SIGTERM");
  proxyOnlyChild.kill("SIGTERM");
  agent.destroy();
  if (fs.existsSync(path.join(data, "quartet.db"))) {
    const db = openDatabase(path.join(data, "quartet.db"));
    stored = (db.prepare("SELECT COUNT(*) AS n FROM gateway_request").get() as { n: number }).n;
    db.close();
  }
  fs.rmSync(data, { recursive: true, force: true });
}

const row = (name: string, xs: number[]) =>
  `| ${name} | ${xs.length} | ${median(xs).toFixed(2)} | ${pct(xs, 99).toFixed(2)} | ${Math.max(...xs).toFixed(2)} |`;
const added50 = median(through) - median(direct);
const added99 = pct(through, 99) - pct(direct, 99);
console.log(
  `1 stream in flight, 200 requests each way: time to first byte p50 ${median(alone.direct).toFixed(2)} ms direct, ${median(alone.through).toFixed(2)} ms through the gateway (added ${(median(alone.through) - median(alone.direct)).toFixed(2)} ms)`,
);
console.log(
  `${CONCURRENCY} streams in flight, ${ROUNDS} rounds rotating the three paths; request body ${(BODY.length / 1024).toFixed(0)} KB; time to first body byte (ms)`,
);
console.log("| path | requests | p50 | p99 | max |");
console.log("| --- | ---: | ---: | ---: | ---: |");
console.log(row("direct to the upstream", direct));
console.log(row("through the proxy alone (no recording)", bare));
console.log(row("through quartet gateway (proxy + recorder thread)", through));
console.log(
  `the gateway adds: p50 ${added50.toFixed(2)} ms (target ≤ 2: ${added50 <= 2 ? "met" : "NOT met"}), p99 ${added99.toFixed(2)} ms (target ≤ 10: ${added99 <= 10 ? "met" : "NOT met"}); ratio p50 ${(median(through) / median(direct)).toFixed(2)}×, p99 ${(pct(through, 99) / pct(direct, 99)).toFixed(2)}×`,
);
console.log(
  `the proxy alone adds: p50 ${(median(bare) - median(direct)).toFixed(2)} ms, p99 ${(pct(bare, 99) - pct(direct, 99)).toFixed(2)} ms`,
);
console.log(
  `CPU per request (user + system): ${(bareCpuPerRequest * 1000).toFixed(2)} ms the proxy alone, ${(cpuPerRequest * 1000).toFixed(2)} ms the gateway (proxy and recorder thread)`,
);
const behind = /(\d+) request\(s\) were not recorded/.exec(gatewayErr)?.[1];
console.log(
  `recorder: ${stored.toLocaleString("en-US")} requests stored in quartet's database${behind ? `; ${behind} not recorded (it fell behind)` : ""}`,
);
// V8 grows its heap to a working size first (the first tenth is left out); flat means the second half's samples
// sit where the first half's did (medians, as single samples jump by a few MB with each collection).
const warm = rss.filter((s) => s.after >= REQUESTS / 10);
const firstHalf = median(warm.filter((s) => s.after <= REQUESTS / 2).map((s) => s.mb));
const secondHalf = median(warm.filter((s) => s.after > REQUESTS / 2).map((s) => s.mb));
console.log(`memory run: ${REQUESTS.toLocaleString("en-US")} requests, 50 in flight, ${(20 * RSS_INTERVAL) / 1000} s streams`);
console.log(`gateway RSS every ${(REQUESTS / 20).toLocaleString("en-US")} requests (MB): ${rss.map((s) => s.mb.toFixed(0)).join(" ")}`);
console.log(
  `RSS median ${firstHalf.toFixed(1)} MB over the first half, ${secondHalf.toFixed(1)} MB over the second, peak ${Math.max(...rss.map((s) => s.mb)).toFixed(1)} MB: ${secondHalf - firstHalf <= 5 ? "flat" : "NOT flat"} (${(secondHalf - firstHalf).toFixed(1)} MB)`,
);
