/**
 * The current time for figures that depend on it (time left in a block, burn rate, projections).
 *
 * Tests set QUARTET_TEST_NOW to an ISO time so those figures can be worked out by hand whatever the time of
 * day the tests run; nothing else should set it.
 */
export function clockNow(env: NodeJS.ProcessEnv = process.env): number {
  const fixed = env.QUARTET_TEST_NOW;
  if (fixed === undefined || fixed === "") return Date.now();
  const ts = Date.parse(fixed);
  if (Number.isNaN(ts)) throw new Error(`QUARTET_TEST_NOW is not an ISO time: ${JSON.stringify(fixed)}`);
  return ts;
}
