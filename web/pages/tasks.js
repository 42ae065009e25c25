// Tasks: the list and board, a task with its comments and time.

import { ApiError, api, apiAll, myTeams } from "../api.js";
import { field, fmtDate, fmtDuration, form, h, options, painter, rerender, setFlash, submitting } from "../dom.js";
import { refreshTimer } from "../timer.js";
import { highlight, withMentionPicker } from "./mentions.js";
import { projectOptions, projectsOf, teamProjects } from "./projects.js";

export const STATUSES = ["todo", "in_progress", "done", "cancelled"];
export const STATUS_LABEL = { todo: "To do", in_progress: "In progress", done: "Done", cancelled: "Cancelled" };
export const PRIORITIES = ["low", "medium", "high", "urgent"];

export async function tasksPage(params) {
  const render = painter();
  const view = params.get("view") || "list";
  const state = {
    status: params.get("status") || "",
    q: params.get("q") || "",
    sort: params.get("sort") || "-created_at",
    mine: params.get("mine") === "1",
    team_id: params.get("team_id") || "",
    project_id: params.get("project_id") || "",
  };
  const teams = await myTeams();
  // The switcher offers every open project of the caller's teams; the rows
  // show assignees by their teammates' names.
  const [projects, people] = await Promise.all([projectsOf(teams), peopleOf(teams)]);
  const current = projects.find((p) => p.project_id === state.project_id);

  const status = h(
    "select",
    { name: "status", "aria-label": "Status" },
    options(["", ...STATUSES], state.status, { "": "Any status", ...STATUS_LABEL }),
  );
  const q = h("input", { name: "q", type: "search", placeholder: "Search", "aria-label": "Search", value: state.q });
  const sort = h(
    "select",
    { name: "sort", "aria-label": "Sort" },
    options(["-created_at", "created_at", "due_at", "-priority", "-updated_at"], state.sort, {
      "-created_at": "Newest",
      created_at: "Oldest",
      due_at: "Due soonest",
      "-priority": "Priority",
      "-updated_at": "Recently changed",
    }),
  );
  const team = h(
    "select",
    { name: "team_id", "aria-label": "Team" },
    h("option", { value: "" }, "All teams"),
    teams.map((t) => h("option", { value: t.team_id, selected: t.team_id === state.team_id }, t.name)),
  );
  const project = h(
    "select",
    { name: "project_id", "aria-label": "Project" },
    h("option", { value: "" }, "All projects"),
    h("option", { value: "none", selected: state.project_id === "none" }, "No project"),
    projects.map((p) =>
      h("option", { value: p.project_id, selected: p.project_id === state.project_id }, `${p.team_name} · ${p.name}`),
    ),
  );
  const mine = h("input", { type: "checkbox", name: "mine", checked: state.mine });
  const filters = h(
    "form",
    { class: "filters", id: "filters" },
    status,
    team,
    project,
    q,
    sort,
    h("label", { class: "inline" }, mine, " Assigned to me"),
    h("button", { type: "submit" }, "Apply"),
    h(
      "a",
      { href: `#/tasks?${otherView(params, view)}`, class: "button secondary" },
      view === "board" ? "List view" : "Board view",
    ),
  );
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    if (view === "board") p.set("view", "board");
    if (status.value) p.set("status", status.value);
    if (team.value) p.set("team_id", team.value);
    if (project.value) p.set("project_id", project.value);
    if (q.value.trim()) p.set("q", q.value.trim());
    if (sort.value !== "-created_at") p.set("sort", sort.value);
    if (mine.checked) p.set("mine", "1");
    location.hash = `#/tasks?${p}`;
  });

  const query = new URLSearchParams({ limit: view === "board" ? "200" : "50", sort: state.sort });
  if (state.status && view !== "board") query.append("status", state.status);
  if (state.q) query.set("q", state.q);
  if (state.mine) query.set("assignee_id", "me");
  if (state.team_id) query.set("team_id", state.team_id);
  if (state.project_id) query.set("project_id", state.project_id);

  const list = h("div", { id: "task-list" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  let cursor = null;
  async function load() {
    const q2 = new URLSearchParams(query);
    if (cursor) q2.set("cursor", cursor);
    const page = await api("GET", `/tasks?${q2}`);
    cursor = page.next_cursor;
    more.hidden = !cursor || view === "board";
    return page.items;
  }
  const row = (t) => taskRow(t, people);
  more.addEventListener("click", async () => list.append(...(await load()).map(row)));

  const heading = current ? `${current.name}${view === "board" ? " board" : ""}` : "Tasks";
  render(
    h(
      "section",
      {},
      h("div", { class: "row" }, h("h1", { id: "tasks-heading" }, heading)),
      newTaskForm(teams, projects, current),
      filters,
      list,
      more,
    ),
  );
  list.replaceChildren(h("p", { class: "muted" }, "Loading tasks…"));
  const items = await load();
  if (view === "board") list.replaceChildren(board(items, people));
  else
    list.replaceChildren(
      ...(items.length ? items.map(row) : [h("p", { class: "empty" }, "No tasks yet. Create one above.")]),
    );
}

// The same filters (a project's board and its list), in the other view.
function otherView(params, view) {
  const p = new URLSearchParams(params);
  if (view === "board") p.delete("view");
  else p.set("view", "board");
  return p;
}

// Every teammate's name by id, for the people a task names.
async function peopleOf(teams) {
  const lists = await Promise.all(teams.map((t) => apiAll(`/teams/${t.team_id}/members`).catch(() => [])));
  const names = {};
  for (const m of lists.flat()) names[m.user_id] = m.display_name;
  return names;
}

function initials(name) {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || "?").slice(0, 2)).toUpperCase();
}

