/**
 * The only credential runtimes ever get from quartet: a dummy key, sent to quartet's own endpoint on
 * loopback. The user's real keys and logins are never read, copied or sent.
 */
import { errorMessage } from "./errors.js";
import { readJsoncFile } from "./jsonc-file.js";

export const LAB_API_KEY = "sk-ant-quartet-lab-dummy-key-not-a-credential";

/** Settings keys that hold or produce credentials, and environment variables that point elsewhere. */
const SECRET_KEY = /(api_?key|token|secret|password|passwd|credential|auth|cookie|bearer|session_?id|private_?key)/i;
const ROUTING_ENV = /^(ANTHROPIC_|CLAUDE_CODE_USE_|AWS_|GOOGLE_|VERTEX_|OPENAI_|AZURE_)/;
/** Strings shaped like a credential wherever they stand: provider key prefixes, JWTs, bearer headers. */
const SECRET_SHAPE =
  /(sk-[A-Za-z0-9_-]{12,}|gh[pousr]_[A-Za-z0-9]{16,}|github_pat_\w{16,}|xox[abprs]-[\w-]{8,}|glpat-[\w-]{16,}|AKIA[0-9A-Z]{16}|AIza[\w-]{30,}|eyJ[\w-]{8,}\.[\w-]{8,}\.|bearer\s+\S{8,}|basic\s+[A-Za-z0-9+/=]{12,})/i;

/** A command-line flag that takes a secret as its next argument. */
const SECRET_FLAG = /^-{1,2}[\w-]*(api[_-]?key|token|secret|password|passwd|auth|credential)[\w-]*$/i;

/**
 * Parts of the user's configuration the lab never copies, whatever they hold: they start servers, run
 * commands or send data on the user's behalf (MCP servers, hooks, status line commands, plugins).
 */
export const LIVE_SETTINGS = ["mcpServers", "enabledMcpjsonServers", "enableAllProjectMcpServers", "hooks", "statusLine", "mcp", "plugin"];

/** Removes the live parts of a settings object (LIVE_SETTINGS), saying what they were. */
export function withoutLiveParts(value: unknown, label: string, notes: string[]): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!LIVE_SETTINGS.includes(k)) {
      out[k] = v;
      continue;
    }
    const names = v !== null && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : [];
    notes.push(
      `${label}: ${k}${names.length > 0 ? ` (${names.join(", ")})` : ""} not copied: the lab starts no server and runs no command of yours`,
    );
  }
  return out;
}

/** Whether a string carries a credential: by its shape, a secret-named URL parameter, or URL credentials. */
function carriesSecret(text: string): boolean {
  if (SECRET_SHAPE.test(text)) return true;
  // ?api_key=…, &token=…, and user:password@ in URLs anywhere in the text.
  if (/[?&][^=&\s]*(api_?key|token|secret|password|auth|key|sig|signature)[^=&\s]*=/i.test(text)) return true;
  if (/\w+:\/\/[^/\s:@]+:[^/\s@]+@/.test(text)) return true;
  // A command line naming a secret: --token X, --api-key=X, -H "Authorization: …".
  return (
    /(^|\s)-{1,2}[\w-]*(api[_-]?key|token|secret|password|passwd|auth|credential)[\w-]*([=\s]|$)/i.test(text) ||
    /authorization\s*:/i.test(text)
  );
}

/**
 * A copy of a settings object without credentials or credential helpers, reporting what was removed: keys
 * named like secrets, routing variables in `env` blocks, and any string that carries a secret (a token's
 * shape, a secret URL parameter, a `--token` argument, a permission rule with a header in it).
 */
export function withoutSecrets(value: unknown, removed: string[] = [], where = ""): unknown {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === "string" && carriesSecret(v)) {
        removed.push(`${where}[${i}]`);
        // `--token VALUE`: the value goes with its flag.
        if (SECRET_FLAG.test(v) && i + 1 < value.length) removed.push(`${where}[${++i}]`);
      } else out.push(withoutSecrets(v, removed, `${where}[${i}]`));
    }
    return out;
  }
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const at = where ? `${where}.${k}` : k;
    if (
      SECRET_KEY.test(k) ||
      /helper$/i.test(k) ||
      (where.endsWith("env") && ROUTING_ENV.test(k)) ||
      (typeof v === "string" && carriesSecret(v))
    ) {
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
  const clean = withoutSecrets(withoutLiveParts(value, label, notes), removed);
  notes.push(`${label}${removed.length > 0 ? ` (without ${removed.join(", ")})` : ""}`);
  return clean;
}
