// TaskFlow web client: no framework, no build step. Every piece of API data
// reaches the page through textContent or attribute setters (`h` below),
// never through innerHTML, so the strict CSP plus this rule keep DOM XSS out.

const API = "/api/v1";
const app = document.getElementById("app");
const nav = document.getElementById("nav");
const timerBar = document.getElementById("timer-bar");

// ---- DOM helper -----------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function field(label, input, name) {
  return h("label", { class: "field" }, h("span", {}, label), input, h("span", { class: "error", "data-error": name || input.name }));
}

// A page paints only while it is still the latest one started: a slow page
// that finishes after the user (or a test) moved on must not paint over the
// page that replaced it. Each page takes its painter first thing, while its
// route is current.
let pageSeq = 0;

function painter() {
  const mine = ++pageSeq;
  return (...nodes) => {
    if (mine === pageSeq) app.replaceChildren(...nodes);
  };
}

function fmtDate(s) {
  return s ? new Date(s).toLocaleString() : "";
}

function fmtDuration(seconds) {
  if (seconds < 60) return `${seconds} s`;
  const h_ = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60);
  return h_ ? `${h_} h ${m} min` : `${m} min`;
}

// ---- session --------------------------------------------------------------
// Bearer tokens, not cookies (so no CSRF surface): the access token lives in
// memory, the refresh token in sessionStorage (gone when the tab closes).

let accessToken = null;

function saveTokens(t) {
  accessToken = t.access_token;
  sessionStorage.setItem("tf_refresh", t.refresh_token);
}

function clearTokens() {
  accessToken = null;
  sessionStorage.removeItem("tf_refresh");
}

// One refresh at a time: a refresh token is single-use, and a second,
// concurrent use of the same one is taken as theft (the server revokes the
// whole session). Requests that find no access token share this promise.
let refreshing = null;

