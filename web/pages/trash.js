// The trash: deleted tasks, restored or deleted for good.

import { api } from "../api.js";
import { fmtDate, h, painter, rerender, takeFlash } from "../dom.js";

export async function trashPage() {
  const render = painter();
  const notice = takeFlash();
  const list = h("ul", { class: "trash", id: "trash" });
  const older = h("button", { type: "button", id: "older-trash", hidden: true }, "Show older");
  const problem = h("p", { class: "form-error", role: "alert" });
  let cursor = null;
  const act = async (fn) => {
    problem.textContent = "";
    try {
      await fn();
      rerender();
    } catch (e) {
      problem.textContent = e.message;
    }
  };
  const row = (t) => {
    const restore = h(
      "button",
      { type: "button", class: "secondary", "aria-label": `Restore "${t.title}"` },
      t.parent_trashed ? "Restore (parent first)" : "Restore",
    );
    restore.disabled = t.parent_trashed;
    restore.addEventListener("click", () =>
      act(async () => {
        await api("POST", `/trash/${t.task_id}/restore`);
      }),
    );
    const purge = h(
      "button",
      { type: "button", class: "danger", "aria-label": `Delete "${t.title}" for good` },
      "Delete for good",
    );
    purge.addEventListener("click", () =>
      act(async () => {
        if (!confirm(`Delete "${t.title}" for good, with its comments and time? This cannot be undone.`)) return;
        await api("DELETE", `/trash/${t.task_id}`);
      }),
    );
    return h(
      "li",
      { "data-task-id": t.task_id },
      h("strong", {}, t.title),
      t.subtasks ? h("span", { class: "muted" }, ` with ${t.subtasks} subtask(s)`) : null,
      h("span", { class: "muted" }, ` deleted by ${t.trashed_by_name || "someone"} ${fmtDate(t.trashed_at)}`),
      h("span", { class: "row" }, restore, purge),
    );
  };
  const load = async () => {
    const page = await api("GET", `/trash?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    list.append(...page.items.map(row));
    if (!list.children.length) list.append(h("li", { class: "empty" }, "The trash is empty."));
    cursor = page.next_cursor;
    older.hidden = !cursor;
  };
  older.addEventListener("click", () => load());
  await load();
  render(
    h(
      "section",
      {},
      notice,
      h("h1", {}, "Trash"),
      h(
        "p",
        { class: "muted" },
        "Deleted tasks stay here, with their comments and time, until restored or deleted for good ",
        "(after 30 days unless the server says otherwise). Their time still counts in reports.",
      ),
      problem,
      list,
      older,
    ),
  );
}
