/**
 * Once per `vitest run`: a folder for the generated corpora that end-to-end tests share (test/corpus.ts),
 * removed when the run ends. Nothing is generated here: a run that needs no corpus makes none.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    corporaDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quartet-corpora-"));
  project.provide("corporaDir", dir);
  return () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}
