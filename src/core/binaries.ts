/**
 * Finding a runtime's executable: an explicit path (`--claude-bin`), then PATH, then quartet's own
 * node_modules/.bin (the pinned versions installed with it).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** quartet's package root: the folder above dist/ or src/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4 && !fs.existsSync(path.join(dir, "package.json")); i++) dir = path.dirname(dir);
  return dir;
}

export interface FoundBinary {
  path: string;
  origin: "explicit" | "PATH" | "quartet's node_modules";
}

export function findBinary(name: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): FoundBinary | undefined {
  if (explicit) return executable(explicit) ? { path: path.resolve(explicit), origin: "explicit" } : undefined;
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (executable(candidate)) return { path: candidate, origin: "PATH" };
  }
  const local = path.join(packageRoot(), "node_modules", ".bin", name);
  return executable(local) ? { path: local, origin: "quartet's node_modules" } : undefined;
}