function refresh() {
  refreshing ??= (async () => {
    const rt = sessionStorage.getItem("tf_refresh");
    if (!rt) return false;
    const r = await fetch(`${API}/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: rt }),
    });
    if (!r.ok) {
      clearTokens();
      return false;
    }
    saveTokens(await r.json());
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

async function api(method, path, body, { accept, retried } = {}) {
  if (!accessToken && !retried && sessionStorage.getItem("tf_refresh")) await refresh();
  const headers = {};
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (accept) headers.accept = accept;
  const r = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401 && !retried && (await refresh())) return api(method, path, body, { accept, retried: true });
  if (r.status === 204) return null;
  const type = r.headers.get("content-type") || "";
  if (!r.ok) throw new ApiError(r.status, type.includes("json") ? await r.json() : null);
  if (accept === "text/csv") return r.blob();
  return type.includes("json") ? r.json() : r.text();
}

// Shows a problem next to the fields it names, or at the top of the form.
function showProblem(form, err) {
  form.querySelectorAll("[data-error]").forEach((e) => (e.textContent = ""));
  const general = form.querySelector(".form-error");
  const problems = err instanceof ApiError ? err.problem.errors || [] : [];
  let placed = false;
  for (const p of problems) {
    const slot = form.querySelector(`[data-error="${CSS.escape(p.field)}"]`);
    if (slot) {
      slot.textContent = p.message;
      placed = true;
    }
  }
  if (general) general.textContent = placed ? "" : err.message;
}

function form(attrs, ...children) {
  return h("form", { ...attrs, novalidate: true }, h("p", { class: "form-error", role: "alert" }), ...children);
}

async function submitting(formEl, fn) {
  const button = formEl.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    await fn();
  } catch (e) {
    showProblem(formEl, e);
  } finally {
    if (button) button.disabled = false;
  }
}

function download(blob, name) {
  const a = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 0);
}

// ---- running timer, shown on every page --------------------------------------

async function refreshTimer() {
  if (!accessToken) {
    timerBar.hidden = true;
    return;
  }
  try {
    const { timer } = await api("GET", "/timer");
    if (!timer) {
      timerBar.hidden = true;
      return;
    }
    const stop = h("button", { type: "button", id: "timer-stop" }, "Stop timer");
    stop.addEventListener("click", async () => {
      await api("POST", "/timer/stop");
      await refreshTimer();
      route();
    });
    timerBar.replaceChildren(
      h("span", {}, "Timer running on "),
      h("a", { href: `#/tasks/${timer.task_id}` }, "a task"),
      h("span", {}, ` since ${fmtDate(timer.started_at)} `),
      stop,
    );
    timerBar.hidden = false;
  } catch {
    timerBar.hidden = true;
  }
}

// ---- pages ------------------------------------------------------------------

// What every way of signing in does with the answer (login, MFA, provider):
// the second-factor form when one is asked for, else keep the tokens.
function signedIn(outcome) {
  if (outcome.mfa_required) return mfaPage(outcome.mfa_token);
  saveTokens(outcome);
  location.hash = "#/tasks";
  route();
}

function loginPage(notice) {
  const render = painter();
  const email = h("input", { name: "email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const f = form(
    { id: "login-form" },
    h("h1", {}, "Log in"),
    field("Email", email),
    field("Password", password),
    h("button", { type: "submit" }, "Log in"),
    h("p", {}, "New here? ", h("a", { href: "#/signup" }, "Create an account")),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(f, async () => {
      signedIn(await api("POST", "/auth/login", { email: email.value, password: password.value }));
    });
  });
  if (notice) f.querySelector(".form-error").textContent = notice;
  const buttons = h("div", { class: "providers", id: "providers" });
  render(h("section", { class: "narrow" }, f, buttons));
  signInProviders().then((list) => {
    if (!list.length) return;
    buttons.replaceChildren(
      h("p", { class: "muted" }, "or"),
      ...list.map((p) =>
        h("a", { class: "button secondary", id: `provider-${p.name}`, href: p.authorize_url, onclick: () => sessionStorage.removeItem("tf_oauth_link") }, `Continue with ${p.display_name}`),
      ),
    );
  });
}

// ---- sign-in with an identity provider --------------------------------------
// A button navigates to the API's authorize URL; the provider sends the browser
// back to the API's callback, which hands the query on to #/oauth (a fragment,
// so it reaches no server log). This page finishes with fetch: same origin, so
// the HttpOnly state cookie travels, and the tokens never sit in a URL.

async function signInProviders() {
  try {
    return (await api("GET", "/auth/providers")).providers;
  } catch {
    return []; // no buttons rather than a broken login page
  }
}

// One message carried to the next page (after a redirect round trip).
let flash = null;

function takeFlash() {
  const f = flash;
  flash = null;
  return f && h("p", { class: `flash ${f.kind}`, role: "status", id: "flash" }, f.text);
}

async function oauthPage(params) {
  const render = painter();
  // The code and state are single-use; keep them out of the history.
  history.replaceState(null, "", `${location.pathname}#/oauth`);
  const linking = sessionStorage.getItem("tf_oauth_link") === "1";
  sessionStorage.removeItem("tf_oauth_link");
  const provider = params.get("provider");
  if (!provider) return linking ? (location.hash = "#/account") : loginPage();
  render(h("section", { class: "narrow" }, h("p", { class: "muted" }, "Signing you in…")));
  const label = (await signInProviders()).find((p) => p.name === provider)?.display_name || provider;
  const query = new URLSearchParams();
  for (const k of ["code", "state", "error"]) if (params.has(k)) query.set(k, params.get(k));
  // Plain fetch: the shared helper would refresh and retry on a 401, and a
  // retry can only fail (the state is used up by the first attempt).
  const r = await fetch(`${API}/auth/oauth/${encodeURIComponent(provider)}/callback?${query}`, { headers: { accept: "application/json" } });
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const why = body?.detail || body?.title || `HTTP ${r.status}`;
    if (!linking) return loginPage(`Signing in with ${label} did not complete: ${why}`);
    flash = { kind: "bad", text: `Linking ${label} did not complete: ${why}` };
    location.hash = "#/account";
    return;
  }
  if (linking) {
    // Linked. The callback also opened a session; this tab keeps its own.
    if (body.access_token) await fetch(`${API}/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${body.access_token}` } });
    flash = { kind: "good", text: `Linked: you can now sign in with ${label}.` };
    location.hash = "#/account";
    return;
  }
  signedIn(body);
}

function mfaPage(mfaToken) {
  const render = painter();
  const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 20 });
  const f = form(
    { id: "mfa-form" },
    h("h1", {}, "Two-factor code"),
    h("p", { class: "muted" }, "Enter the 6-digit code from your authenticator app, or a recovery code."),
    field("Code", code),
    h("button", { type: "submit" }, "Verify"),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(f, async () => {
      const value = code.value.trim();
      const body = /^\d{6}$/.test(value)
        ? { mfa_token: mfaToken, code: value }
        : { mfa_token: mfaToken, recovery_code: value };
      signedIn(await api("POST", "/auth/mfa/verify", body));
    });
  });
  render(h("section", { class: "narrow" }, f));
  code.focus();
}

