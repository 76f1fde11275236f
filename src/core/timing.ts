/**
 * Phase timings for performance work: set QUARTET_TIMING=1 and each phase's wall time is printed on
 * stderr when the process exits. Costs nothing when unset.
 */
const enabled = process.env.QUARTET_TIMING === "1";
const totals = new Map<string, number>();
const start = performance.now();

if (enabled) {
  process.on("exit", () => {
    const lines = [...totals].map(([k, v]) => `${k.padEnd(22)} ${v.toFixed(0).padStart(6)} ms`);
    const m = process.memoryUsage();
    const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
    process.stderr.write(
      `timing (total ${(performance.now() - start).toFixed(0)} ms since module load; now rss ${mb(m.rss)} MB, heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} MB, external ${mb(m.external)} MB)\n${lines.join("\n")}\n`,
    );
  });
}

/** Runs fn and adds its duration to the named phase. */
export function timed<T>(phase: string, fn: () => T): T {
  if (!enabled) return fn();
  const t = performance.now();
  try {
    return fn();
  } finally {
    totals.set(phase, (totals.get(phase) ?? 0) + performance.now() - t);
  }
}

/** Awaits fn and adds the time until it settles to the named phase. */
export async function timedAsync<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const t = performance.now();
  try {
    return await fn();
  } finally {
    totals.set(phase, (totals.get(phase) ?? 0) + performance.now() - t);
  }
}
