/**
 * The team server's URL: a password in it is refused wherever node-postgres would read one, and never shown.
 */
import { describe, expect, it } from "vitest";
import { shownUrl, urlProblem } from "./connect.js";

describe("the server URL", () => {
  it("refuses a password in the user part or in the query string", () => {
    expect(urlProblem("postgres://alice@db.example.com/quartet")).toBeUndefined();
    expect(urlProblem("postgres://alice:s3cret@db.example.com/quartet")).toMatch(/carries a password/);
    expect(urlProblem("postgres://alice@db.example.com/quartet?password=s3cret")).toMatch(/carries a password/);
  });

  it("is shown without any password", () => {
    expect(shownUrl("postgres://alice:s3cret@db.example.com/quartet?password=s3cret&sslmode=require")).not.toContain("s3cret");
    expect(shownUrl("postgres://alice@db.example.com/quartet?sslmode=require")).toContain("sslmode=require");
  });
});