// Assignees as initials; the full names are the label (and the tooltip).
function avatars(ids, people) {
  if (!ids.length) return null;
  const names = ids.map((id) => people[id] || "someone");
  return h(
    "span",
    { class: "avatars", role: "img", "aria-label": `Assigned to ${names.join(", ")}` },
    names.map((n) => h("span", { class: "avatar", title: n, "aria-hidden": "true" }, initials(n))),
  );
}

function taskRow(t, people) {
  return h(
    "a",
    { class: "task", href: `#/tasks/${t.task_id}`, "data-task-id": t.task_id },
    h("span", { class: `badge ${t.status}` }, STATUS_LABEL[t.status]),
    h("span", { class: "title" }, t.title),
    h("span", { class: `prio ${t.priority}` }, t.priority),
    t.due_at ? h("span", { class: "muted" }, `due ${new Date(t.due_at).toLocaleDateString()}`) : null,
    ...t.labels.map((l) => h("span", { class: "label" }, l)),
    progressBadge(t.subtasks),
    avatars(t.assignee_ids, people),
  );
}

// "2/5 subtasks done", only on tasks that have some.
function progressBadge(subtasks) {
  if (!subtasks?.total) return null;
  return h(
    "span",
    { class: "progress-badge", title: `${subtasks.done} of ${subtasks.total} subtasks done` },
    `${subtasks.done}/${subtasks.total}`,
  );
}

// Board by status: buttons move a card (keyboard-friendly); cards also drag.
function board(items, people) {
  const columns = STATUSES.map((s) => {
    const col = h("div", { class: "column", "data-status": s }, h("h2", {}, STATUS_LABEL[s]));
    col.addEventListener("dragover", (ev) => ev.preventDefault());
    col.addEventListener("drop", async (ev) => {
      ev.preventDefault();
      const id = ev.dataTransfer.getData("text/plain");
      if (id) await moveTask(id, s);
    });
    return col;
  });
  for (const t of items) {
    const i = STATUSES.indexOf(t.status);
    const card = h(
      "div",
      { class: "card", draggable: "true", "data-task-id": t.task_id },
      h("a", { href: `#/tasks/${t.task_id}` }, t.title),
      progressBadge(t.subtasks),
      avatars(t.assignee_ids, people),
      h(
        "div",
        { class: "moves" },
        i > 0
          ? h(
              "button",
              {
                type: "button",
                class: "secondary",
                "aria-label": `Move to ${STATUS_LABEL[STATUSES[i - 1]]}`,
                onclick: () => moveTask(t.task_id, STATUSES[i - 1]),
              },
              "←",
            )
          : null,
        i < STATUSES.length - 1
          ? h(
              "button",
              {
                type: "button",
                class: "secondary",
                "aria-label": `Move to ${STATUS_LABEL[STATUSES[i + 1]]}`,
                onclick: () => moveTask(t.task_id, STATUSES[i + 1]),
              },
              "→",
            )
          : null,
      ),
    );
    card.addEventListener("dragstart", (ev) => ev.dataTransfer.setData("text/plain", t.task_id));
    columns[i].append(card);
  }
  return h("div", { class: "board" }, columns);
}