function signupPage() {
  const render = painter();
  const email = h("input", { name: "email", type: "email", autocomplete: "username" });
  const name = h("input", { name: "display_name", autocomplete: "name" });
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password" });
  const f = form(
    { id: "signup-form" },
    h("h1", {}, "Create your account"),
    field("Email", email),
    field("Your name", name),
    field("Password (at least 12 characters)", password),
    h("button", { type: "submit" }, "Sign up"),
    h("p", {}, "Have an account? ", h("a", { href: "#/login" }, "Log in")),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(f, async () => {
      await api("POST", "/auth/register", { email: email.value, password: password.value, display_name: name.value });
      signedIn(await api("POST", "/auth/login", { email: email.value, password: password.value }));
    });
  });
  render(h("section", { class: "narrow" }, f));
}

const STATUSES = ["todo", "in_progress", "done", "cancelled"];
const STATUS_LABEL = { todo: "To do", in_progress: "In progress", done: "Done", cancelled: "Cancelled" };
const PRIORITIES = ["low", "medium", "high", "urgent"];

function options(values, selected, labels = {}) {
  return values.map((v) => h("option", { value: v, selected: v === selected }, labels[v] || v || "any"));
}

async function myTeams() {
  try {
    return (await api("GET", "/teams")).items;
  } catch {
    return [];
  }
}

async function tasksPage(params) {
  const render = painter();
  const view = params.get("view") || "list";
  const state = {
    status: params.get("status") || "",
    q: params.get("q") || "",
    sort: params.get("sort") || "-created_at",
    mine: params.get("mine") === "1",
    team_id: params.get("team_id") || "",
  };
  const teams = await myTeams();

  const status = h("select", { name: "status", "aria-label": "Status" }, options(["", ...STATUSES], state.status, { "": "Any status", ...STATUS_LABEL }));
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
  const team = h("select", { name: "team_id", "aria-label": "Team" }, h("option", { value: "" }, "All teams"), teams.map((t) => h("option", { value: t.team_id, selected: t.team_id === state.team_id }, t.name)));
  const mine = h("input", { type: "checkbox", name: "mine", checked: state.mine });
  const filters = h(
    "form",
    { class: "filters", id: "filters" },
    status,
    team,
    q,
    sort,
    h("label", { class: "inline" }, mine, " Assigned to me"),
    h("button", { type: "submit" }, "Apply"),
    h("a", { href: view === "board" ? "#/tasks" : "#/tasks?view=board", class: "button secondary" }, view === "board" ? "List view" : "Board view"),
  );
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    if (view === "board") p.set("view", "board");
    if (status.value) p.set("status", status.value);
    if (team.value) p.set("team_id", team.value);
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
  more.addEventListener("click", async () => list.append(...(await load()).map(taskRow)));

  render(
    h("section", {}, h("div", { class: "row" }, h("h1", {}, "Tasks")), newTaskForm(teams), filters, list, more),
  );
  list.replaceChildren(h("p", { class: "muted" }, "Loading tasks…"));
  const items = await load();
  if (view === "board") list.replaceChildren(board(items));
  else list.replaceChildren(...(items.length ? items.map(taskRow) : [h("p", { class: "empty" }, "No tasks yet. Create one above.")]));
}

function taskRow(t) {
  return h(
    "a",
    { class: "task", href: `#/tasks/${t.task_id}`, "data-task-id": t.task_id },
    h("span", { class: `badge ${t.status}` }, STATUS_LABEL[t.status]),
    h("span", { class: "title" }, t.title),
    h("span", { class: `prio ${t.priority}` }, t.priority),
    t.due_at ? h("span", { class: "muted" }, `due ${new Date(t.due_at).toLocaleDateString()}`) : null,
    ...t.labels.map((l) => h("span", { class: "label" }, l)),
  );
}

// Board by status: buttons move a card (keyboard-friendly); cards also drag.
function board(items) {
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
      h(
        "div",
        { class: "moves" },
        i > 0 ? h("button", { type: "button", class: "secondary", "aria-label": `Move to ${STATUS_LABEL[STATUSES[i - 1]]}`, onclick: () => moveTask(t.task_id, STATUSES[i - 1]) }, "←") : null,
        i < STATUSES.length - 1 ? h("button", { type: "button", class: "secondary", "aria-label": `Move to ${STATUS_LABEL[STATUSES[i + 1]]}`, onclick: () => moveTask(t.task_id, STATUSES[i + 1]) }, "→") : null,
      ),
    );
    card.addEventListener("dragstart", (ev) => ev.dataTransfer.setData("text/plain", t.task_id));
    columns[i].append(card);
  }
  return h("div", { class: "board" }, columns);
}

async function moveTask(id, status) {
  await api("PATCH", `/tasks/${id}`, { status });
  route();
}

