import { describe, expect, it } from "vitest";
import { pushBasis, pushedProject, serverText } from "./push.js";

describe("what leaves the machine of a project", () => {
  it("is its last folder name, a hash of that name, or nothing", () => {
    expect(pushedProject("/home/alice/src/shop-api", "name")).toBe("shop-api");
    expect(pushedProject("/home/alice/src/shop-api/", "name")).toBe("shop-api");
    expect(pushedProject("C:\\Users\\bob\\shop-api", "name")).toBe("shop-api");
    // The same name on two machines gives the same hash, so a team report still groups by project.
    const hash = pushedProject("/home/alice/src/shop-api", "hash");
    expect(hash).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(pushedProject("/Users/bob/work/shop-api", "hash")).toBe(hash);
    expect(hash).not.toContain("shop");
    expect(pushedProject("/home/alice/src/shop-api", "none")).toBeNull();
    expect(pushedProject(null, "name")).toBeNull();
  });

  it("changes the push basis, so records pushed with other settings are pushed again", () => {
    const basis = pushBasis({ logId: "L", user: "alice", project: "name" });
    expect(pushBasis({ logId: "L", user: "alice", project: "hash" })).not.toBe(basis);
    expect(pushBasis({ logId: "L", user: "bob", project: "name" })).not.toBe(basis);
    expect(pushBasis({ logId: "M", user: "alice", project: "name" })).not.toBe(basis);
  });
});

describe("text sent to the server", () => {
  it("has no NUL character, which PostgreSQL refuses in text", () => {
    expect(serverText("claude\0x")).toBe("claude\uFFFDx");
    expect(serverText("claude-sonnet-4-5")).toBe("claude-sonnet-4-5");
    expect(serverText(null)).toBeNull();
    expect(serverText(42)).toBe(42);
  });
});
