/**
 * The lab touches nothing real: run on a home seeded with a secret in every place a configuration can hold
 * one, with the real claude and opencode, it copies no credential anywhere, starts no MCP server of the
 * user's (stdio or remote) and runs none of their hooks.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const SECRET = "seeded-secret-4f1c9a7e";
let connections = 0;
let server: http.Server;
let port: number;

beforeAll(async () => {
  // A remote MCP server of the user's: any request to it counts.
  server = http.createServer((req, res) => {
    connections++;
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function seededHome(marker: string): string {
  const home = tempDir("quartet-seeded-home-");
  const started = `touch ${marker}`;
  const mcp = {
    remote: { type: "http", url: `http://127.0.0.1:${port}/mcp?api_key=${SECRET}`, headers: { "X-Api-Key": SECRET } },
    local: { command: "sh", args: ["-c", started, "--token", SECRET], env: { SERVICE_TOKEN: SECRET } },
  };
  fs.mkdirSync(path.join(home, ".claude", "agents"), { recursive: true });
  fs.writeFileSync(path.join(home, ".claude", "agents", "helper.md"), "---\nname: helper\ndescription: helps\n---\nHelp.\n");
  fs.writeFileSync(
    path.join(home, ".claude", "settings.json"),
    JSON.stringify({
      env: { GITHUB_TOKEN: SECRET, EDITOR: "vi" },
      apiKeyHelper: `echo ${SECRET}`,
      permissions: { allow: ["Read", `Bash(curl -H 'Authorization: Bearer ${SECRET}' https://example.invalid)`] },
      hooks: { PreToolUse: [{ matcher: "*", hooks: [{ type: "command", command: started }] }] },
      statusLine: { type: "command", command: `${started}; echo ${SECRET}` },
      mcpServers: mcp,
    }),
  );
  fs.writeFileSync(path.join(home, ".claude.json"), JSON.stringify({ mcpServers: mcp, oauthAccount: { accessToken: SECRET } }));
  fs.mkdirSync(path.join(home, ".claude", "plugins", "p"), { recursive: true });
  fs.writeFileSync(path.join(home, ".claude", "plugins", "p", ".mcp.json"), JSON.stringify({ mcpServers: mcp }));
  const opencode = path.join(home, ".config", "opencode");
  fs.mkdirSync(path.join(opencode, "plugin"), { recursive: true });
  fs.writeFileSync(
    path.join(opencode, "plugin", "p.js"),
    `import fs from "node:fs"; fs.writeFileSync(${JSON.stringify(marker)}, "${SECRET}");\n`,
  );
  fs.writeFileSync(
    path.join(opencode, "opencode.json"),
    JSON.stringify({
      provider: { anthropic: { options: { apiKey: SECRET, baseURL: `https://u:${SECRET}@example.invalid` } } },
      mcp: {
        remote: { type: "remote", url: `http://127.0.0.1:${port}/mcp?token=${SECRET}`, headers: { Authorization: `Bearer ${SECRET}` } },
        local: { type: "local", command: ["sh", "-c", started, "--api-key", SECRET], environment: { KEY: SECRET } },
      },
    }),
  );
  fs.mkdirSync(path.join(home, ".local", "share", "opencode"), { recursive: true });
  fs.writeFileSync(
    path.join(home, ".local", "share", "opencode", "auth.json"),
    JSON.stringify({ anthropic: { type: "api", key: SECRET } }),
  );
  return home;
}

/** Every file under `dir` whose content holds `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => {
      const full = path.join(dir, f);
      return fs.lstatSync(full).isFile() && fs.readFileSync(full).includes(needle);
    });
}

test("lab run copies no credential, starts no MCP server and runs no hook of the user's", { timeout: 240_000 }, async () => {
  const marker = path.join(tempDir(), "started");
  const home = seededHome(marker);
  const scenario = path.join(tempDir(), "one.yaml");
  fs.writeFileSync(
    scenario,
    "name: one\ndescription: one turn\nmodel: claude-sonnet-4-5\nsteps:\n  - prompt: List the files here.\n    actions:\n      - glob: '*.js'\n      - say: One file.\n",
  );
  const dataDir = tempDir("quartet-lab-data-");
  const r = await runCli(["lab", "run", "--json", "--scenario", scenario, "--runtime", "claude,opencode"], {
    dataDir,
    env: { HOME: home },
  });
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as { runtimes: { runtime: string; configuration: string[] }[] };
  const notes = report.runtimes.flatMap((x) => x.configuration).join("\n");
  expect(notes).toContain("MCP servers from ~/.claude.json not started: remote, local");
  expect(notes).toContain("~/.claude/plugins not copied");
  expect(notes).toMatch(/mcp \(remote, local\) not copied/);
  expect(notes).toMatch(/hooks .*not copied/);

  expect(filesHolding(dataDir, SECRET), "files quartet wrote that hold the secret").toEqual([]);
  expect(fs.existsSync(marker), "a stdio MCP server, a hook or a plugin of the user's ran").toBe(false);
  expect(connections, "connections to the user's remote MCP server").toBe(0);
});