function newTaskForm(teams) {
  const title = h("input", { name: "title", placeholder: "What needs doing?" });
  const team = h("select", { name: "team_id" }, h("option", { value: "" }, "Personal"), teams.map((t) => h("option", { value: t.team_id }, t.name)));
  const priority = h("select", { name: "priority" }, options(PRIORITIES, "medium"));
  const due = h("input", { name: "due_at", type: "date" });
  const labels = h("input", { name: "labels", placeholder: "labels, comma separated" });
  const f = form(
    { class: "new-task", id: "new-task" },
    field("New task", title),
    field("Team", team),
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
      if (due.value) body.due_at = new Date(`${due.value}T17:00:00`).toISOString();
      const ls = labels.value.split(",").map((s) => s.trim()).filter(Boolean);
      if (ls.length) body.labels = ls;
      await api("POST", "/tasks", body);
      route();
    });
  });
  return f;
}

async function taskPage(id) {
  const render = painter();
  let task;
  try {
    task = await api("GET", `/tasks/${id}`);
  } catch (e) {
    return render(h("section", {}, h("h1", {}, "Task not found"), h("p", {}, e.message), h("a", { href: "#/tasks" }, "Back to tasks")));
  }
  const title = h("input", { name: "title", value: task.title });
  const description = h("textarea", { name: "description", rows: 4 }, task.description || "");
  const status = h("select", { name: "status" }, options(STATUSES, task.status, STATUS_LABEL));
  const priority = h("select", { name: "priority" }, options(PRIORITIES, task.priority));
  const due = h("input", { name: "due_at", type: "date", value: task.due_at ? task.due_at.slice(0, 10) : "" });
  const labels = h("input", { name: "labels", value: task.labels.join(", ") });
  let assigneeField = null;
  let assignee = null;
  if (task.team_id) {
    try {
      const members = (await api("GET", `/teams/${task.team_id}/members`)).items;
      assignee = h("select", { name: "assignee_id" }, h("option", { value: "" }, "Nobody"), members.map((m) => h("option", { value: m.user_id, selected: m.user_id === task.assignee_id }, m.display_name)));
      assigneeField = field("Assignee", assignee);
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
    field("Description", description),
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
        labels: labels.value.split(",").map((s) => s.trim()).filter(Boolean),
      };
      if (assignee) body.assignee_id = assignee.value || null;
      await api("PATCH", `/tasks/${id}`, body);
      route();
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
  const del = h("button", { type: "button", class: "danger" }, "Delete task");
  del.addEventListener("click", async () => {
    if (!confirm("Delete this task?")) return;
    await api("DELETE", `/tasks/${id}`);
    location.hash = "#/tasks";
  });

  const comments = h("ol", { class: "comments", id: "comments" });
  const body = h("textarea", { name: "body", rows: 3, placeholder: "Write a comment" });
  const addComment = form({ id: "comment-form" }, field("Comment", body), h("button", { type: "submit" }, "Comment"));
  addComment.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(addComment, async () => {
      await api("POST", `/tasks/${id}/comments`, { body: body.value });
      body.value = "";
      await loadComments();
    });
  });
  async function loadComments() {
    const page = await api("GET", `/tasks/${id}/comments?limit=200`);
    comments.replaceChildren(
      ...(page.items.length
        ? page.items.map((c) => h("li", {}, h("strong", {}, c.author_name || "someone"), h("span", { class: "muted" }, ` ${fmtDate(c.created_at)}`), h("p", {}, c.body)))
        : [h("li", { class: "empty" }, "No comments yet.")]),
    );
  }

  const entries = h("ul", { class: "entries" });
  const entries_ = (await api("GET", `/tasks/${id}/time-entries`)).items;
  entries.replaceChildren(...entries_.map((e) => h("li", {}, `${fmtDate(e.started_at)}: ${e.running ? "running" : fmtDuration(e.duration_seconds)}`)));

  const started = h("input", { name: "started_at", type: "datetime-local" });
  const minutes = h("input", { name: "duration_seconds", type: "number", min: 1, max: 1440, value: 30 });
  const manual = form({ id: "entry-form", class: "inline-form" }, field("Started", started), field("Minutes", minutes, "duration_seconds"), h("button", { type: "submit" }, "Add time"));
  manual.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(manual, async () => {
      if (!started.value) throw new ApiError(422, { errors: [{ field: "started_at", message: "pick when you started" }] });
      await api("POST", `/tasks/${id}/time-entries`, { started_at: new Date(started.value).toISOString(), duration_seconds: Number(minutes.value) * 60 });
      route();
    });
  });

  render(
    h(
      "section",
      {},
      h("p", {}, h("a", { href: "#/tasks" }, "← Tasks")),
      h("h1", { id: "task-title" }, task.title),
      h("div", { class: "row" }, timerButton, del),
      edit,
      h("h2", {}, "Comments"),
      comments,
      addComment,
      h("h2", {}, "Time"),
      entries,
      manual,
    ),
  );
  await loadComments();
}

