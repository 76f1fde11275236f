/**
 * How sessions are set up and how quartet tells the person that one needs them: the `sessions` section of
 * the user's `config.jsonc` (quartet's config folder), overridden key by key by the project's
 * `.quartet/config.jsonc`.
 *
 *   "sessions": {
 *     "setup": "npm ci",                  // run in each new worktree before the agent starts
 *     "notify": { "bell": true, "desktop": true, "command": "say 'agent needs you'" }
 *   }
 */
import { z } from "zod";
import { readConfigSection, readProjectSection, userConfigFile } from "../core/project-config.js";

const SessionsConfig = z
  .object({
    setup: z.string().min(1).optional(),
    notify: z
      .object({
        bell: z.boolean().optional(),
        desktop: z.boolean().optional(),
        command: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export interface SessionSettings {
  setup: string | null;
  notify: { bell: boolean; desktop: boolean; command: string | null };
}

export function sessionSettings(o: { configDir: string; projectRoot: string | null }): SessionSettings {
  const user = readConfigSection(userConfigFile(o.configDir), "sessions", SessionsConfig);
  const project = o.projectRoot ? readProjectSection(o.projectRoot, "sessions", SessionsConfig) : undefined;
  const notify = { ...user?.notify, ...project?.notify };
  return {
    setup: project?.setup ?? user?.setup ?? null,
    notify: { bell: notify.bell ?? true, desktop: notify.desktop ?? true, command: notify.command ?? null },
  };
}