async function moveTask(id, status) {
  await api("PATCH", `/tasks/${id}`, { status });
  rerender();
}

// On a project's list or board, new tasks go into that project.
function newTaskForm(teams, projects, current) {
  const title = h("input", { name: "title", placeholder: "What needs doing?" });
  const team = h(
    "select",
    { name: "team_id" },
    h("option", { value: "" }, "Personal"),
    teams.map((t) => h("option", { value: t.team_id, selected: t.team_id === current?.team_id }, t.name)),
  );
  const project = h("select", { name: "project_id" });
  const fillProjects = () => {
    project.replaceChildren(
      ...projectOptions(
        projects.filter((p) => p.team_id === team.value),
        current?.project_id,
      ),
    );
    project.disabled = !team.value;
  };
  team.addEventListener("change", fillProjects);
  fillProjects();
  const priority = h("select", { name: "priority" }, options(PRIORITIES, "medium"));
  const due = h("input", { name: "due_at", type: "date" });
  const labels = h("input", { name: "labels", placeholder: "labels, comma separated" });
  const f = form(
    { class: "new-task", id: "new-task" },
    field("New task", title),
    field("Team", team),
    field("Project", project),
    field("Priority", priority),
    field("Due", due),
    field("Labels", labels),
    h("button", { type: "submit" }, "Add task"),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(f, async () => {
      const body = { title: title.value, priority: priority.value };
      if (team.value) body.team_id = team.value;
      if (team.value && project.value) body.project_id = project.value;
      if (due.value) body.due_at = new Date(`${due.value}T17:00:00`).toISOString();
      const ls = labels.value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (ls.length) body.labels = ls;
      await api("POST", "/tasks", body);
      rerender();
    });
  });
  return f;
}