async function reportPage(params) {
  const render = painter();
  const groupBy = params.get("group_by") || "day";
  const to = params.get("to") || new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  const from = params.get("from") || new Date(Date.now() - 29 * 86400000).toISOString().slice(0, 10);
  const query = new URLSearchParams({ group_by: groupBy, from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z` });
  const group = h("select", { name: "group_by" }, options(["day", "user", "task", "label"], groupBy));
  const fromI = h("input", { type: "date", name: "from", value: from });
  const toI = h("input", { type: "date", name: "to", value: to });
  const f = form({ class: "filters", id: "report-form" }, field("Group by", group), field("From", fromI), field("To", toI), h("button", { type: "submit" }, "Show"));
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.hash = `#/report?${new URLSearchParams({ group_by: group.value, from: fromI.value, to: toI.value })}`;
  });
  const csv = h("button", { type: "button", class: "secondary", id: "csv" }, "Download CSV");
  csv.addEventListener("click", async () => download(await api("GET", `/reports/time?${query}`, undefined, { accept: "text/csv" }), "time-report.csv"));
  let report;
  try {
    report = await api("GET", `/reports/time?${query}`);
  } catch (e) {
    return render(h("section", {}, h("h1", {}, "Time report"), f, h("p", { class: "form-error" }, e.message)));
  }
  const max = Math.max(1, ...report.groups.map((g) => g.seconds));
  const ns = "http://www.w3.org/2000/svg";
  const rowH = 26;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 600 ${Math.max(1, report.groups.length) * rowH}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Tracked time by ${groupBy}`);
  report.groups.forEach((g, i) => {
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", "0");
    label.setAttribute("y", String(i * rowH + 17));
    label.textContent = (g.label || g.key).slice(0, 24);
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", "200");
    bar.setAttribute("y", String(i * rowH + 4));
    bar.setAttribute("height", "18");
    bar.setAttribute("width", String(Math.max(2, (g.seconds / max) * 330)));
    const value = document.createElementNS(ns, "text");
    value.setAttribute("x", String(210 + (g.seconds / max) * 330));
    value.setAttribute("y", String(i * rowH + 17));
    value.textContent = fmtDuration(g.seconds);
    svg.append(label, bar, value);
  });
  render(
    h(
      "section",
      {},
      h("h1", {}, "Time report"),
      f,
      h("p", { id: "report-total" }, `Total ${fmtDuration(report.total_seconds)}, billable ${fmtDuration(report.billable_seconds)}`),
      report.groups.length ? svg : h("p", { class: "empty" }, "No time tracked in this range."),
      h(
        "table",
        { id: "report-table" },
        h("thead", {}, h("tr", {}, h("th", {}, groupBy), h("th", {}, "Time"), h("th", {}, "Billable"))),
        h("tbody", {}, report.groups.map((g) => h("tr", {}, h("td", {}, g.label || g.key), h("td", {}, fmtDuration(g.seconds)), h("td", {}, fmtDuration(g.billable_seconds))))),
      ),
      csv,
    ),
  );
}

async function teamsPage() {
  const render = painter();
  const [teams, invitations] = await Promise.all([myTeams(), api("GET", "/me/invitations")]);
  const answer = (inv, verb) =>
    h("button", {
      type: "button",
      class: verb === "accept" ? "" : "secondary",
      "aria-label": `${verb === "accept" ? "Accept" : "Decline"} the invitation to ${inv.team_name}`,
      onclick: async (ev) => {
        ev.target.disabled = true;
        try {
          await api("POST", `/me/invitations/${inv.invitation_id}/${verb}`);
          location.hash = verb === "accept" ? `#/teams/${inv.team_id}` : "#/teams";
        } catch (e) {
          alert(e.message);
        }
        route();
      },
    }, verb === "accept" ? "Accept" : "Decline");
  const pending = invitations.items.length
    ? h(
        "section",
        { id: "my-invitations" },
        h("h2", {}, "Invitations"),
        h("ul", { class: "teams" }, invitations.items.map((inv) =>
          h("li", {},
            h("strong", {}, inv.team_name),
            h("span", { class: "muted" }, ` as ${inv.role}${inv.invited_by_name ? `, from ${inv.invited_by_name}` : ""}, until ${new Date(inv.expires_at).toLocaleDateString()} `),
            answer(inv, "accept"), " ", answer(inv, "decline")))),
      )
    : null;
  const name = h("input", { name: "name", placeholder: "Team name" });
  const f = form({ id: "team-form", class: "inline-form" }, field("New team", name), h("button", { type: "submit" }, "Create team"));
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(f, async () => {
      await api("POST", "/teams", { name: name.value });
      route();
    });
  });
  render(
    h(
      "section",
      {},
      h("h1", {}, "Teams"),
      pending,
      f,
      teams.length
        ? h("ul", { class: "teams" }, teams.map((t) => h("li", {}, h("a", { href: `#/teams/${t.team_id}` }, t.name), h("span", { class: "muted" }, ` ${t.my_role}, ${t.member_count} members`))))
        : h("p", { class: "empty" }, "You are not in a team yet."),
    ),
  );
}

