import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { progressBar, silentProgress } from "./progress.js";

/** A stand-in for a terminal: a stream that says it is a TTY and keeps what is written to it. */
function terminal(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & {
    isTTY: boolean;
    columns: number;
    cursorTo(): boolean;
    clearLine(): boolean;
    moveCursor(): boolean;
  };
  stream.isTTY = isTTY;
  stream.columns = 100;
  stream.cursorTo = () => true;
  stream.clearLine = () => true;
  stream.moveCursor = () => true;
  let written = "";
  stream.on("data", (c) => (written += c));
  return { stream: stream as unknown as NodeJS.WriteStream, written: () => written };
}

describe("progress bar", () => {
  it("draws on a terminal once the work has taken longer than the delay", async () => {
    const t = terminal(true);
    const bar = progressBar({ label: "Reading logs", delayMs: 20, stream: t.stream });
    bar.setTotal(10_000_000);
    bar.advance(1_000_000);
    expect(t.written()).toBe("");
    await sleep(60);
    bar.advance(4_000_000, "claude");
    expect(t.written()).toContain("Reading logs");
    expect(t.written()).toMatch(/5\.0\/10\.0 MB/);
    bar.stop();
  });

  it("stays silent when stderr is not a terminal, or when disabled", () => {
    expect(progressBar({ label: "x", stream: terminal(false).stream })).toBe(silentProgress);
    expect(progressBar({ label: "x", stream: terminal(true).stream, enabled: false })).toBe(silentProgress);
  });
});