export async function taskPage(id) {
  const render = painter();
  let task;
  try {
    task = await api("GET", `/tasks/${id}`);
  } catch (e) {
    return render(
      h(
        "section",
        {},
        h("h1", {}, "Task not found"),
        h("p", {}, e.message),
        h("a", { href: "#/tasks" }, "Back to tasks"),
      ),
    );
  }
  const title = h("input", { name: "title", value: task.title });
  const description = h("textarea", { name: "description", rows: 4 }, task.description || "");
  const status = h("select", { name: "status" }, options(STATUSES, task.status, STATUS_LABEL));
  const priority = h("select", { name: "priority" }, options(PRIORITIES, task.priority));
  const due = h("input", { name: "due_at", type: "date", value: task.due_at ? task.due_at.slice(0, 10) : "" });
  const labels = h("input", { name: "labels", value: task.labels.join(", ") });
  let assigneeField = null;
  // The checked boxes are the new list; null: the page offers no choice.
  let chosen = null;
  let project = null;
  // Names for the ids the activity stream records (projects, people, teams).
  const names = {};
  // Whom a comment or the description may @mention: the team's members.
  let people = [];
  if (task.team_id) {
    // Archived projects are listed so the current one shows, but cannot be chosen.
    const projects = await teamProjects(task.team_id, "all");
    for (const p of projects) names[p.project_id] = p.name;
    project = h("select", { name: "project_id" }, projectOptions(projects, task.project_id));
    try {
      const members = await apiAll(`/teams/${task.team_id}/members`);
      for (const m of members) names[m.user_id] = m.display_name;
      people = members;
      // Viewers read along and are not assigned work; whoever is assigned
      // already stays listed.
      const offered = members.filter((m) => m.role !== "viewer" || task.assignee_ids.includes(m.user_id));
      const boxes = offered.map((m) =>
        h("input", { type: "checkbox", value: m.user_id, checked: task.assignee_ids.includes(m.user_id) }),
      );
      chosen = () => boxes.filter((b) => b.checked).map((b) => b.value);
      assigneeField = h(
        "fieldset",
        { class: "assignees", id: "assignees" },
        h("legend", {}, "Assignees"),
        boxes.map((b, i) => h("label", { class: "inline" }, b, ` ${offered[i].display_name}`)),
        h("span", { class: "error", "data-error": "assignee_ids" }),
      );
    } catch {
      assigneeField = null;
    }
  }
  const edit = form(
    { id: "task-form", class: "grid" },
    field("Title", title),
    field("Status", status),
    field("Priority", priority),
    field("Due", due),
    field("Labels", labels),
    assigneeField,
    project ? field("Project", project) : null,
    field("Description", withMentionPicker(description, people), "description"),
    h("button", { type: "submit" }, "Save"),
  );
  edit.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(edit, async () => {
      const body = {
        title: title.value,
        status: status.value,
        priority: priority.value,
        description: description.value || null,
        due_at: due.value ? new Date(`${due.value}T17:00:00`).toISOString() : null,
        labels: labels.value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      };
      if (chosen) body.assignee_ids = chosen();
      if (project && (project.value || null) !== task.project_id) body.project_id = project.value || null;
      try {
        await api("PATCH", `/tasks/${id}`, body);
      } catch (e) {
        // Open blockers hold it back from done: the person decides.
        const blocked = e instanceof ApiError && e.status === 409 && body.status === "done" && task.status !== "done";
        if (!blocked || !confirm(`${e.message}\n\nMark it done anyway?`)) throw e;
        await api("PATCH", `/tasks/${id}?force=true`, body);
      }
      rerender();
    });
  });

  const timerButton = h("button", { type: "button", id: "timer-start" }, "Start timer");
  timerButton.addEventListener("click", async () => {
    try {
      await api("POST", `/tasks/${id}/timer`);
    } catch (e) {
      alert(e.message);
    }
    await refreshTimer();
  });
  const del = h("button", { type: "button", class: "danger", id: "delete-task" }, "Move to trash");
  del.addEventListener("click", async () => {
    // Counted now: subtasks may have been added since the page loaded.
    const { subtasks } = await api("GET", `/tasks/${id}`);
    const subs = subtasks.total ? ` and its ${subtasks.total} subtask(s)` : "";
    if (!confirm(`Move this task${subs} to the trash? You can restore it from the Trash page.`)) return;
    await api("DELETE", `/tasks/${id}`);
    setFlash({ kind: "good", text: `"${task.title}" is in the trash.` });
    location.hash = "#/trash";
  });

  const comments = h("ol", { class: "comments", id: "comments" });
  const body = h("textarea", { name: "body", rows: 3, placeholder: "Write a comment" });
  const addComment = form(
    { id: "comment-form" },
    field("Comment", withMentionPicker(body, people), "body"),
    h("button", { type: "submit" }, "Comment"),
  );
  addComment.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(addComment, async () => {
      await api("POST", `/tasks/${id}/comments`, { body: body.value });
      body.value = "";
      await loadComments();
    });
  });
  async function loadComments() {
    // The whole conversation, oldest first: every page, not the first 200.
    const all = await apiAll(`/tasks/${id}/comments`);
    comments.replaceChildren(
      ...(all.length
        ? all.map((c) =>
            h(
              "li",
              {},
              h("strong", {}, c.author_name || "someone"),
              h("span", { class: "muted" }, ` ${fmtDate(c.created_at)}`),
              h("p", {}, highlight(c.body, c.mentions)),
            ),
          )
        : [h("li", { class: "empty" }, "No comments yet.")]),
    );
  }

  // Newest first, a page at a time: "Show older" follows the cursor.
  const entries = h("ul", { class: "entries" });
  const older = h("button", { type: "button", id: "older-entries", hidden: true }, "Show older entries");
  let entryCursor = null;
  const loadEntries = async () => {
    const query = entryCursor ? `?cursor=${encodeURIComponent(entryCursor)}` : "";
    const page = await api("GET", `/tasks/${id}/time-entries${query}`);
    entries.append(
      ...page.items.map((e) =>
        h("li", {}, `${fmtDate(e.started_at)}: ${e.running ? "running" : fmtDuration(e.duration_seconds)}`),
      ),
    );
    entryCursor = page.next_cursor;
    older.hidden = !entryCursor;
  };
  older.addEventListener("click", () => loadEntries());
  await loadEntries();

  const started = h("input", { name: "started_at", type: "datetime-local" });
  const minutes = h("input", { name: "duration_seconds", type: "number", min: 1, max: 1440, value: 30 });
  const manual = form(
    { id: "entry-form", class: "inline-form" },
    field("Started", started),
    field("Minutes", minutes, "duration_seconds"),
    h("button", { type: "submit" }, "Add time"),
  );
  manual.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(manual, async () => {
      if (!started.value)
        throw new ApiError(422, { errors: [{ field: "started_at", message: "pick when you started" }] });
      await api("POST", `/tasks/${id}/time-entries`, {
        started_at: new Date(started.value).toISOString(),
        duration_seconds: Number(minutes.value) * 60,
      });
      rerender();
    });
  });

  for (const t of await myTeams()) names[t.team_id] = t.name;
  const watch = await watchToggle(id);
  const subtasks = await subtasksSection(task, names);
  const related = await relationsSection(task, names);
  const checklist = await checklistSection(id);
  const activity = await activitySection(id, names);

  render(
    h(
      "section",
      {},
      h("p", {}, h("a", { href: "#/tasks" }, "← Tasks")),
      h("h1", { id: "task-title" }, task.title),
      task.description
        ? h("p", { class: "description", id: "description-view" }, highlight(task.description, task.mentions))
        : null,
      h("div", { class: "row" }, timerButton, watch, del),
      related.badge,
      edit,
      subtasks,
      related.section,
      checklist,
      h("h2", {}, "Comments"),
      comments,
      addComment,
      h("h2", {}, "Time"),
      entries,
      older,
      manual,
      activity,
    ),
  );
  await loadComments();
}