async function teamPage(id) {
  const render = painter();
  const me = await api("GET", "/me");
  const [team, members] = await Promise.all([api("GET", `/teams/${id}`), api("GET", `/teams/${id}/members`)]);
  const manage = team.my_role === "owner" || team.my_role === "admin";
  const invitations = manage ? (await api("GET", `/teams/${id}/invitations?limit=200`)).items.filter((i) => i.status === "pending") : [];
  const email = h("input", { name: "email", type: "email", placeholder: "colleague@example.com" });
  const role = h("select", { name: "role" }, options(["member", "viewer", "admin"], "member"));
  const invite = form({ id: "invite-form", class: "inline-form" }, field("Invite by email", email), field("Role", role), h("button", { type: "submit" }, "Send invitation"));
  invite.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(invite, async () => {
      await api("POST", `/teams/${id}/invitations`, { email: email.value, role: role.value });
      flash = { kind: "good", text: `Invitation sent to ${email.value.trim()}. They join when they accept it.` };
      route();
    });
  });
  const invitationRows = invitations.map((i) =>
    h("tr", {},
      h("td", {}, i.email),
      h("td", {}, i.role),
      h("td", {}, new Date(i.expires_at).toLocaleDateString()),
      h("td", {}, h("button", {
        type: "button",
        class: "secondary",
        "aria-label": `Revoke the invitation to ${i.email}`,
        onclick: async () => {
          try {
            await api("DELETE", `/teams/${id}/invitations/${i.invitation_id}`);
          } catch (e) {
            alert(e.message);
          }
          route();
        },
      }, "Revoke"))));
  const pending = invitationRows.length
    ? h("section", { id: "team-invitations" }, h("h2", {}, "Pending invitations"),
        h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Email"), h("th", {}, "Role"), h("th", {}, "Expires"), h("th", {}))), h("tbody", {}, invitationRows)))
    : null;
  const notice = takeFlash();
  const rows = members.items.map((m) => {
    const sel = h("select", { "aria-label": `Role of ${m.display_name}`, disabled: !manage }, options(["owner", "admin", "member", "viewer"], m.role));
    sel.addEventListener("change", async () => {
      try {
        await api("PATCH", `/teams/${id}/members/${m.user_id}`, { role: sel.value });
      } catch (e) {
        alert(e.message);
      }
      route();
    });
    const leave = m.user_id === me.user_id ? "Leave" : manage ? "Remove" : null;
    const btn = leave
      ? h("button", {
          type: "button",
          class: "secondary",
          onclick: async () => {
            try {
              await api("DELETE", `/teams/${id}/members/${m.user_id}`);
              location.hash = m.user_id === me.user_id ? "#/teams" : location.hash;
            } catch (e) {
              alert(e.message);
            }
            route();
          },
        }, leave)
      : null;
    return h("tr", {}, h("td", {}, m.display_name), h("td", {}, m.email), h("td", {}, sel), h("td", {}, btn));
  });
  render(
    h(
      "section",
      {},
      h("p", {}, h("a", { href: "#/teams" }, "← Teams")),
      h("h1", {}, team.name),
      h("p", {}, h("a", { href: `#/tasks?team_id=${id}` }, "This team's tasks")),
      notice,
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Email"), h("th", {}, "Role"), h("th", {}))), h("tbody", {}, rows)),
      manage ? invite : null,
      pending,
    ),
  );
}

