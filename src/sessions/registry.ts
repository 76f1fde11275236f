/**
 * The session registry: every agent session quartet started, in the shared SQLite database (migration
 * namespace `sessions`), with where it runs (tmux pane, worktree, branch), its runtime session id (the key
 * into the Layer 1 ledger) and its last known state.
 *
 * A session's row outlives its process: `ps` shows ended sessions until their worktree is removed, and the
 * review board reads a task's sessions from here.
 */
import type { Db } from "../core/db.js";
import { isBusy, migrate, withBusyTimeout, type Migration } from "../core/db.js";
import { fromRow, toColumns } from "../core/rows.js";
import type { RuntimeId } from "../runtimes/types.js";
import type { SessionState } from "../contract/session-state.js";
import type { StateSource } from "./state.js";

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
  {
    name: "sessions through the gateway",
    up: "ALTER TABLE agent_session ADD COLUMN gateway INTEGER NOT NULL DEFAULT 0",
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
  /** Started through quartet's gateway: a relaunch points it at the gateway running then. */
  gateway: boolean;
}

const BOOLEAN: (keyof SessionRow)[] = ["inPlace", "stopped", "discarded", "gateway"];
const fromSessionRow = (row: Record<string, unknown>) => fromRow<SessionRow>(row, BOOLEAN);

/**
 * How long looking at sessions (`ps`, the board) waits for another process's write before going on without
 * writing: a first ingest of very large logs holds the database's write lock for as long as it reads.
 */
const LOOK_WAIT_MS = 2000;
/** After such a wait, what is observed is not saved for this long: one wait per look, not one per session. */
const LOOK_DEFER_MS = 10_000;

export class Registry {
  /** The tables are known to be up to date. */
  private ready = false;
  private deferSavesUntil = 0;

  constructor(readonly db: Db) {
    this.prepare();
  }

  /**
   * Brings the tables up to date, waiting briefly for the write lock that needs. A new database whose tables
   * cannot be made now (another process holds the lock) has no sessions to read: reads return none, and a
   * write waits for the lock as long as any statement does.
   */
  private prepare(): boolean {
    if (this.ready) return true;
    try {
      withBusyTimeout(this.db, LOOK_WAIT_MS, () => migrate(this.db, "sessions", MIGRATIONS));
    } catch (e) {
      if (!isBusy(e)) throw e;
      const exists = this.db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'agent_session'").get();
      if (!exists) return false;
      // Tables of an older quartet cannot be read as they are.
      migrate(this.db, "sessions", MIGRATIONS);
    }
    return (this.ready = true);
  }

  private writable(): void {
    if (!this.prepare()) migrate(this.db, "sessions", MIGRATIONS);
    this.ready = true;
  }

  insert(s: SessionRow): void {
    this.writable();
    const p = toColumns(s);
    const cols = Object.keys(p);
    this.db.prepare(`INSERT INTO agent_session (${cols.join(", ")}) VALUES (${cols.map((c) => `@${c}`).join(", ")})`).run(p);
  }

  update(id: string, changes: Partial<SessionRow>): void {
    this.writable();
    const p = toColumns(changes);
    const cols = Object.keys(p);
    if (cols.length === 0) return;
    this.db.prepare(`UPDATE agent_session SET ${cols.map((c) => `${c} = @${c}`).join(", ")} WHERE id = @__id`).run({ ...p, __id: id });
  }

  /**
   * Saves what a look at a session observed (its state, how far its events were read), unless another process
   * has held the write lock for LOOK_WAIT_MS: then the look goes on without saving. The next look reads the same
   * events from the saved offset again and comes to the same state; what only the pane showed (an exit status)
   * is seen again only while the pane is there.
   */
  saveObserved(id: string, changes: Partial<SessionRow>): void {
    if (Date.now() < this.deferSavesUntil) return;
    try {
      withBusyTimeout(this.db, LOOK_WAIT_MS, () => this.update(id, changes));
    } catch (e) {
      if (!isBusy(e)) throw e;
      this.deferSavesUntil = Date.now() + LOOK_DEFER_MS;
    }
  }

  delete(id: string): void {
    this.writable();
    this.db.prepare("DELETE FROM agent_session WHERE id = ?").run(id);
  }

  /** Sessions whose worktree (or in-place folder) is still theirs: everything `ps` lists. */
  current(): SessionRow[] {
    if (!this.prepare()) return [];
    return (
      this.db.prepare("SELECT * FROM agent_session WHERE removed_at IS NULL ORDER BY created_at").all() as Record<string, unknown>[]
    ).map(fromSessionRow);
  }

  byName(name: string): SessionRow | undefined {
    if (!this.prepare()) return undefined;
    const row = this.db.prepare("SELECT * FROM agent_session WHERE name = ? AND removed_at IS NULL").get(name) as
      Record<string, unknown> | undefined;
    return row ? fromSessionRow(row) : undefined;
  }

  byTask(taskId: string): SessionRow[] {
    if (!this.prepare()) return [];
    return (
      this.db.prepare("SELECT * FROM agent_session WHERE task_id = ? ORDER BY created_at").all(taskId) as Record<string, unknown>[]
    ).map(fromSessionRow);
  }
}
