import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { reportFailure } from "./exit.js";

describe("reportFailure", () => {
  afterEach(() => vi.restoreAllMocks());

  it("says what 'database is locked' means: another quartet process holds the database", () => {
    const file = path.join(tempDir(), "quartet.db");
    const holder = new Database(file);
    holder.exec("CREATE TABLE t (x); BEGIN IMMEDIATE");
    const waiter = new Database(file, { timeout: 0 });
    let busy: unknown;
    try {
      waiter.exec("INSERT INTO t VALUES (1)");
    } catch (e) {
      busy = e;
    } finally {
      waiter.close();
      holder.close();
    }
    expect((busy as { code?: string }).code).toBe("SQLITE_BUSY");
    const written: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => written.push(String(chunk)) > 0);
    expect(reportFailure(busy)).toBe(1);
    expect(written.join("")).toContain("the database is busy: another quartet process has been writing to it for over 60 s");
    expect(written.join("")).not.toContain("database is locked");
  });
});