async function accountPage() {
  const render = painter();
  const notice = takeFlash();
  const [me, providers, { identities }] = await Promise.all([api("GET", "/me"), signInProviders(), api("GET", "/me/identities")]);
  const name = h("input", { name: "display_name", value: me.display_name });
  const profile = form({ id: "profile-form", class: "inline-form" }, field("Display name", name), h("button", { type: "submit" }, "Save"));
  profile.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(profile, async () => {
      await api("PATCH", "/me", { display_name: name.value });
      route();
    });
  });

  // An account made through an identity provider has no password to
  // re-enter: the server accepts a sign-in from the last 10 minutes instead.
  const passwordInput = (name = "password") => (me.has_password ? h("input", { name, type: "password", autocomplete: "current-password" }) : null);
  const providerNote = me.has_password
    ? null
    : h("p", { class: "muted", id: "provider-note" }, "You sign in through an identity provider. The changes below need a sign-in from the last 10 minutes: if one is refused, log out and in again, then retry.");
  const withPassword = (body, input) => (input ? { ...body, password: input.value } : body);

  const current = passwordInput("current_password");
  const next = h("input", { name: "new_password", type: "password", autocomplete: "new-password" });
  const pw = form(
    { id: "password-form" },
    h("h2", {}, me.has_password ? "Password" : "Set a password"),
    current && field("Current password", current),
    field("New password", next),
    h("button", { type: "submit" }, me.has_password ? "Change password" : "Set password"),
  );
  pw.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(pw, async () => {
      await api("POST", "/me/password", current ? { current_password: current.value, new_password: next.value } : { new_password: next.value });
      flash = { kind: "good", text: "Password saved; your other sessions were signed out." };
      route();
    });
  });

  // Every configured provider, linked or not, plus links to providers no
  // longer offered (shown, so the person knows TaskFlow still holds them).
  const linkedAs = (p) => identities.find((i) => i.provider === p.name);
  const gone = identities.filter((i) => !providers.some((p) => p.name === i.provider));
  const linkPassword = passwordInput();
  const linking = providers.length || gone.length
    ? form(
        { id: "linking" },
        h("h2", {}, "Sign-in providers"),
        h("p", { class: "muted" }, "Link an identity provider to sign in with it instead of your password."),
        linkPassword && field("Password (linking adds a way into your account)", linkPassword),
        h(
          "ul",
          { class: "providers-list" },
          providers.map((p) => {
            const i = linkedAs(p);
            return i
              ? h("li", {}, `${p.display_name}: linked${i.email ? ` as ${i.email}` : ""} since ${fmtDate(i.linked_at)} `, h("button", { type: "button", class: "secondary", id: `unlink-${p.name}`, onclick: () => unlinkProvider(p) }, "Unlink"))
              : h("li", {}, h("button", { type: "button", class: "secondary", id: `link-${p.name}`, onclick: () => linkProvider(p) }, `Link ${p.display_name}`));
          }),
          gone.map((i) => h("li", { class: "muted" }, `${i.issuer}: linked${i.email ? ` as ${i.email}` : ""}, no longer offered for sign-in`)),
        ),
      )
    : null;
  linking?.addEventListener("submit", (ev) => ev.preventDefault());
  async function linkProvider(p) {
    try {
      const { authorization_url } = await api("POST", `/me/oauth/${encodeURIComponent(p.name)}/link`, withPassword({}, linkPassword));
      sessionStorage.setItem("tf_oauth_link", "1");
      location.assign(authorization_url);
    } catch (e) {
      showProblem(linking, e);
    }
  }
  async function unlinkProvider(p) {
    try {
      await api("DELETE", `/me/identities/${encodeURIComponent(p.name)}`);
      flash = { kind: "good", text: `Unlinked ${p.display_name}.` };
      route();
    } catch (e) {
      showProblem(linking, e);
    }
  }

  const mfa = h("div", { id: "mfa" });
  const recoveryCodes = (intro, { recovery_codes }) => [h("p", {}, intro), h("ul", { id: "recovery-codes", class: "codes" }, recovery_codes.map((c) => h("li", {}, c)))];
  const enrol = h("button", { type: "button", id: "mfa-enrol" }, "Set up two-factor authentication");
  enrol.addEventListener("click", async () => {
    let e;
    try {
      e = await api("POST", "/me/mfa/totp");
    } catch (err) {
      mfa.replaceChildren(h("p", { class: "form-error" }, err.message));
      return;
    }
    const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code" });
    const confirmForm = form({ id: "mfa-confirm" }, field("Code from the app", code), h("button", { type: "submit" }, "Turn on"));
    confirmForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submitting(confirmForm, async () => {
        const r = await api("POST", "/me/mfa/totp/confirm", { code: code.value.trim() });
        mfa.replaceChildren(...recoveryCodes("Two-factor authentication is on. Save these recovery codes now; they are shown once:", r));
      });
    });
    mfa.replaceChildren(
      h("p", {}, "Scan this code with your authenticator app, or type the secret."),
      h("img", { src: `data:image/png;base64,${e.qr_png_base64}`, alt: "QR code for your authenticator app", width: 200, height: 200 }),
      h("p", {}, "Secret: ", h("code", { id: "mfa-secret" }, e.secret)),
      confirmForm,
    );
  });
  if (me.mfa_enabled) {
    const offPassword = passwordInput();
    const offCode = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code" });
    const off = form({ id: "mfa-off", class: "inline-form" }, offPassword && field("Password", offPassword), field("Code from the app", offCode), h("button", { type: "submit", class: "secondary" }, "Turn off"));
    off.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submitting(off, async () => {
        await api("DELETE", "/me/mfa/totp", withPassword({ code: offCode.value.trim() }, offPassword));
        flash = { kind: "good", text: "Two-factor authentication is off." };
        route();
      });
    });
    const renewPassword = passwordInput();
    const newCode = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code" });
    const renew = form({ id: "mfa-codes", class: "inline-form" }, renewPassword && field("Password", renewPassword), field("Code from the app", newCode), h("button", { type: "submit", class: "secondary" }, "New recovery codes"));
    renew.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submitting(renew, async () => {
        const r = await api("POST", "/me/mfa/recovery-codes", withPassword({ code: newCode.value.trim() }, renewPassword));
        mfa.replaceChildren(...recoveryCodes("Your old recovery codes no longer work. Save these now; they are shown once:", r));
      });
    });
    mfa.replaceChildren(h("p", { id: "mfa-on" }, "Two-factor authentication is on."), off, renew);
  } else {
    mfa.replaceChildren(enrol);
  }

  const consentsData = await api("GET", "/me/consents");
  const granted = Object.fromEntries(consentsData.consents.map((c) => [c.purpose, c.granted]));
  const consentBoxes = consentsData.purposes.map((p) => h("input", { type: "checkbox", name: p, checked: granted[p] }));
  const consents = form(
    { id: "consents-form" },
    h("h2", {}, "Consents"),
    consentsData.purposes.map((p, i) => h("label", { class: "inline" }, consentBoxes[i], ` ${p.replaceAll("_", " ")}`)),
    h("button", { type: "submit" }, "Save consents"),
  );
  consents.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(consents, async () => {
      await api("PUT", "/me/consents", { consents: consentsData.purposes.map((p, i) => ({ purpose: p, granted: consentBoxes[i].checked, policy_version: "2026-11" })) });
      consents.querySelector(".form-error").textContent = "Saved.";
    });
  });

  const exportButton = h("button", { type: "button", class: "secondary", id: "export" }, "Download my data");
  exportButton.addEventListener("click", async () => {
    const data = await api("GET", "/me/export");
    download(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }), "taskflow-export.json");
  });

  const delPassword = passwordInput();
  const delCode = me.mfa_enabled ? h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code" }) : null;
  const del = form(
    { id: "delete-form" },
    h("h2", {}, "Delete account"),
    delPassword && field("Password", delPassword),
    delCode && field("Two-factor code", delCode),
    h("button", { type: "submit", class: "danger" }, "Delete my account"),
  );
  del.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!confirm("Delete your account for good?")) return;
    submitting(del, async () => {
      const body = withPassword({}, delPassword);
      if (delCode) body.code = delCode.value.trim();
      await api("DELETE", "/me", body);
      clearTokens();
      location.hash = "#/login";
    });
  });

  render(
    h(
      "section",
      {},
      h("h1", {}, "Account"),
      notice,
      h("p", {}, `Signed in as ${me.email}`),
      providerNote,
      profile,
      pw,
      h("h2", {}, "Two-factor authentication"),
      mfa,
      linking,
      consents,
      h("h2", {}, "Your data"),
      exportButton,
      del,
    ),
  );
}

