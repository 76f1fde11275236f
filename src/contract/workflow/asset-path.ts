/**
 * Where a ported agent or command file goes below the target runtime's folder for it: where it sat in the
 * source (so nested folders come back as they were and a port back finds the original), else its name
 * as a relative path with nothing that could leave the folder.
 */
import type { Source } from "./ir.js";

export function assetPath(asset: { name: string; source: Source }): string {
  const from = asset.source.path ?? asset.name;
  const parts = from.split(/[\\/]/).filter((p) => p !== "" && p !== "." && p !== "..");
  return parts.length > 0 ? parts.join("/") : "unnamed";
}
