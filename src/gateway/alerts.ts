/**
 * How the gateway tells the person that a budget is crossing or the cache hit rate fell below its floor: one
 * line on the gateway's stderr, a bell on its terminal, a desktop notification and the person's own command,
 * through the same `sessions.notify` settings that say how a session waiting for its person is announced
 * (sessions/settings.ts), so one setting covers both. Deciding when to alert (once per budget per day or
 * session) is budget.ts's; this module only delivers.
 *
 * The command runs detached, with the alert in QUARTET_ALERT (its kind), QUARTET_DETAIL (the message),
 * QUARTET_SESSION and QUARTET_RUNTIME (empty when the alert is not about one), and QUARTET_STATE=alert.
 */
import { spawn } from "node:child_process";
import { terminalSafe } from "../core/output.js";
import type { SessionSettings } from "../sessions/settings.js";
import { outsideLines } from "../sessions/scripts.js";

export interface GatewayAlert {
  /** `daily-warning`, `daily-limit`, `session-warning`, `session-limit`, `hit-rate`. */
  kind: string;
  message: string;
  session: string | null;
  runtime: string | null;
}

export type AlertSink = (alert: GatewayAlert) => void;

export function alertChannels(o: {
  notify: SessionSettings["notify"];
  /** One line per alert; the gateway's stderr by default. */
  log?: (line: string) => void;
  /** Whether the bell can be heard: the gateway's stderr is a terminal. */
  terminal?: boolean;
  env?: NodeJS.ProcessEnv;
}): AlertSink {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const terminal = o.terminal ?? process.stderr.isTTY === true;
  const script = outsideLines({ title: "quartet gateway", notify: o.notify }).join("\n");
  return (alert) => {
    // The message names a session id from a request header: never let it drive the terminal.
    log(`quartet gateway: alert: ${terminalSafe(alert.message)}${o.notify.bell && terminal ? "\u0007" : ""}`);
    if (script === "") return;
    const child = spawn("sh", ["-c", script], {
      detached: true,
      stdio: "ignore",
      env: {
        ...(o.env ?? process.env),
        QUARTET_STATE: "alert",
        QUARTET_ALERT: alert.kind,
        QUARTET_DETAIL: alert.message,
        QUARTET_SESSION: alert.session ?? "",
        QUARTET_RUNTIME: alert.runtime ?? "",
      },
    });
    // sh missing: the stderr line above is the alert that still reaches the person.
    child.on("error", () => undefined);
    child.unref();
  };
}
