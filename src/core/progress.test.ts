import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { progressBar, silentProgress, stepLine } from "./progress.js";

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
    const clock = vi.spyOn(Date, "now").mockReturnValue(1_000_000);
    try {
      const bar = progressBar({ label: "Reading logs", delayMs: 20, stream: t.stream });
      bar.setTotal(10_000_000);
      bar.advance(1_000_000);
      // The bar's library loads in the background; the delay, not the load, keeps it hidden.
      await expect.poll(() => import("cli-progress").then(() => true)).toBe(true);
      clock.mockReturnValue(1_000_019);
      bar.advance(1_000_000);
      expect(t.written()).toBe("");
      clock.mockReturnValue(1_000_060);
      await expect
        .poll(() => {
          bar.advance(0, "claude");
          return t.written();
        })
        .toMatch(/Reading logs.*2\.0\/10\.0 MB/s);
      bar.stop();
    } finally {
      clock.mockRestore();
    }
  });

  it("stays silent when stderr is not a terminal, or when disabled", () => {
    expect(progressBar({ label: "x", stream: terminal(false).stream })).toBe(silentProgress);
    expect(progressBar({ label: "x", stream: terminal(true).stream, enabled: false })).toBe(silentProgress);
  });
});

describe("step line", () => {
  it("prints one plain line per step with the time elapsed when not on a terminal, and notes as lines", () => {
    const t = terminal(false);
    let clock = 1_000_000;
    const line = stepLine({ prefix: "lab: ", stream: t.stream, now: () => clock });
    line.step("claude turn 1/6", "Give me a short overview.");
    clock += 42_000;
    line.note("claude: pause 6m (simulated)");
    line.step("claude turn 2/6", "Run the tests.");
    line.stop();
    expect(t.written()).toBe(
      "lab: claude turn 1/6 · 0s elapsed: Give me a short overview.\n" +
        "lab: claude: pause 6m (simulated)\n" +
        "lab: claude turn 2/6 · 42s elapsed: Run the tests.\n",
    );
  });

  it("rewrites one line on a terminal, its clock ticking each second, cut to the width, and clears it at the end", () => {
    vi.useFakeTimers();
    try {
      const t = terminal(true);
      let clock = 0;
      const line = stepLine({ prefix: "lab: ", stream: t.stream, now: () => clock });
      line.step("opencode turn 3/6", "x".repeat(200));
      expect(t.written()).toMatch(/^\r\x1b\[2Klab: opencode turn 3\/6 · 0s elapsed: x+…$/);
      expect(t.written().length).toBeLessThan(110);
      clock = 65_000;
      vi.advanceTimersByTime(1000);
      expect(t.written()).toContain("opencode turn 3/6 · 1m05s elapsed");
      line.note("opencode: AGENTS.md changed");
      expect(t.written()).toMatch(/\r\x1b\[2Klab: opencode: AGENTS.md changed\n\r\x1b\[2Klab: opencode turn 3\/6/);
      line.stop();
      expect(t.written().endsWith("\r\x1b[2K")).toBe(true);
      const before = t.written();
      vi.advanceTimersByTime(5000);
      expect(t.written()).toBe(before);
    } finally {
      vi.useRealTimers();
    }
  });
});
