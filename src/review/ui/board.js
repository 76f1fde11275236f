// The review board's page: the board of tasks and the review of one task's diff. Served as is (no build
// step, no framework); every text from the server is set with textContent, never as HTML, except the diff,
// which diff2html rendered and escaped on the server.
"use strict";
(() => {
  const csrf = document.querySelector('meta[name="quartet-csrf"]').content;
  // The runtimes a task can be started with, as the server's registry has them.
  const runtimes = document.querySelector('meta[name="quartet-runtimes"]').content.split(" ").filter(Boolean);
  const app = document.getElementById("app");
  const crumbs = document.getElementById("crumbs");
  const live = document.getElementById("live");
  let board = null;
  let selected = null; // id of the selected card on the board
  let detail = null; // the open task's detail
  let fileIndex = 0;
  // What the person chose on a to-do card (runtime, gateway) before pressing Start: the board is drawn again at
  // every live update, and a fresh card must not quietly start the agent another way than the one chosen.
  const startChoices = new Map();

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat())
      if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  async function api(method, url, body) {
    const res = await fetch(url, {
      method,
      headers: { "content-type": "application/json", "x-quartet-csrf": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(data.error || `HTTP ${res.status}`), { data: data.data });
    return data;
  }

  function flash(message, kind = "error") {
    const box = el("div", { class: `flash ${kind}`, role: "alert", text: message });
    document.body.append(box);
    setTimeout(() => box.remove(), 8000);
  }

  const money = (v) => (v === null || v === undefined ? "unknown" : `$${v.toFixed(2)}`);
  const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);
  const tokens = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));
  function duration(ms) {
    if (ms === null || ms === undefined) return "";
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    return m < 60 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
  }

  function costLine(t) {
    const parts = [];
    if (t.runtime) parts.push(el("span", { class: "runtime", text: t.runtime }));
    if (t.elapsedMs !== null) parts.push(el("span", { title: "elapsed", text: duration(t.elapsedMs) }));
    if (t.cost) {
      parts.push(el("span", { title: "tokens", text: `${tokens(t.cost.tokens)} tok` }));
      parts.push(el("span", { class: "cost", title: "cost", text: money(t.cost.costUsd) }));
      parts.push(el("span", { title: "cache hit rate", text: `${pct(t.cost.cacheHitRate)} cache` }));
      parts.push(
        el("span", { title: "cache tax: paid because a cached prefix was written again", text: `tax ${money(t.cost.cacheTaxUsd)}` }),
      );
    }
    return el("div", { class: "figures" }, parts);
  }

  // The task's cache breaks, marked as `quartet cache <session>` marks them: [gateway] with the block and the
  // diff where the gateway saw the request, [log] where the cause is the logs' inference.
  function cacheBreaks(list) {
    if (!list || list.length === 0) return null;
    return el(
      "div",
      { class: "cache-breaks" },
      el("h3", { text: `Cache breaks (${list.length})` }),
      el(
        "ul",
        {},
        list.map((b) =>
          el(
            "li",
            { class: `break-${b.source}` },
            el("span", { class: "when", text: new Date(b.ts).toISOString().slice(11, 19) }),
            " ",
            el("span", { class: "what", text: b.text }),
            b.taxUsd ? el("span", { class: "tax", text: ` tax ${money(b.taxUsd)}` }) : null,
            b.excerpt ? el("pre", { class: "excerpt", text: b.excerpt }) : null,
          ),
        ),
      ),
    );
  }

  /** The new-task form, made once: drawing the board again keeps what is being typed in it, and its focus. */
  const newTaskForm = el(
    "form",
    {
      class: "new-task",
      onsubmit: async (e) => {
        e.preventDefault();
        const title = newTaskForm.elements.title.value.trim();
        if (!title) return;
        try {
          await api("POST", "/api/tasks", { title, body: newTaskForm.elements.body.value });
          newTaskForm.reset();
          await loadBoard();
        } catch (err) {
          flash(err.message);
        }
      },
    },
    el("input", { name: "title", placeholder: "New task title (n)", "aria-label": "task title" }),
    el("input", { name: "body", placeholder: "Details for the agent (optional)", "aria-label": "task details" }),
    el("button", { type: "submit", text: "Add task" }),
  );
  const boardColumns = el("div", { class: "board" });

  function renderBoard() {
    crumbs.replaceChildren(el("span", { text: "Board" }));
    if (!board) return;
    const cards = board.columns.flatMap((c) => c.tasks);
    if (selected === null && cards.length > 0) selected = cards[0].id;
    for (const id of startChoices.keys()) if (!cards.some((t) => t.id === id && t.status === "todo")) startChoices.delete(id);
    const columns = board.columns.map((c) =>
      el(
        "section",
        { class: `column col-${c.id}`, "data-column": c.id },
        el("h2", {}, c.title, el("span", { class: "count", text: String(c.tasks.length) })),
        c.tasks.map((t) => card(t)),
      ),
    );
    // Focus on a card, or on a to-do card's control, goes with the old card: it is given back to the new one.
    const focused = boardColumns.contains(document.activeElement) ? document.activeElement : null;
    const focusedTask = focused?.closest("[data-task]")?.dataset.task;
    const control = ["select", "input"].find((tag) => focused?.matches(`.start ${tag}`));
    boardColumns.replaceChildren(...columns);
    if (newTaskForm.parentNode !== app || boardColumns.parentNode !== app) app.replaceChildren(newTaskForm, boardColumns);
    if (focusedTask) {
      const again = boardColumns.querySelector(`[data-task="${focusedTask}"]`);
      (control ? again?.querySelector(`.start ${control}`) : again)?.focus();
    }
  }

  function card(t) {
    const chosen = startChoices.get(t.id) ?? {};
    const remember = () => startChoices.set(t.id, { runtime: picker.value, gateway: gateway.checked });
    const picker =
      t.status === "todo"
        ? el(
            "select",
            { "aria-label": "runtime", onclick: (e) => e.stopPropagation(), onchange: remember },
            runtimes.map((r) => el("option", { value: r, text: r, selected: r === chosen.runtime })),
          )
        : null;
    // Its requests through the running `quartet gateway` (recorded, diagnosed, held to the budgets).
    const gateway =
      t.status === "todo"
        ? el("input", { type: "checkbox", checked: chosen.gateway === true, onclick: (e) => e.stopPropagation(), onchange: remember })
        : null;
    const start =
      t.status === "todo"
        ? el(
            "div",
            { class: "start" },
            picker,
            el(
              "label",
              {
                class: "gateway",
                title: "send its model requests through the running quartet gateway",
                onclick: (e) => e.stopPropagation(),
              },
              gateway,
              " gateway",
            ),
            el("button", {
              text: "Start",
              onclick: async (e) => {
                e.stopPropagation();
                e.target.disabled = true;
                try {
                  await api("POST", `/api/tasks/${t.id}/start`, { runtime: picker.value, gateway: gateway.checked });
                  await loadBoard();
                } catch (err) {
                  flash(err.message);
                  e.target.disabled = false;
                }
              },
            }),
          )
        : null;
    const restart =
      t.status === "exited"
        ? el(
            "div",
            { class: "start" },
            el("button", {
              text: "Restart",
              title: "start the agent again in its worktree, on its conversation",
              onclick: async (e) => {
                e.stopPropagation();
                e.target.disabled = true;
                try {
                  await api("POST", `/api/tasks/${t.id}/start`, { runtime: t.runtime });
                  await loadBoard();
                } catch (err) {
                  flash(err.message);
                  e.target.disabled = false;
                }
              },
            }),
            el("button", {
              class: "danger",
              text: "Discard",
              onclick: async (e) => {
                e.stopPropagation();
                if (!confirm(`Discard task #${t.id} and delete its branch?`)) return;
                try {
                  await api("POST", `/api/tasks/${t.id}/discard`, {});
                  await loadBoard();
                } catch (err) {
                  flash(err.message);
                }
              },
            }),
          )
        : null;
    const changes = t.changes
      ? el("div", {
          class: "changes",
          text: `+${t.changes.additions} −${t.changes.deletions} in ${t.changes.files} file${t.changes.files === 1 ? "" : "s"}`,
        })
      : null;
    return el(
      "article",
      {
        class: `card${selected === t.id ? " selected" : ""}`,
        tabindex: 0,
        "data-task": t.id,
        onclick: () => open(t.id),
        onfocus: () => (selected = t.id),
      },
      el("div", { class: "title" }, el("span", { class: "id", text: `#${t.id}` }), " ", t.title),
      t.state ? el("div", { class: `state state-${t.state}`, text: t.state }) : null,
      t.conflict ? el("div", { class: "conflict-tag", text: "merge conflict" }) : null,
      changes,
      costLine(t),
      start,
      restart,
    );
  }

  async function loadBoard() {
    board = await api("GET", "/api/board");
    if (!location.hash.startsWith("#/task/")) renderBoard();
  }

  function open(id) {
    location.hash = `#/task/${id}`;
  }

  /**
   * Loads the task. `newDiff` is true when the person opens the task or asks for the new diff; a refresh
   * because the task's state moved keeps the diff on screen (see takeDetail).
   */
  async function loadTask(id, newDiff = true) {
    const loaded = await api("GET", `/api/tasks/${id}`);
    // The person may have moved on while the diff was read: a late answer must not replace their page.
    if (location.hash !== `#/task/${id}` && !location.hash.startsWith(`#/task/${id}/`)) return;
    takeDetail(loaded, newDiff);
  }

  /**
   * Shows a fresh copy of the task from the server. The diff on screen is what approve merges and what the
   * viewed marks are about: when the work changed since it was shown, the page keeps it, takes everything
   * else (state, comments, cost) and says that the work changed, unless the person asked for the new diff.
   */
  function takeDetail(loaded, newDiff) {
    const shown = detail && detail.task.id === loaded.task.id ? detail : null;
    if (!newDiff && shown && shown.task.tree && loaded.task.tree !== shown.task.tree) {
      // The marks are of versions: a file ticked on this page is ticked for the version it shows.
      detail = {
        ...loaded,
        files: shown.files.map((f) => ({ ...f, viewed: loaded.viewedDigests[f.path] === f.digest })),
        changed: true,
        task: { ...loaded.task, tree: shown.task.tree, changes: shown.task.changes },
      };
    } else detail = loaded;
    renderTask();
  }

  function renderTask() {
    const d = detail;
    const t = d.task;
    crumbs.replaceChildren(el("a", { href: "#/", text: "Board" }), " / ", el("span", { text: `#${t.id} ${t.title}` }));
    const open = d.comments.filter((c) => c.sentAt === null);
    const actions = el(
      "div",
      { class: "actions" },
      el("button", {
        class: "primary",
        text: `Request changes${open.length ? ` (${open.length})` : ""}`,
        disabled: !d.session,
        onclick: () => act("request-changes", { message: document.getElementById("message").value }),
      }),
      el(
        "select",
        { id: "strategy", "aria-label": "merge strategy" },
        el("option", { value: "", text: "merge (config)" }),
        el("option", { value: "merge", text: "merge commit" }),
        el("option", { value: "squash", text: "squash" }),
      ),
      el("button", {
        class: "approve",
        text: "Approve and merge",
        disabled: t.status === "done" || t.status === "discarded",
        onclick: () => approve(false),
      }),
      el("button", {
        class: "danger",
        text: "Discard",
        disabled: t.status === "done" || t.status === "discarded",
        onclick: () => confirm(`Discard task #${t.id} and delete its branch?`) && act("discard", {}),
      }),
    );
    const ask =
      d.session && d.session.ask
        ? el(
            "div",
            { class: "ask", role: "alert" },
            el("strong", { text: `The agent asks${d.session.ask.tool ? ` (${d.session.ask.tool})` : ""}:` }),
            el("pre", { text: d.session.ask.screen || "(its screen is empty)" }),
            d.session.ask.answerable
              ? el(
                  "div",
                  { class: "answers" },
                  el("button", { class: "primary", text: "Allow once", onclick: () => act("answer", { answer: "allow" }) }),
                  el("button", { class: "danger", text: "Deny", onclick: () => act("answer", { answer: "deny" }) }),
                )
              : el("p", { text: `Answer it in its pane: quartet attach ${d.session.name}` }),
          )
        : null;
    const conflict = t.conflict
      ? el(
          "div",
          { class: "conflict", role: "alert" },
          el("strong", { text: `Merge conflict with ${t.baseBranch}: ` }),
          t.conflict.join(", "),
          " — nothing was merged. ",
          el("button", { text: "Ask agent to rebase", onclick: () => act("rebase", {}) }),
        )
      : null;
    const files = el(
      "ul",
      { class: "files" },
      d.files.map((f, i) =>
        el(
          "li",
          { class: `${f.viewed ? "viewed" : ""}${i === fileIndex ? " current" : ""}` },
          el("a", { href: `#file-${i}`, text: f.path, onclick: () => (fileIndex = i) }),
          el("span", { class: "stat", text: ` +${f.additions} −${f.deletions}` }),
          f.viewed ? el("span", { class: "tick", text: " ✓" }) : null,
        ),
      ),
    );
    const diffs = d.files.map((f, i) => fileDiff(f, i, d.comments));
    app.replaceChildren(
      el(
        "div",
        { class: "review" },
        el(
          "aside",
          {},
          el("h2", { text: `#${t.id} ${t.title}` }),
          t.body ? el("p", { class: "body", text: t.body }) : null,
          el("div", { class: `state state-${t.state ?? t.status}`, text: `${t.status}${t.state ? ` · session ${t.state}` : ""}` }),
          costLine(t),
          cacheBreaks(d.cacheBreaks),
          d.session ? el("div", { class: "branch", text: `${d.session.branch ?? ""}` }) : null,
          el("h3", { text: `Files (${d.files.length})` }),
          files,
          el("textarea", { id: "message", placeholder: "A message to send with the comments (optional)", rows: 3 }),
          ask,
          actions,
          conflict,
        ),
        el("section", { class: "diffs" }, d.files.length ? diffs : el("p", { class: "empty", text: "No changes yet." })),
      ),
    );
    if (d.changed) showChanged();
  }

  function fileDiff(f, i, comments) {
    const box = el("div", { class: "file", id: `file-${i}`, "data-path": f.path });
    if (f.large && !f.html) {
      // Like a code host: a large change is a summary until asked for.
      box.append(
        el(
          "div",
          { class: "large" },
          el("strong", { text: f.path }),
          ` — a large change (+${f.additions} −${f.deletions}) is not shown at once. `,
          el("button", {
            text: "Load anyway",
            onclick: async (e) => {
              e.target.disabled = true;
              try {
                const shownTree = encodeURIComponent(detail.task.tree ?? "");
                const d = await api("GET", `/api/tasks/${detail.task.id}/diff?path=${encodeURIComponent(f.path)}&tree=${shownTree}`);
                const loaded = fileDiff({ ...f, large: false, html: d.html }, i, comments);
                if (d.truncated) loaded.prepend(el("p", { class: "large", text: "Only the start of this change is shown (16 MB)." }));
                box.replaceWith(loaded);
              } catch (err) {
                flash(err.message);
                if (err.data && err.data.tree) showChanged();
                e.target.disabled = false;
              }
            },
          }),
        ),
      );
      return box;
    }
    // diff2html's HTML, rendered and escaped on the server.
    box.innerHTML = f.html;
    const toggle = box.querySelector(".d2h-file-collapse-input");
    if (toggle) {
      toggle.checked = f.viewed;
      // Marks the version on screen, which may be older than the worktree's.
      toggle.addEventListener("change", () => act("viewed", { path: f.path, viewed: toggle.checked, digest: f.digest }));
    }
    for (const cell of box.querySelectorAll("td.d2h-code-linenumber")) {
      const oldNo = Number(cell.querySelector(".line-num1")?.textContent || 0);
      const newNo = Number(cell.querySelector(".line-num2")?.textContent || 0);
      if (!oldNo && !newNo) continue;
      const side = newNo ? "new" : "old";
      const line = newNo || oldNo;
      cell.classList.add("commentable");
      cell.title = "Comment on this line";
      cell.addEventListener("click", () => commentForm(cell.parentElement, f.path, line, side));
      for (const c of comments.filter((c) => c.path === f.path && c.line === line && c.side === side)) {
        cell.parentElement.after(commentRow(c));
      }
    }
    return box;
  }

  function commentRow(c) {
    return el(
      "tr",
      { class: `comment${c.sentAt ? " sent" : ""}` },
      el(
        "td",
        { colspan: 2 },
        el("div", { class: "comment-body", text: c.body }),
        el("span", { class: "meta", text: c.sentAt ? "sent to the agent" : "open" }),
        c.sentAt
          ? null
          : el("button", { class: "link", text: "delete", onclick: () => act(`comments/${c.id}`, undefined, true, "DELETE") }),
      ),
    );
  }

  function commentForm(row, path, line, side) {
    if (row.nextElementSibling?.classList.contains("comment-form")) return row.nextElementSibling.querySelector("textarea").focus();
    const text = el("textarea", { rows: 3, placeholder: `Comment on ${path}:${line}`, "aria-label": "comment" });
    const form = el(
      "tr",
      { class: "comment-form" },
      el(
        "td",
        { colspan: 2 },
        text,
        el("button", {
          class: "primary",
          text: "Add comment",
          // The version on screen: the comment quotes its line, even if the work has moved on since.
          onclick: () => text.value.trim() && act("comments", { path, line, side, body: text.value, tree: detail.task.tree }),
        }),
        el("button", { text: "Cancel", onclick: () => form.remove() }),
      ),
    );
    row.after(form);
    text.focus();
  }

  /** Approve merges the work this page shows (its tree), or the server refuses and says why. */
  async function approve(whileWorking) {
    const body = { strategy: document.getElementById("strategy").value || undefined, reviewed: detail.task.tree, whileWorking };
    try {
      detail = await api("POST", `/api/tasks/${detail.task.id}/approve`, body);
      renderTask();
      flash(`Task #${detail.task.id} is ${detail.task.status}.`, "ok");
    } catch (err) {
      if (err.data && err.data.state && !whileWorking && confirm(`${err.message}\n\nApprove anyway?`)) return approve(true);
      flash(err.message);
      // A refusal because the work changed: the page says so and offers the new diff. Any other (a merge
      // conflict) is shown with the task as it is now, the diff on screen kept if the work changed meanwhile.
      if (err.data && err.data.tree) showChanged();
      else await loadTask(detail.task.id, false);
    }
  }

  /** The work changed after this page loaded it: say so, and load the new diff only when asked. */
  function showChanged() {
    detail.changed = true;
    if (document.getElementById("changed")) return;
    const banner = el(
      "div",
      { id: "changed", class: "changed", role: "alert" },
      el("strong", { text: "Changed since you reviewed: " }),
      "the agent's work is no longer what this page shows; approve would refuse. ",
      el("button", { text: "Show the new diff", onclick: () => loadTask(detail.task.id, true) }),
    );
    document.querySelector(".review aside")?.prepend(banner);
  }

  async function act(action, body, rerender = true, method = "POST") {
    try {
      const loaded = await api(method, `/api/tasks/${detail.task.id}/${action}`, body);
      if (rerender) takeDetail(loaded, false);
      else detail = loaded;
      if (action === "discard") flash(`Task #${detail.task.id} is ${detail.task.status}.`, "ok");
      if (action === "request-changes" || action === "rebase") flash("Sent to the agent.", "ok");
      if (action === "answer") flash(body.answer === "allow" ? "Allowed once." : "Denied.", "ok");
    } catch (err) {
      flash(err.message);
      if (err.data && err.data.tree) showChanged();
    }
  }

  function route() {
    const m = /^#\/task\/(\d+)/.exec(location.hash);
    if (m) {
      const id = Number(m[1]);
      // Another task's page never stays on screen while this one loads.
      if (detail?.task.id !== id) {
        detail = null;
        crumbs.replaceChildren(el("a", { href: "#/", text: "Board" }), " / ", el("span", { text: `#${id}` }));
        app.replaceChildren(el("p", { class: "loading", text: `Loading task #${id}…` }));
      }
      loadTask(id).catch((e) => flash(e.message));
    } else {
      detail = null;
      renderBoard();
    }
  }

  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, textarea, select")) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (detail) {
      if (e.key === "Escape" || e.key === "b") location.hash = "#/";
      else if (e.key === "j" || e.key === "k") {
        fileIndex = Math.max(0, Math.min(detail.files.length - 1, fileIndex + (e.key === "j" ? 1 : -1)));
        document.getElementById(`file-${fileIndex}`)?.scrollIntoView({ block: "start" });
        renderTask();
      } else if (e.key === "v" && detail.files[fileIndex]) {
        const f = detail.files[fileIndex];
        act("viewed", { path: f.path, viewed: !f.viewed, digest: f.digest });
      }
      return;
    }
    if (!board) return;
    const columns = board.columns.filter((c) => c.tasks.length > 0);
    const at = columns.findIndex((c) => c.tasks.some((t) => t.id === selected));
    const row = at >= 0 ? columns[at].tasks.findIndex((t) => t.id === selected) : -1;
    let next = null;
    if (e.key === "ArrowDown" || e.key === "j") next = columns[at]?.tasks[row + 1];
    else if (e.key === "ArrowUp" || e.key === "k") next = columns[at]?.tasks[row - 1];
    else if (e.key === "ArrowRight" || e.key === "l") next = columns[at + 1]?.tasks[0];
    else if (e.key === "ArrowLeft" || e.key === "h") next = columns[at - 1]?.tasks[0];
    else if (e.key === "Enter" && selected !== null) return open(selected);
    else if (e.key === "n") {
      e.preventDefault();
      return document.querySelector(".new-task input")?.focus();
    }
    if (next) {
      e.preventDefault();
      selected = next.id;
      renderBoard();
      document.querySelector(`[data-task="${next.id}"]`)?.focus();
    }
  });

  window.addEventListener("hashchange", route);
  const events = new EventSource("/api/events");
  events.addEventListener("board", (e) => {
    board = JSON.parse(e.data);
    live.textContent = "● live";
    live.className = "on";
    if (!detail) {
      if (!location.hash.startsWith("#/task/")) renderBoard();
    } else {
      const card = board.columns.flatMap((c) => c.tasks).find((t) => t.id === detail.task.id);
      const was = detail.task;
      // The diff on screen is what approve merges: it is never swapped for a newer one unasked.
      if (card && card.tree && was.tree && card.tree !== was.tree) showChanged();
      if (card && (card.status !== was.status || card.state !== was.state)) loadTask(was.id, false);
    }
  });
  events.onerror = () => {
    live.textContent = "○ reconnecting";
    live.className = "off";
  };
  route();
})();
