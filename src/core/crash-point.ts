/**
 * Named points where a test can kill the process, to prove that work interrupted there leaves nothing a
 * later run reports wrongly. `QUARTET_TEST_KILL_AT=name` sends SIGKILL to this process the first time it
 * reaches `name`; `name#3` the third time. `QUARTET_TEST_SIGNAL=SIGSTOP` stops it there instead, as Ctrl-Z
 * does, to try what other processes do meanwhile. Unset (always, outside tests) it costs one comparison.
 */
const target = process.env.QUARTET_TEST_KILL_AT;
const signal = process.env.QUARTET_TEST_SIGNAL === "SIGSTOP" ? "SIGSTOP" : "SIGKILL";
const [targetName, targetCount] = target ? [target.split("#")[0], Number(target.split("#")[1] ?? 1)] : [undefined, 0];
let reached = 0;

export function crashPoint(name: string): void {
  if (targetName !== name) return;
  reached++;
  if (reached === targetCount) process.kill(process.pid, signal);
}
