/**
 * A progress bar on stderr for long work, shown only on a TTY and only once the work has taken
 * longer than about a second, so quick runs and piped output stay clean.
 */
import type cliProgress from "cli-progress";
import { fmtDuration } from "./output.js";

export interface Progress {
  /** Sets the total amount of work (in the unit the caller counts, e.g. bytes). */
  setTotal(total: number): void;
  advance(amount: number, label?: string): void;
  stop(): void;
}

export const silentProgress: Progress = { setTotal() {}, advance() {}, stop() {} };

export function progressBar(options: { label: string; delayMs?: number; stream?: NodeJS.WriteStream; enabled?: boolean }): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false || !stream.isTTY) return silentProgress;
  // The bar library loads only when a bar may be shown: on a terminal.
  let library: typeof cliProgress | undefined;
  void import("cli-progress").then((m) => (library = m.default));
  const started = Date.now();
  const delay = options.delayMs ?? 1000;
  let total = 0;
  let done = 0;
  let label = "";
  let bar: cliProgress.SingleBar | undefined;
  const show = () => {
    if (bar || !library || Date.now() - started < delay) return;
    bar = new library.SingleBar(
      {
        stream,
        format: `${options.label} {bar} {percentage}% | {value}/{total} {unit} {label}`,
        hideCursor: true,
        clearOnComplete: true,
        formatValue: (v, _o, type) => (type === "value" || type === "total" ? formatAmount(v) : String(v)),
      },
      library.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), done, { label, unit: "MB" });
  };
  return {
    setTotal(t) {
      total = t;
      bar?.setTotal(Math.max(t, 1));
    },
    advance(amount, newLabel) {
      done += amount;
      if (newLabel !== undefined) label = newLabel;
      show();
      bar?.update(done, { label });
    },
    stop() {
      bar?.stop();
    },
  };
}

/**
 * One line on stderr, rewritten in place, while this process waits for another one (on a TTY only).
 * Cleared when the wait ends.
 */
export function waitingLine(options: { enabled?: boolean; stream?: NodeJS.WriteStream; finishing?: string } = {}): {
  update(waitedMs: number): void;
  stop(): void;
} {
  const stream = options.stream ?? process.stderr;
  const on = options.enabled !== false && stream.isTTY === true;
  const finishing = options.finishing ?? "reading logs";
  let shown = false;
  return {
    update(waitedMs) {
      if (!on) return;
      shown = true;
      stream.write(`\r\x1b[2KWaiting for another quartet process to finish ${finishing}… ${Math.round(waitedMs / 1000)} s`);
    },
    stop() {
      if (shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}

export interface StepLine {
  /**
   * The step now under way, shown as `<label> · <time elapsed since the start> elapsed: <detail>`, e.g.
   * `claude turn 3/6 · 42s elapsed: Run the tests.` (on a terminal, the detail is cut to the line's width).
   */
  step(label: string, detail?: string): void;
  /** Something to keep on screen (a pause, a failure): its own line, then the step again. */
  note(text: string): void;
  stop(): void;
}

/**
 * Progress of work that goes in steps whose length is unknown (the lab's turns), on stderr. On a TTY one
 * line, rewritten in place, whose elapsed time ticks every second; elsewhere (CI logs, a pipe) one plain
 * line per step, with the time elapsed when it began, so a log shows where a slow run spent its time.
 */
export function stepLine(options: { prefix: string; stream?: NodeJS.WriteStream; now?: () => number }): StepLine {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const started = now();
  const tty = stream.isTTY === true;
  let current = "";
  let detail = "";
  let timer: NodeJS.Timeout | undefined;
  const line = () => `${options.prefix}${current} · ${fmtDuration(now() - started)} elapsed${detail ? `: ${detail}` : ""}`;
  const draw = () => {
    const width = stream.columns || 80;
    const text = line();
    stream.write(`\r\x1b[2K${text.length >= width ? `${text.slice(0, width - 2)}…` : text}`);
  };
  const clear = () => {
    if (tty && current) stream.write("\r\x1b[2K");
  };
  return {
    step(label, more) {
      current = label;
      detail = more ?? "";
      if (!tty) return void stream.write(`${line()}\n`);
      draw();
      // The ticking clock must not keep the process alive once the work is done.
      timer ??= setInterval(draw, 1000).unref();
    },
    note(text) {
      clear();
      stream.write(`${options.prefix}${text}\n`);
      if (tty && current) draw();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      clear();
      current = "";
    },
  };
}

function formatAmount(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
