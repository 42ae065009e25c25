// Background jobs, for global admins: the queue by state, a dead job sent
// back, and the workers' fire drill (diagnostic pings).

import { api } from "../api.js";
import { field, fmtDate, form, h, options, painter, rerender, setFlash, submitting, takeFlash } from "../dom.js";

const STATES = ["", "queued", "running", "done", "dead"];

export async function jobsPage(params) {
  const render = painter();
  const notice = takeFlash();
  const state = params.get("state") || "";
  const problem = h("p", { class: "form-error", role: "alert" });
  const rows = h("tbody", { id: "jobs" });
  const older = h("button", { type: "button", id: "older-jobs", hidden: true }, "Show older");
  let cursor = null;

  const row = (j) => {
    const retry = h("button", { type: "button", class: "secondary", "aria-label": `Retry job ${j.job_id}` }, "Retry");
    retry.addEventListener("click", async () => {
      problem.textContent = "";
      try {
        await api("POST", `/admin/jobs/${j.job_id}/retry`);
        setFlash({ kind: "good", text: "The job is queued again." });
        rerender();
      } catch (e) {
        problem.textContent = e.message;
      }
    });
    const outcome = j.state === "done" ? JSON.stringify(j.result) : j.last_error || "";
    return h(
      "tr",
      { "data-job-id": j.job_id, "data-state": j.state },
      h("td", {}, j.kind),
      h("td", {}, h("span", { class: `badge ${j.state}` }, j.state)),
      h("td", {}, `${j.attempts} / ${j.max_attempts}`),
      h("td", {}, fmtDate(j.created_at)),
      h("td", {}, j.state === "queued" ? fmtDate(j.run_at) : j.finished_at ? fmtDate(j.finished_at) : ""),
      h("td", { class: "muted" }, j.locked_by || ""),
      h("td", { class: "job-outcome" }, outcome),
      h("td", {}, j.state === "dead" ? retry : null),
    );
  };
  const load = async () => {
    const q = new URLSearchParams({ limit: "50" });
    if (state) q.set("state", state);
    if (cursor) q.set("cursor", cursor);
    const page = await api("GET", `/admin/jobs?${q}`);
    rows.append(...page.items.map(row));
    if (!rows.children.length) rows.append(h("tr", {}, h("td", { colspan: "8", class: "empty" }, "No jobs.")));
    cursor = page.next_cursor;
    older.hidden = !cursor;
  };
  older.addEventListener("click", () => load());

  const filter = h("select", { name: "state", id: "job-state" }, options(STATES, state, { "": "all states" }));
  filter.addEventListener("change", () => {
    location.hash = filter.value ? `#/jobs?state=${filter.value}` : "#/jobs";
  });
  const refresh = h("button", { type: "button", class: "secondary", id: "refresh-jobs" }, "Refresh");
  refresh.addEventListener("click", () => rerender());

  const drill = form(
    { id: "ping-form", class: "inline" },
    field("Pings", h("input", { name: "count", type: "number", min: "1", max: "1000", value: "1" }), "count"),
    field(
      "Failing first attempts",
      h("input", { name: "fail_attempts", type: "number", min: "0", max: "5", value: "0" }),
      "fail_attempts",
    ),
    field(
      "Failing with",
      h("select", { name: "fail_with" }, options(["error", "panic", "hang"], "error")),
      "fail_with",
    ),
    h("button", { type: "submit" }, "Send pings"),
  );
  drill.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(drill, async () => {
      const d = new FormData(drill);
      const body = {
        count: Number(d.get("count")),
        fail_attempts: Number(d.get("fail_attempts")),
        fail_with: d.get("fail_with"),
      };
      if (body.fail_with === "hang") body.timeout_ms = 1000;
      const r = await api("POST", "/admin/jobs/ping", body);
      setFlash({ kind: "good", text: `${r.job_ids.length} ping(s) enqueued.` });
      rerender();
    });
  });

  await load();
  render(
    h(
      "section",
      {},
      notice,
      h("h1", {}, "Background jobs"),
      h(
        "p",
        { class: "muted" },
        "Webhooks, mail and imports run here. A failed job is retried with backoff; after its last attempt it is dead ",
        "and waits for you to retry it. Pings test the workers: they report which worker ran them.",
      ),
      h("div", { class: "row" }, filter, refresh),
      problem,
      h(
        "table",
        { class: "jobs" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["Kind", "State", "Attempts", "Enqueued", "Due / finished", "Worker", "Result or error", ""].map((t) =>
              h("th", {}, t),
            ),
          ),
        ),
        rows,
      ),
      older,
      h("h2", {}, "Fire drill"),
      drill,
    ),
  );
}
