/**
 * Claude Code through quartet's gateway: `ANTHROPIC_BASE_URL` sends its Messages API requests there (its
 * credentials, an API key or the subscription's login, go with them; the gateway passes them only to
 * Anthropic). Its requests name it in their user-agent: `claude-cli/2.1.197 (external, sdk-cli)`.
 */
import type { GatewayClient } from "../types.js";

export const claudeGateway: GatewayClient = {
  supported: true,
  userAgent: /^claude-cli\//,
  env: ({ url }) => ({ ANTHROPIC_BASE_URL: url }),
};
