/**
 * The team ledger's server schema on a real PostgreSQL: migrations apply once, concurrently too, and a
 * server at another version is refused with a message saying what to do.
 */
import { describe, expect, it } from "vitest";
import { migrateServer, requireServerSchema, SERVER_SCHEMA_VERSION, serverSchemaVersion } from "../src/team/schema.js";
import { usePgCluster } from "./pg.js";

const cluster = usePgCluster();

describe("server migrations", () => {
  it("creates the tables once; a second run has nothing to do", async () => {
    const { name } = await cluster().createDatabase();
    const c = await cluster().connect(name);
    try {
      await expect(requireServerSchema(c)).rejects.toThrow(/quartet sync --migrate/);
      expect(await migrateServer(c)).toEqual({ from: 0, to: SERVER_SCHEMA_VERSION });
      expect(await migrateServer(c)).toEqual({ from: SERVER_SCHEMA_VERSION, to: SERVER_SCHEMA_VERSION });
      await requireServerSchema(c);
      const tables = await c.query<{ t: string }>(
        "SELECT table_name AS t FROM information_schema.tables WHERE table_name LIKE 'quartet_%' ORDER BY 1",
      );
      expect(tables.rows.map((r) => r.t)).toEqual(expect.arrayContaining(["quartet_machine", "quartet_migration", "quartet_record"]));
    } finally {
      await c.end();
    }
  });

  it("applies each migration once when many connections migrate at the same instant", async () => {
    const { name } = await cluster().createDatabase();
    const clients = await Promise.all(Array.from({ length: 6 }, () => cluster().connect(name)));
    try {
      const results = await Promise.all(clients.map((c) => migrateServer(c)));
      expect(results.filter((r) => r.from === 0)).toHaveLength(1);
      const rows = await clients[0]!.query("SELECT version FROM quartet_migration ORDER BY version");
      expect(rows.rows.map((r: { version: number }) => r.version)).toEqual(Array.from({ length: SERVER_SCHEMA_VERSION }, (_, i) => i + 1));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it("refuses a server whose schema is newer than this quartet knows", async () => {
    const { name } = await cluster().createDatabase();
    const c = await cluster().connect(name);
    try {
      await migrateServer(c);
      await c.query("INSERT INTO quartet_migration (version, name) VALUES ($1, 'from the future')", [SERVER_SCHEMA_VERSION + 1]);
      expect(await serverSchemaVersion(c)).toBe(SERVER_SCHEMA_VERSION + 1);
      await expect(requireServerSchema(c)).rejects.toThrow(/newer .* upgrade quartet/);
      await expect(migrateServer(c)).rejects.toThrow(/newer .* upgrade quartet/);
    } finally {
      await c.end();
    }
  });
});