// Watch or stop watching (notifications go to watchers), with how many do.
async function watchToggle(id) {
  const button = h("button", { type: "button", class: "secondary", id: "watch-toggle" });
  const paint = (w) => {
    button.textContent = w.watching ? `Stop watching (${w.total})` : `Watch (${w.total})`;
    button.setAttribute("aria-pressed", String(w.watching));
  };
  let current = await api("GET", `/tasks/${id}/watchers`);
  paint(current);
  button.addEventListener("click", async () => {
    try {
      current = await api(current.watching ? "DELETE" : "PUT", `/tasks/${id}/watchers/me`);
      paint(current);
    } catch (e) {
      alert(e.message);
    }
  });
  return button;
}

// Where the task sits (a link up to its parent) and the tasks under it,
// with progress, and a form that adds one (in this task's team and project).
async function subtasksSection(task, names) {
  const section = h("section", { id: "subtasks-section" });
  let up = null;
  if (task.parent_task_id) {
    try {
      const parent = await api("GET", `/tasks/${task.parent_task_id}`);
      names[parent.task_id] = parent.title;
      up = h("p", { id: "parent-link" }, "Subtask of ", h("a", { href: `#/tasks/${parent.task_id}` }, parent.title));
    } catch {
      up = null;
    }
  }
  const text = h("input", { name: "title", placeholder: "Add a subtask" });
  const add = form(
    { id: "subtask-form", class: "inline-form" },
    field("New subtask", text),
    h("button", { type: "submit" }, "Add subtask"),
  );
  add.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(add, async () => {
      await api("POST", "/tasks", { title: text.value, parent_task_id: task.task_id });
      text.value = "";
      await paint();
    });
  });
  async function paint() {
    const [items, { subtasks: progress }] = await Promise.all([
      apiAll(`/tasks/${task.task_id}/subtasks?sort=created_at`),
      api("GET", `/tasks/${task.task_id}`),
    ]);
    for (const t of items) names[t.task_id] = t.title;
    section.replaceChildren(
      ...(up ? [up] : []),
      h("h2", {}, "Subtasks"),
      progress.total
        ? h(
            "p",
            { id: "subtasks-progress" },
            h("progress", { max: progress.total, value: progress.done }),
            ` ${progress.done} of ${progress.total} done`,
          )
        : null,
      h(
        "ul",
        { class: "subtasks", id: "subtasks" },
        items.map((t) =>
          h(
            "li",
            { "data-task-id": t.task_id },
            h("span", { class: `badge ${t.status}` }, STATUS_LABEL[t.status]),
            " ",
            h("a", { href: `#/tasks/${t.task_id}` }, t.title),
            " ",
            progressBadge(t.subtasks),
          ),
        ),
      ),
      add,
    );
  }
  await paint();
  return section;
}

const RELATION_LABEL = {
  blocks: "Blocks",
  blocked_by: "Blocked by",
  relates_to: "Relates to",
  duplicates: "Duplicates",
  duplicated_by: "Duplicated by",
};

