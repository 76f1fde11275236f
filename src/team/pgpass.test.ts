import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lookupPassword } from "./pgpass.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function passFile(text: string, mode = 0o600): NodeJS.ProcessEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quartet-pgpass-"));
  dirs.push(dir);
  const file = path.join(dir, "pgpass");
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return { PGPASSFILE: file };
}

const target = { host: "db.example.com", port: 5432, database: "quartet", user: "alice" };

describe("the password for a connection", () => {
  it("takes the first matching line of the password file, with wildcards and escapes", () => {
    const env = passFile(
      ["# team server", "other.host:5432:*:alice:nope", "db.example.com:*:quartet:alice:pa\\:ss\\\\word", "*:*:*:*:fallback"].join("\n"),
    );
    expect(lookupPassword(target, env)).toBe("pa:ss\\word");
    expect(lookupPassword({ ...target, user: "bob" }, env)).toBe("fallback");
    expect(lookupPassword({ ...target, host: "/run/postgresql" }, passFile("localhost:5432:quartet:alice:sock\n"))).toBe("sock");
  });

  it("prefers PGPASSWORD, and ignores a password file others can read", () => {
    expect(lookupPassword(target, { ...passFile("*:*:*:*:fromfile\n"), PGPASSWORD: "fromenv" })).toBe("fromenv");
    expect(lookupPassword(target, passFile("*:*:*:*:fromfile\n", 0o644))).toBeUndefined();
    expect(lookupPassword(target, { PGPASSFILE: "/nonexistent/pgpass" })).toBeUndefined();
  });
});
