import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "../../test/helpers.js";
import { sessionSettings } from "../sessions/settings.js";
import { alertChannels } from "./alerts.js";

test("an alert is one stderr line and runs the person's notify command from the sessions' settings, with the alert in its environment", async () => {
  const configDir = tempDir();
  const out = path.join(tempDir(), "alerts.log");
  fs.writeFileSync(
    path.join(configDir, "config.jsonc"),
    JSON.stringify({
      sessions: {
        notify: {
          bell: true,
          desktop: false,
          command: `printf '%s|%s|%s|%s\\n' "$QUARTET_STATE" "$QUARTET_ALERT" "$QUARTET_SESSION" "$QUARTET_DETAIL" >> ${out}`,
        },
      },
    }),
  );
  const lines: string[] = [];
  const alert = alertChannels({
    notify: sessionSettings({ configDir, projectRoot: null }).notify,
    log: (l) => lines.push(l),
    terminal: true,
    env: { PATH: process.env.PATH },
  });
  alert({
    kind: "session-warning",
    message: "session budget: $4.10 of $5.00 spent in session s-1 (80% reached)",
    session: "s-1",
    runtime: null,
  });
  expect(lines).toEqual(["quartet gateway: alert: session budget: $4.10 of $5.00 spent in session s-1 (80% reached)\u0007"]);
  await expect
    .poll(() => (fs.existsSync(out) ? fs.readFileSync(out, "utf8") : ""), { timeout: 5000 })
    .toBe("alert|session-warning|s-1|session budget: $4.10 of $5.00 spent in session s-1 (80% reached)\n");

  // No bell where nobody hears it, and nothing to run without a command.
  const quiet: string[] = [];
  alertChannels({ notify: { bell: true, desktop: false, command: null }, log: (l) => quiet.push(l), terminal: false })({
    kind: "hit-rate",
    message: "claude: cache hit rate 40%",
    session: null,
    runtime: "claude",
  });
  expect(quiet).toEqual(["quartet gateway: alert: claude: cache hit rate 40%"]);
});