// Blocks / relates to / duplicates, with links to the other tasks, a badge
// while open blockers remain, and a form to relate one of the caller's
// recent tasks.
async function relationsSection(task, names) {
  const section = h("section", { id: "relations-section" });
  const badge = h("p", { id: "blocked-badge", class: "badge blocked", hidden: true });
  const kind = h(
    "select",
    { name: "kind" },
    ["blocks", "relates_to", "duplicates"].map((k) => h("option", { value: k }, RELATION_LABEL[k].toLowerCase())),
  );
  const other = h("select", { name: "task_id" });
  const candidates = (await api("GET", "/tasks?limit=200")).items.filter((t) => t.task_id !== task.task_id);
  other.replaceChildren(...candidates.map((t) => h("option", { value: t.task_id }, t.title)));
  const add = form(
    { id: "relation-form", class: "inline-form" },
    field("This task", kind),
    field("Task", other),
    h("button", { type: "submit" }, "Relate"),
  );
  add.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(add, async () => {
      await api("POST", `/tasks/${task.task_id}/relations`, { kind: kind.value, task_id: other.value });
      await paint();
    });
  });
  async function paint() {
    const list = await api("GET", `/tasks/${task.task_id}/relations`);
    for (const r of list.items) names[r.task.task_id] = r.task.title;
    badge.hidden = !list.open_blockers;
    badge.textContent = `Blocked by ${list.open_blockers} open task${list.open_blockers === 1 ? "" : "s"}`;
    const rows = list.items.map((r) => {
      const remove = h(
        "button",
        { type: "button", class: "secondary", "aria-label": `Remove relation to "${r.task.title}"` },
        "×",
      );
      remove.addEventListener("click", async () => {
        try {
          await api("DELETE", `/tasks/${task.task_id}/relations/${r.relation_id}`);
        } catch (e) {
          alert(e.message);
        }
        await paint();
      });
      return h(
        "li",
        { "data-relation-id": r.relation_id, "data-kind": r.kind },
        `${RELATION_LABEL[r.kind]} `,
        h("a", { href: `#/tasks/${r.task.task_id}` }, r.task.title),
        " ",
        h("span", { class: `badge ${r.task.status}` }, STATUS_LABEL[r.task.status]),
        " ",
        remove,
      );
    });
    section.replaceChildren(h("h2", {}, "Related tasks"), h("ul", { class: "subtasks", id: "relations" }, rows), add);
  }
  await paint();
  return { section, badge };
}

// The small steps inside the task: tick, reorder (buttons, so the keyboard
// works), remove, add.
async function checklistSection(id) {
  const section = h("section", { id: "checklist" });
  const base = `/tasks/${id}/checklist`;
  const act = async (fn) => {
    try {
      await fn();
    } catch (e) {
      alert(e.message);
    }
    await paint();
  };
  const text = h("input", { name: "body", placeholder: "Add a step" });
  const add = form(
    { id: "checklist-form", class: "inline-form" },
    field("New item", text),
    h("button", { type: "submit" }, "Add"),
  );
  add.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(add, async () => {
      await api("POST", base, { body: text.value });
      text.value = "";
      await paint();
    });
  });
  async function paint() {
    const list = await api("GET", base);
    const rows = list.items.map((item, i) =>
      h(
        "li",
        { "data-item-id": item.item_id, class: item.done ? "done" : null },
        h(
          "label",
          { class: "inline" },
          h("input", {
            type: "checkbox",
            checked: item.done,
            onchange: (ev) => act(() => api("PATCH", `${base}/${item.item_id}`, { done: ev.target.checked })),
          }),
          ` ${item.body}`,
        ),
        h(
          "span",
          { class: "moves" },
          i > 0
            ? h(
                "button",
                {
                  type: "button",
                  class: "secondary",
                  "aria-label": `Move "${item.body}" up`,
                  onclick: () => act(() => api("PATCH", `${base}/${item.item_id}`, { position: i - 1 })),
                },
                "↑",
              )
            : null,
          i < list.items.length - 1
            ? h(
                "button",
                {
                  type: "button",
                  class: "secondary",
                  "aria-label": `Move "${item.body}" down`,
                  onclick: () => act(() => api("PATCH", `${base}/${item.item_id}`, { position: i + 1 })),
                },
                "↓",
              )
            : null,
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              "aria-label": `Remove "${item.body}"`,
              onclick: () => act(() => api("DELETE", `${base}/${item.item_id}`)),
            },
            "×",
          ),
        ),
      ),
    );
    section.replaceChildren(
      h("h2", {}, "Checklist"),
      list.total
        ? h(
            "p",
            { id: "checklist-progress" },
            h("progress", { max: list.total, value: list.done }),
            ` ${list.done} of ${list.total} done`,
          )
        : null,
      h("ol", { class: "checklist" }, rows),
      add,
    );
  }
  await paint();
  return section;
}

