/**
 * Layer 4's tables in the shared database (migration namespace `review`): tasks, the review comments on
 * their diffs, and which files a reviewer has marked as viewed (by the digest of the file's diff, so a file
 * that changes again is unviewed).
 */
import type { Db } from "../core/db.js";
import { migrate, type Migration } from "../core/db.js";
import { columnOf, fromRow } from "../core/rows.js";

const MIGRATIONS: Migration[] = [
  {
    name: "tasks, comments, viewed files",
    up: `CREATE TABLE task (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      title TEXT NOT NULL,
      body TEXT NOT NULL DEFAULT '',
      status TEXT NOT NULL,
      repo TEXT NOT NULL,
      base_branch TEXT,
      runtime TEXT,
      session_name TEXT,
      conflict TEXT,
      merged_commit TEXT,
      created_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER,
      updated_at INTEGER NOT NULL
    );
    CREATE TABLE review_comment (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      task_id INTEGER NOT NULL REFERENCES task (id),
      path TEXT NOT NULL,
      line INTEGER NOT NULL,
      side TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      sent_at INTEGER
    );
    CREATE TABLE review_viewed (
      task_id INTEGER NOT NULL REFERENCES task (id),
      path TEXT NOT NULL,
      digest TEXT NOT NULL,
      PRIMARY KEY (task_id, path)
    );`,
  },
  {
    name: "what was reviewed",
    up: `ALTER TABLE task ADD COLUMN reviewed_tree TEXT; ALTER TABLE task ADD COLUMN reviewed_head TEXT;`,
  },
  {
    name: "the line each comment quotes",
    up: `ALTER TABLE review_comment ADD COLUMN quote TEXT;`,
  },
];

/** The board's columns, in order. */
export const COLUMNS = ["todo", "running", "needs-input", "exited", "in-review", "done", "discarded"] as const;
export type TaskStatus = (typeof COLUMNS)[number];
export const COLUMN_TITLE: Record<TaskStatus, string> = {
  todo: "Todo",
  running: "Running",
  "needs-input": "Needs input",
  exited: "Exited",
  "in-review": "In review",
  done: "Done",
  discarded: "Discarded",
};

export interface Task {
  id: number;
  title: string;
  body: string;
  status: TaskStatus;
  repo: string;
  baseBranch: string | null;
  runtime: string | null;
  sessionName: string | null;
  /** Files that conflicted on the last approve, newline-separated; null when the last merge went through. */
  conflict: string | null;
  mergedCommit: string | null;
  /**
   * The worktree's whole content (a git tree) as last shown to the reviewer by `quartet review`, and its
   * branch head then: approve merges exactly this, or refuses.
   */
  reviewedTree: string | null;
  reviewedHead: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

export interface Comment {
  id: number;
  taskId: number;
  path: string;
  line: number;
  side: "new" | "old";
  body: string;
  /**
   * The text of the commented line in the version the reviewer was shown, taken when the comment was made: the
   * agent is quoted what the reviewer read, even after its work moved on. Null for a line git could not give.
   */
  quote: string | null;
  createdAt: number;
  sentAt: number | null;
}

export class ReviewStore {
  constructor(readonly db: Db) {
    migrate(db, "review", MIGRATIONS);
  }

  addTask(t: { title: string; body: string; repo: string; baseBranch: string | null }): Task {
    const now = Date.now();
    const r = this.db
      .prepare("INSERT INTO task (title, body, status, repo, base_branch, created_at, updated_at) VALUES (?, ?, 'todo', ?, ?, ?, ?)")
      .run(t.title, t.body, t.repo, t.baseBranch, now, now);
    return this.task(Number(r.lastInsertRowid))!;
  }

  task(id: number): Task | undefined {
    const row = this.db.prepare("SELECT * FROM task WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return row ? fromRow<Task>(row) : undefined;
  }

  tasks(): Task[] {
    return (this.db.prepare("SELECT * FROM task ORDER BY id").all() as Record<string, unknown>[]).map((r) => fromRow<Task>(r));
  }

  updateTask(id: number, changes: Partial<Omit<Task, "id">>): void {
    const entries = Object.entries({ ...changes, updatedAt: Date.now() });
    this.db
      .prepare(`UPDATE task SET ${entries.map(([k]) => `${columnOf(k)} = ?`).join(", ")} WHERE id = ?`)
      .run(...entries.map(([, v]) => v), id);
  }

  /**
   * Moves the task from status `from` to `to`, unless something else moved it meanwhile (a discard or a
   * merge while its diff was being read): returns whether it did.
   */
  moveTask(id: number, from: TaskStatus, to: TaskStatus): boolean {
    return (
      this.db.prepare("UPDATE task SET status = ?, updated_at = ? WHERE id = ? AND status = ?").run(to, Date.now(), id, from).changes > 0
    );
  }

  addComment(c: Omit<Comment, "id" | "createdAt" | "sentAt">): Comment {
    const r = this.db
      .prepare("INSERT INTO review_comment (task_id, path, line, side, body, quote, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(c.taskId, c.path, c.line, c.side, c.body, c.quote, Date.now());
    return fromRow<Comment>(this.db.prepare("SELECT * FROM review_comment WHERE id = ?").get(r.lastInsertRowid) as Record<string, unknown>);
  }

  deleteComment(taskId: number, id: number): boolean {
    return this.db.prepare("DELETE FROM review_comment WHERE id = ? AND task_id = ? AND sent_at IS NULL").run(id, taskId).changes > 0;
  }

  comments(taskId: number): Comment[] {
    return (
      this.db.prepare("SELECT * FROM review_comment WHERE task_id = ? ORDER BY path, line, id").all(taskId) as Record<string, unknown>[]
    ).map((r) => fromRow<Comment>(r));
  }

  markSent(ids: readonly number[]): void {
    const now = Date.now();
    const stmt = this.db.prepare("UPDATE review_comment SET sent_at = ? WHERE id = ?");
    this.db.transaction(() => ids.forEach((id) => stmt.run(now, id)))();
  }

  setViewed(taskId: number, path: string, digest: string | null): void {
    if (digest === null) this.db.prepare("DELETE FROM review_viewed WHERE task_id = ? AND path = ?").run(taskId, path);
    else
      this.db
        .prepare(
          "INSERT INTO review_viewed (task_id, path, digest) VALUES (?, ?, ?) ON CONFLICT (task_id, path) DO UPDATE SET digest = excluded.digest",
        )
        .run(taskId, path, digest);
  }

  viewed(taskId: number): Map<string, string> {
    const rows = this.db.prepare("SELECT path, digest FROM review_viewed WHERE task_id = ?").all(taskId) as {
      path: string;
      digest: string;
    }[];
    return new Map(rows.map((r) => [r.path, r.digest]));
  }
}
