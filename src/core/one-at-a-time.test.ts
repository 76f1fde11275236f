import { expect, test } from "vitest";
import { OneAtATime } from "./one-at-a-time.js";

test("work for one key runs in turn, a failure included; work for another key does not wait", async () => {
  const turns = new OneAtATime<number>();
  const log: string[] = [];
  let releaseFirst!: () => void;
  const first = turns.run(1, async () => {
    log.push("1a start");
    await new Promise<void>((resolve) => (releaseFirst = resolve));
    log.push("1a end");
    throw new Error("1a failed");
  });
  const second = turns.run(1, async () => {
    log.push("1b");
    return "b";
  });
  const other = turns.run(2, async () => {
    log.push("2");
    return "other";
  });
  expect(await other).toBe("other");
  expect(log).toEqual(["1a start", "2"]);
  releaseFirst();
  await expect(first).rejects.toThrow("1a failed");
  expect(await second).toBe("b");
  expect(log).toEqual(["1a start", "2", "1a end", "1b"]);
});
