/**
 * The session registry: every agent session quartet started, in the shared SQLite database (migration
 * namespace `sessions`), with where it runs (tmux pane, worktree, branch), its runtime session id (the key
 * into the Layer 1 ledger) and its last known state.
 *
 * A session's row outlives its process: `ps` shows ended sessions until their worktree is removed, and the
 * review board reads a task's sessions from here.
 */
import type { Db } from "../core/db.js";
import { migrate, type Migration } from "../core/db.js";
import type { RuntimeId } from "../runtimes/types.js";
import type { SessionState, StateSource } from "./state.js";

const MIGRATIONS: Migration[] = [
  {
    name: "session registry",
    up: `CREATE TABLE agent_session (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      runtime TEXT NOT NULL,
      runtime_session_id TEXT,
      model TEXT,
      prompt TEXT,
      task_id TEXT,
      repo TEXT,
      workdir TEXT NOT NULL,
      in_place INTEGER NOT NULL DEFAULT 0,
      branch TEXT,
      base_branch TEXT,
      base_commit TEXT,
      state_dir TEXT NOT NULL,
      tmux_socket TEXT NOT NULL,
      tmux_session TEXT NOT NULL,
      tmux_pane TEXT,
      created_at INTEGER NOT NULL,
      state TEXT NOT NULL,
      state_since INTEGER NOT NULL,
      state_source TEXT NOT NULL,
      state_detail TEXT,
      events_offset INTEGER NOT NULL DEFAULT 0,
      ended_at INTEGER,
      exit_status INTEGER,
      stopped INTEGER NOT NULL DEFAULT 0,
      discarded INTEGER NOT NULL DEFAULT 0,
      removed_at INTEGER
    );
    CREATE INDEX agent_session_name ON agent_session (name, removed_at);
    CREATE INDEX agent_session_task ON agent_session (task_id);`,
  },
];

export interface SessionRow {
  id: string;
  name: string;
  runtime: RuntimeId;
  runtimeSessionId: string | null;
  model: string | null;
  prompt: string | null;
  taskId: string | null;
  repo: string | null;
  workdir: string;
  inPlace: boolean;
  branch: string | null;
  baseBranch: string | null;
  baseCommit: string | null;
  stateDir: string;
  tmuxSocket: string;
  tmuxSession: string;
  tmuxPane: string | null;
  createdAt: number;
  state: SessionState;
  stateSince: number;
  stateSource: StateSource;
  stateDetail: string | null;
  eventsOffset: number;
  endedAt: number | null;
  exitStatus: number | null;
  stopped: boolean;
  discarded: boolean;
  removedAt: number | null;
}

const COLUMNS: Record<keyof SessionRow, string> = {
  id: "id",
  name: "name",
  runtime: "runtime",
  runtimeSessionId: "runtime_session_id",
  model: "model",
  prompt: "prompt",
  taskId: "task_id",
  repo: "repo",
  workdir: "workdir",
  inPlace: "in_place",
  branch: "branch",
  baseBranch: "base_branch",
  baseCommit: "base_commit",
  stateDir: "state_dir",
  tmuxSocket: "tmux_socket",
  tmuxSession: "tmux_session",
  tmuxPane: "tmux_pane",
  createdAt: "created_at",
  state: "state",
  stateSince: "state_since",
  stateSource: "state_source",
  stateDetail: "state_detail",
  eventsOffset: "events_offset",
  endedAt: "ended_at",
  exitStatus: "exit_status",
  stopped: "stopped",
  discarded: "discarded",
  removedAt: "removed_at",
};
const BOOLEAN = new Set<keyof SessionRow>(["inPlace", "stopped", "discarded"]);

function fromRow(row: Record<string, unknown>): SessionRow {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(COLUMNS)) {
    const v = row[column];
    out[key] = BOOLEAN.has(key as keyof SessionRow) ? v === 1 : v;
  }
  return out as unknown as SessionRow;
}

function toParams(s: Partial<SessionRow>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    const column = COLUMNS[key as keyof SessionRow];
    if (!column) continue;
    out[column] = typeof value === "boolean" ? (value ? 1 : 0) : value;
  }
  return out;
}

export class Registry {
  constructor(readonly db: Db) {
    migrate(db, "sessions", MIGRATIONS);
  }

  insert(s: SessionRow): void {
    const p = toParams(s);
    const cols = Object.keys(p);
    this.db.prepare(`INSERT INTO agent_session (${cols.join(", ")}) VALUES (${cols.map((c) => `@${c}`).join(", ")})`).run(p);
  }

  update(id: string, changes: Partial<SessionRow>): void {
    const p = toParams(changes);
    const cols = Object.keys(p);
    if (cols.length === 0) return;
    this.db.prepare(`UPDATE agent_session SET ${cols.map((c) => `${c} = @${c}`).join(", ")} WHERE id = @__id`).run({ ...p, __id: id });
  }

  delete(id: string): void {
    this.db.prepare("DELETE FROM agent_session WHERE id = ?").run(id);
  }

  /** Sessions whose worktree (or in-place folder) is still theirs: everything `ps` lists. */
  current(): SessionRow[] {
    return (
      this.db.prepare("SELECT * FROM agent_session WHERE removed_at IS NULL ORDER BY created_at").all() as Record<string, unknown>[]
    ).map(fromRow);
  }

  byName(name: string): SessionRow | undefined {
    const row = this.db.prepare("SELECT * FROM agent_session WHERE name = ? AND removed_at IS NULL").get(name) as
      Record<string, unknown> | undefined;
    return row ? fromRow(row) : undefined;
  }

  byTask(taskId: string): SessionRow[] {
    return (
      this.db.prepare("SELECT * FROM agent_session WHERE task_id = ? ORDER BY created_at").all(taskId) as Record<string, unknown>[]
    ).map(fromRow);
  }

  get(id: string): SessionRow | undefined {
    const row = this.db.prepare("SELECT * FROM agent_session WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return row ? fromRow(row) : undefined;
  }
}