// ---- router -----------------------------------------------------------------

async function route() {
  const [path, qs] = (location.hash.slice(1) || "/tasks").split("?");
  const params = new URLSearchParams(qs || "");
  const signedIn = !!accessToken || !!sessionStorage.getItem("tf_refresh");
  nav.hidden = !signedIn;
  if (path === "/oauth") return oauthPage(params).catch((e) => loginPage(`Signing in did not complete: ${e.message}`));
  if (!signedIn && path !== "/signup") return path === "/login" ? loginPage() : ((location.hash = "#/login"), undefined);
  try {
    const parts = path.split("/").filter(Boolean);
    if (parts[0] === "login") return loginPage();
    if (parts[0] === "signup") return signupPage();
    refreshTimer();
    if (parts[0] === "tasks" && parts[1]) return await taskPage(parts[1]);
    if (parts[0] === "report") return await reportPage(params);
    if (parts[0] === "teams" && parts[1]) return await teamPage(parts[1]);
    if (parts[0] === "teams") return await teamsPage();
    if (parts[0] === "account") return await accountPage();
    return await tasksPage(params);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      clearTokens();
      location.hash = "#/login";
      return;
    }
    painter()(h("section", {}, h("h1", {}, "Something went wrong"), h("p", { class: "form-error" }, e.message)));
  }
}

document.getElementById("logout").addEventListener("click", async () => {
  try {
    await api("POST", "/auth/logout");
  } catch {
    /* signed out locally either way */
  }
  clearTokens();
  timerBar.hidden = true;
  location.hash = "#/login";
});

window.addEventListener("hashchange", route);
route();
