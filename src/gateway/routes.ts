/**
 * Which upstream serves a request: the gateway's routes file (`gateway-routes.jsonc` in quartet's config folder,
 * or `--routes FILE`), read once at start. The first route whose model glob matches the request's `model` wins;
 * any other request (no model, no match, not a Messages call) goes to the default upstream, Anthropic's API
 * unless the file or `--upstream` says otherwise.
 *
 *   { "default": { "baseUrl": "https://api.anthropic.com" },
 *     "routes": [ { "name": "deepseek", "models": ["deepseek-*"], "baseUrl": "https://api.deepseek.com/anthropic",
 *                   "keyEnv": "DEEPSEEK_API_KEY", "auth": "x-api-key" } ] }
 */
import fs from "node:fs";
import path from "node:path";
import * as jsonc from "jsonc-parser";
import { z } from "zod";
import { InputError } from "../core/errors.js";
import { lineAt, parseJsoncTree } from "../core/jsonc-file.js";

export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

/** The name the default upstream goes by in exchanges and errors. */
export const DEFAULT_ROUTE = "default";

const BaseUrl = z
  .string()
  .refine((s) => /^https?:\/\/[^/]/.test(s) && URL.canParse(s), "expected an http:// or https:// URL")
  .refine((s) => !/[?#]/.test(s), "a base URL takes no query or fragment");

const RouteEntry = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, "expected letters, digits, '.', '_' or '-'")
      .refine((s) => s !== DEFAULT_ROUTE, `"${DEFAULT_ROUTE}" names the default upstream`),
    models: z.array(z.string().min(1)).min(1, "expected at least one model glob"),
    baseUrl: BaseUrl,
    /** The environment variable holding this provider's key; without it the client's own credentials are checked and passed on. */
    keyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name")
      .optional(),
    auth: z.enum(["x-api-key", "bearer"]).default("x-api-key"),
  })
  .strict();

export const RoutesFile = z
  .object({
    $schema: z.string().optional(),
    default: z.object({ baseUrl: BaseUrl }).strict().optional(),
    routes: z.array(RouteEntry).default([]),
  })
  .strict();
export type RoutesFile = z.infer<typeof RoutesFile>;

export interface Route {
  name: string;
  /** The upstream's base URL; a path in it (`/anthropic`) is kept before the request's path. */
  baseUrl: URL;
  /** Only on a provider's route: where its key is, and how it is sent. */
  keyEnv?: string;
  auth: "x-api-key" | "bearer";
  isDefault: boolean;
  matches(model: string): boolean;
}

export interface RouteTable {
  /** Where the table came from: the file, or null when there was none. */
  file: string | null;
  default: Route;
  routes: Route[];
}

export function defaultRoutesFile(configDir: string): string {
  return path.join(configDir, "gateway-routes.jsonc");
}

/** The route for a request's model: the first whose glob matches, else the default. */
export function pickRoute(table: RouteTable, model: string | null): Route {
  if (model !== null) for (const r of table.routes) if (r.matches(model)) return r;
  return table.default;
}

/** The upstream URL for a request path (with its query), under the route's base URL. */
export function upstreamUrl(route: Route, requestPath: string): URL {
  const url = new URL(route.baseUrl.href);
  const base = url.pathname.replace(/\/+$/, "");
  const [pathname, query] = splitQuery(requestPath);
  url.pathname = base + (pathname.startsWith("/") ? pathname : `/${pathname}`);
  url.search = query;
  return url;
}

function splitQuery(p: string): [string, string] {
  const q = p.indexOf("?");
  return q < 0 ? [p, ""] : [p.slice(0, q), p.slice(q)];
}

/**
 * The route table from `file` (a missing file is no routes: everything to the default upstream), with
 * `upstream` (`--upstream`) replacing the default's base URL.
 */
export function loadRoutes(options: { file: string; required?: boolean; upstream?: string }): RouteTable {
  let parsed: RoutesFile = { routes: [] };
  let file: string | null = null;
  if (fs.existsSync(options.file)) {
    file = options.file;
    parsed = parseRoutes(fs.readFileSync(file, "utf8"), file);
  } else if (options.required) {
    throw new InputError({ message: "routes file not found", file: options.file });
  }
  if (options.upstream !== undefined) {
    const checked = BaseUrl.safeParse(options.upstream);
    if (!checked.success) throw new InputError({ message: `--upstream: ${checked.error.issues[0]!.message}`, file: "--upstream" });
  }
  const baseUrl = options.upstream ?? parsed.default?.baseUrl ?? ANTHROPIC_BASE_URL;
  return {
    file,
    default: { name: DEFAULT_ROUTE, baseUrl: new URL(baseUrl), auth: "x-api-key", isDefault: true, matches: () => true },
    routes: parsed.routes.map((r) => {
      const pattern = modelGlob(r.models);
      return {
        name: r.name,
        baseUrl: new URL(r.baseUrl),
        keyEnv: r.keyEnv,
        auth: r.auth,
        isDefault: false,
        matches: (m) => pattern.test(m),
      };
    }),
  };
}

/**
 * The model globs as one regular expression. A model id is not a path: `*` matches any characters, "/"
 * included (`moonshotai/kimi-k2`, `qwen/qwen3-coder`), `?` any one character; everything else is literal and
 * case-sensitive, as the providers' model ids are.
 */
export function modelGlob(globs: readonly string[]): RegExp {
  const one = (g: string) => g.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : `\\${c}`));
  return new RegExp(`^(?:${globs.map(one).join("|")})$`);
}

/** Parses and validates a routes file's text: a problem names the file, its line and the field. */
export function parseRoutes(text: string, file: string): RoutesFile {
  const tree = parseJsoncTree(text, file);
  const result = RoutesFile.safeParse(jsonc.getNodeValue(tree));
  if (result.success) {
    const names = new Set<string>();
    result.data.routes.forEach((r, i) => {
      if (names.has(r.name)) fail(tree, text, file, ["routes", i, "name"], `route "${r.name}" is named twice`);
      names.add(r.name);
    });
    return result.data;
  }
  const issue = result.error.issues[0]!;
  const at = issue.path as (string | number)[];
  // An unknown key is reported on the object; point at the key itself, which is where the typo is.
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  return fail(tree, text, file, keys.length > 0 ? [...at, keys[0]!] : at, keys.length > 0 ? "unknown key" : issue.message);
}

function fail(tree: jsonc.Node, text: string, file: string, at: (string | number)[], message: string): never {
  const field = at.length > 0 ? at.join(".") : "(top level)";
  // The deepest node that exists on the path: a missing field is reported where its object is.
  let node: jsonc.Node | undefined;
  for (let n = at.length; n >= 0 && !node; n--) node = jsonc.findNodeAtLocation(tree, at.slice(0, n));
  const keyNode = node?.parent?.type === "property" ? node.parent : node;
  throw new InputError({ message: `${field}: ${message}`, file, line: lineAt(text, keyNode?.offset ?? 0), field });
}
