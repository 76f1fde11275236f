import { expect, test } from "vitest";
import { BoundedMap } from "./bounded-map.js";

test("a bounded map forgets its oldest entry past its size; touch makes an entry the newest", () => {
  const m = new BoundedMap<string, number>(2);
  m.set("a", 1).set("b", 2).set("a", 10);
  m.set("c", 3);
  expect([...m]).toEqual([
    ["b", 2],
    ["c", 3],
  ]);
  m.touch("b", 20).set("d", 4);
  expect([...m]).toEqual([
    ["b", 20],
    ["d", 4],
  ]);
});
