/**
 * The only credential runtimes ever get from quartet: a dummy key, sent to quartet's own endpoint on
 * loopback. The user's real keys and logins are never read, copied or sent.
 */
import { errorMessage } from "./errors.js";
import { readJsoncFile } from "./jsonc-file.js";

export const LAB_API_KEY = "sk-ant-quartet-lab-dummy-key-not-a-credential";

/** Settings keys that hold or produce credentials, and environment variables that point elsewhere. */
const SECRET_KEY = /(api_?key|token|secret|password|passwd|credential|auth|cookie)/i;
const ROUTING_ENV = /^(ANTHROPIC_|CLAUDE_CODE_USE_|AWS_|GOOGLE_|VERTEX_|OPENAI_|AZURE_)/;

/** A copy of a settings object without credentials or credential helpers, reporting what was removed. */
export function withoutSecrets(value: unknown, removed: string[] = [], where = ""): unknown {
  if (Array.isArray(value)) return value.map((v, i) => withoutSecrets(v, removed, `${where}[${i}]`));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const at = where ? `${where}.${k}` : k;
    if (SECRET_KEY.test(k) || /helper$/i.test(k) || (where.endsWith("env") && ROUTING_ENV.test(k))) {
      removed.push(at);
      continue;
    }
    out[k] = withoutSecrets(v, removed, at);
  }
  return out;
}

/**
 * The user's settings file (or the part `pick` selects) with credentials removed, or undefined when it is
 * invalid or `pick` finds nothing; `notes` says what was copied and what was not, so a broken file costs the
 * run that file, not the run.
 */
export function userSettingsWithoutSecrets(
  file: string,
  label: string,
  notes: string[],
  pick: (value: unknown) => unknown = (v) => v,
): unknown {
  let value: unknown;
  try {
    value = pick(readJsoncFile(file));
  } catch (e) {
    notes.push(`${label} not copied: ${errorMessage(e)}`);
    return undefined;
  }
  if (value === undefined) return undefined;
  const removed: string[] = [];
  const clean = withoutSecrets(value, removed);
  notes.push(`${label}${removed.length > 0 ? ` (without ${removed.join(", ")})` : ""}`);
  return clean;
}
