import { expect, test } from "vitest";
import { reportOnce } from "./report-once.js";

test("a repeated failure is reported once per reason, and again after a success", () => {
  const said: string[] = [];
  const failure = reportOnce((m) => said.push(m));
  failure.failed("locked");
  failure.failed("locked");
  failure.failed("gone");
  failure.failed("locked");
  failure.ok();
  failure.failed("locked");
  expect(said).toEqual(["locked", "gone", "locked", "locked"]);
});
