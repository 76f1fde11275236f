/** Blocking waits, for synchronous code that polls (a lock, a busy database, a process's exit). */

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms`: no timer, and no event loop turn, runs meanwhile. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
