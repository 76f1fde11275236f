/**
 * A progress bar on stderr for long work, shown only on a TTY and only once the work has taken
 * longer than about a second, so quick runs and piped output stay clean.
 */
import type cliProgress from "cli-progress";

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
export function waitingLine(options: { enabled?: boolean; stream?: NodeJS.WriteStream } = {}): {
  update(waitedMs: number): void;
  stop(): void;
} {
  const stream = options.stream ?? process.stderr;
  const on = options.enabled !== false && stream.isTTY === true;
  let shown = false;
  return {
    update(waitedMs) {
      if (!on) return;
      shown = true;
      stream.write(`\r\x1b[2KWaiting for another quartet process to finish reading logs… ${Math.round(waitedMs / 1000)} s`);
    },
    stop() {
      if (shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}

function formatAmount(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