const FIELD_LABEL = {
  title: "title",
  description: "description",
  status: "status",
  priority: "priority",
  due_at: "due date",
  team_id: "team",
  project_id: "project",
  assignee_id: "assignee",
  assignee_ids: "assignees",
  labels: "labels",
  parent_task_id: "parent task",
};

// A relation event from this task's side: "blocked_by <task>".
function relationText(v, names) {
  return `${(RELATION_LABEL[v.kind] || v.kind).toLowerCase()} ${names[v.task_id] || v.task_id}`;
}

// A recorded value as a person reads it: ids by the names the page knows
// (a project or person it does not know stays an id).
function shown(field, v, names) {
  if (v === null || v === undefined || (Array.isArray(v) && !v.length) || v === "") return "nothing";
  if (field.endsWith("_id")) return names[v] || v;
  if (field === "status") return STATUS_LABEL[v] || v;
  if (field === "due_at") return new Date(v).toLocaleDateString();
  if (Array.isArray(v)) return field.endsWith("_ids") ? v.map((x) => names[x] || x).join(", ") : v.join(", ");
  if (field === "description") return v.length > 60 ? `${v.slice(0, 60)}…` : v;
  return String(v);
}

function activityLine(a, names) {
  const who = h("strong", {}, a.actor_name || "someone");
  const when = h("span", { class: "muted" }, ` ${fmtDate(a.at)}`);
  switch (a.kind) {
    case "created":
      return h("li", { "data-kind": a.kind }, who, " created the task", when);
    case "changed":
      if (a.field === "relation")
        return h(
          "li",
          { "data-kind": a.kind, "data-field": a.field },
          who,
          a.new ? " added the relation " : " removed the relation ",
          h("em", {}, relationText(a.new || a.old, names)),
          when,
        );
      if (a.field === "blockers_overridden")
        return h(
          "li",
          { "data-kind": a.kind, "data-field": a.field },
          who,
          " marked it done despite open blockers",
          a.new.length ? h("em", {}, ` ${a.new.map((x) => names[x] || x).join(", ")}`) : null,
          when,
        );
      if (a.field === "trashed_at")
        return h(
          "li",
          { "data-kind": a.kind, "data-field": a.field },
          who,
          a.new ? " moved the task to the trash" : " restored the task from the trash",
          when,
        );
      if (a.field === "watcher")
        return h(
          "li",
          { "data-kind": a.kind, "data-field": a.field },
          who,
          a.new ? " started watching" : " stopped watching",
          when,
        );
      return h(
        "li",
        { "data-kind": a.kind, "data-field": a.field },
        who,
        ` changed the ${FIELD_LABEL[a.field] || a.field} from `,
        h("em", {}, shown(a.field, a.old, names)),
        " to ",
        h("em", {}, shown(a.field, a.new, names)),
        when,
      );
    case "comment":
      return h("li", { "data-kind": a.kind }, who, " commented", when, h("p", {}, a.body));
    default:
      return h(
        "li",
        { "data-kind": a.kind },
        who,
        a.seconds === null ? " started a timer" : ` tracked ${fmtDuration(a.seconds)}`,
        when,
      );
  }
}

// The task's history with its comments and time, newest first, a page at a time.
async function activitySection(id, names) {
  const list = h("ol", { class: "activity", id: "activity" });
  const older = h(
    "button",
    { type: "button", class: "secondary", id: "older-activity", hidden: true },
    "Show older activity",
  );
  let cursor = null;
  const load = async () => {
    const page = await api("GET", `/tasks/${id}/activity${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
    list.append(...page.items.map((a) => activityLine(a, names)));
    cursor = page.next_cursor;
    older.hidden = !cursor;
  };
  older.addEventListener("click", () => load());
  await load();
  return h("section", { id: "task-activity" }, h("h2", {}, "Activity"), list, older);
}
