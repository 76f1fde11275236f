/**
 * OpenCode through quartet's gateway: its `anthropic` provider's `baseURL`, set in the inline config
 * (`OPENCODE_CONFIG_CONTENT`), which OpenCode merges over the user's and the project's config files, so their
 * provider settings (the key among them) still apply. Its requests name it in their user-agent:
 * `opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14`.
 */
import type { GatewayClient } from "../types.js";

/** The inline config the environment already holds (the user's, or a session's plugin); {} when none or not JSON. */
export function inlineConfig(env: NodeJS.ProcessEnv): Record<string, unknown> {
  try {
    const value: unknown = env.OPENCODE_CONFIG_CONTENT ? JSON.parse(env.OPENCODE_CONFIG_CONTENT) : {};
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {}; // OpenCode would reject it too: replaced rather than passed on broken.
  }
}

function objectAt(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const found = value[key];
  return found && typeof found === "object" && !Array.isArray(found) ? (found as Record<string, unknown>) : {};
}

export const opencodeGateway: GatewayClient = {
  supported: true,
  userAgent: /^opencode\//,
  env({ url, env }) {
    const inline = inlineConfig(env);
    const providers = objectAt(inline, "provider");
    const anthropic = objectAt(providers, "anthropic");
    const options = { ...objectAt(anthropic, "options"), baseURL: `${url}/v1` };
    const config = { ...inline, provider: { ...providers, anthropic: { ...anthropic, options } } };
    return { OPENCODE_CONFIG_CONTENT: JSON.stringify(config) };
  },
};
