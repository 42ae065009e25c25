// The week timesheet: task by day in the person's zone. On your own week you
// type hours into a cell (a new entry, or the one entry there changed), add
// a task row and submit the week; a team admin opening someone's week
// approves it or sends it back with a reason, or reviews single entries.

import { api } from "../api.js";
import { field, fmtDuration, form, h, options, painter, rerender, setFlash, submitting, takeFlash } from "../dom.js";

const STATES = {
  empty: "Nothing tracked",
  draft: "Draft",
  submitted: "Submitted, waiting for approval",
  approved: "Approved",
  rejected: "Sent back",
};

/** The ISO week (2026-W48) of a YYYY-MM-DD day. */
export function isoWeek(day) {
  const d = new Date(`${day}T00:00:00Z`);
  const weekday = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - weekday + 3); // that week's Thursday decides the year
  const year = d.getUTCFullYear();
  const first = new Date(Date.UTC(year, 0, 4)); // 4 January is in week 1
  first.setUTCDate(first.getUTCDate() - ((first.getUTCDay() + 6) % 7) + 3);
  const week = 1 + Math.round((d - first) / (7 * 86400000));
  return `${year}-W${String(week).padStart(2, "0")}`;
}

function shiftDay(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The instant of `hour`:00 on `day` in the IANA `zone` (not in a DST gap at 9). */
function zonedInstant(day, hour, zone) {
  const guess = Date.parse(`${day}T${String(hour).padStart(2, "0")}:00:00Z`);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(new Date(guess))
      .map((p) => [p.type, p.value]),
  );
  const seen = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
  return new Date(guess - (seen - guess)).toISOString();
}

/** "2", "1.5", "1,5" or "1:30" hours → seconds; 0 for empty; null when unreadable. */
export function parseHours(text) {
  const t = text.trim();
  if (!t) return 0;
  const clock = /^(\d{1,2}):([0-5]\d)$/.exec(t);
  if (clock) return Number(clock[1]) * 3600 + Number(clock[2]) * 60;
  if (!/^\d{1,2}([.,]\d{1,2})?$/.test(t)) return null;
  return Math.round(Number(t.replace(",", ".")) * 3600);
}

function hours(seconds) {
  return seconds ? String(Math.round((seconds / 3600) * 100) / 100) : "";
}

// Task rows added on this page before they have time, per week.
const added = new Map();

export async function timesheetPage(params) {
  const paint = painter();
  const me = await api("GET", "/me");
  const query = new URLSearchParams();
  if (params.get("week")) query.set("week", params.get("week"));
  if (params.get("user")) query.set("user_id", params.get("user"));
  const sheet = await api("GET", `/timesheets?${query}`);
  const mine = sheet.user_id === me.user_id;
  const tasks = mine ? (await api("GET", "/tasks?limit=200")).items : [];
  const who = mine ? "" : `&user=${sheet.user_id}`;
  const link = (days) => `#/timesheet?week=${isoWeek(shiftDay(sheet.days[0], days))}${who}`;
  const error = h("p", { class: "form-error", role: "alert", id: "sheet-error" });

  const extra = added.get(sheet.week) || [];
  const rows = [...sheet.rows];
  for (const id of extra) {
    const t = tasks.find((x) => x.task_id === id);
    if (t && !rows.some((r) => r.task_id === id))
      rows.push({ task_id: id, title: t.title, team_id: t.team_id, days: [0, 0, 0, 0, 0, 0, 0], seconds: 0 });
  }
  const inCell = (taskId, day) => sheet.entries.filter((e) => e.task_id === taskId && e.day === day);

  async function write(taskId, day, input) {
    const seconds = parseHours(input.value);
    if (seconds === null || seconds > 86400) {
      error.textContent = `"${input.value}" is not a number of hours (2, 1.5 or 1:30; at most 24).`;
      return;
    }
    const [entry] = inCell(taskId, day);
    try {
      if (!entry && seconds) {
        await api("POST", `/tasks/${taskId}/time-entries`, {
          started_at: zonedInstant(day, 9, sheet.time_zone),
          duration_seconds: seconds,
        });
      } else if (entry && !seconds) {
        await api("DELETE", `/time-entries/${entry.entry_id}`);
      } else if (entry) {
        const full = await api("GET", `/time-entries/${entry.entry_id}`);
        const end = new Date(Date.parse(full.started_at) + seconds * 1000).toISOString();
        await api("PATCH", `/time-entries/${entry.entry_id}`, { ended_at: end });
      }
      rerender();
    } catch (e) {
      error.textContent = e.message;
    }
  }

  const dayName = (day) =>
    new Date(`${day}T12:00:00Z`).toLocaleDateString(undefined, { weekday: "short", day: "numeric", timeZone: "UTC" });
  const body = rows.map((r) =>
    h(
      "tr",
      {},
      h(
        "th",
        { scope: "row" },
        h("a", { href: `#/tasks/${r.task_id}` }, r.title),
        r.team_id ? null : h("span", { class: "muted" }, " (personal)"),
      ),
      sheet.days.map((day, i) => {
        const entries = inCell(r.task_id, day);
        const editable =
          mine &&
          entries.length <= 1 &&
          entries.every((e) => !e.running && (e.state === "draft" || e.state === "rejected"));
        if (!editable) {
          const states = [...new Set(entries.map((e) => e.state))].join(", ");
          return h("td", { class: `num ${states}`, title: states || null }, hours(r.days[i]));
        }
        const input = h("input", {
          class: "hours",
          inputmode: "decimal",
          value: hours(r.days[i]),
          "aria-label": `Hours on ${r.title}, ${day}`,
          "data-day": day,
        });
        input.addEventListener("change", () => write(r.task_id, day, input));
        return h("td", { class: `num ${entries[0]?.state || ""}` }, input);
      }),
      h("td", { class: "num total" }, fmtDuration(r.seconds)),
    ),
  );
  const table = h(
    "table",
    { id: "timesheet", class: "timesheet" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Task"),
        sheet.days.map((d) => h("th", { class: "num" }, dayName(d))),
        h("th", { class: "num" }, "Total"),
      ),
    ),
    h("tbody", {}, body.length ? body : h("tr", {}, h("td", { colspan: 9, class: "empty" }, "No time this week."))),
    h(
      "tfoot",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Day total"),
        sheet.day_totals.map((s, i) => h("td", { class: "num", "data-day": sheet.days[i] }, fmtDuration(s))),
        h("td", { class: "num", id: "sheet-total" }, fmtDuration(sheet.seconds)),
      ),
    ),
  );

  const actions = [];
  if (mine) {
    const free = tasks.filter((t) => !rows.some((r) => r.task_id === t.task_id));
    if (free.length) {
      const pick = h(
        "select",
        { name: "task_id" },
        options(
          free.map((t) => t.task_id),
          "",
          Object.fromEntries(free.map((t) => [t.task_id, t.title])),
        ),
      );
      const add = form(
        { id: "sheet-add-row", class: "inline-form" },
        field("Add a task", pick),
        h("button", { type: "submit", class: "secondary" }, "Add row"),
      );
      add.addEventListener("submit", (ev) => {
        ev.preventDefault();
        added.set(sheet.week, [...extra, pick.value]);
        rerender();
      });
      actions.push(add);
    }
    const waiting = sheet.counts.draft + sheet.counts.rejected;
    actions.push(
      h(
        "button",
        {
          type: "button",
          id: "submit-week",
          disabled: !waiting,
          onclick: async () => {
            try {
              const r = await api("POST", `/timesheets/${sheet.week}/submit`);
              setFlash({
                kind: "good",
                text: r.entries ? `${r.entries} entries submitted for approval.` : "Nothing new to submit.",
              });
              rerender();
            } catch (e) {
              error.textContent = e.message;
            }
          },
        },
        "Submit week",
      ),
    );
  } else {
    const decide = async (path, body, done) => {
      try {
        const r = await api("POST", path, body);
        setFlash({ kind: "good", text: done(r) });
        rerender();
      } catch (e) {
        error.textContent = e.message;
      }
    };
    actions.push(
      h(
        "button",
        {
          type: "button",
          id: "approve-week",
          disabled: !sheet.counts.submitted,
          onclick: () =>
            decide(
              `/timesheets/${sheet.week}/approve`,
              { user_id: sheet.user_id },
              (r) => `${r.entries} entries approved.`,
            ),
        },
        "Approve week",
      ),
    );
    const reason = h("input", { name: "reason", placeholder: "What needs changing" });
    const back = form(
      { id: "reject-week", class: "inline-form" },
      field("Send back because", reason),
      h("button", { type: "submit", class: "secondary", disabled: !sheet.counts.submitted }, "Send week back"),
    );
    back.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submitting(back, async () => {
        const r = await api("POST", `/timesheets/${sheet.week}/reject`, {
          user_id: sheet.user_id,
          reason: reason.value,
        });
        setFlash({ kind: "good", text: `${r.entries} entries sent back.` });
        rerender();
      });
    });
    actions.push(back);
  }

  const title = new Map(rows.map((r) => [r.task_id, r.title]));
  const review = (e) => {
    if (mine) return null;
    const act = (what, body) =>
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "aria-label": `${what} the entry of ${e.day} on ${title.get(e.task_id)}`,
          onclick: async () => {
            try {
              await api("POST", `/time-entries/${e.entry_id}/${what.toLowerCase()}`, body);
            } catch (err) {
              error.textContent = err.message;
              return;
            }
            rerender();
          },
        },
        what,
      );
    if (e.state === "submitted") return [act("Approve"), act("Reject", { reason: "Please check this entry" })];
    if (e.state === "approved") return act("Reopen");
    return null;
  };
  const entries = h(
    "table",
    { id: "sheet-entries" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Day"),
        h("th", {}, "Task"),
        h("th", { class: "num" }, "Time"),
        h("th", {}, "State"),
        h("th", {}),
      ),
    ),
    h(
      "tbody",
      {},
      sheet.entries.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, e.day),
          h("td", {}, title.get(e.task_id) || e.task_id),
          h("td", { class: "num" }, e.running ? "running" : fmtDuration(e.seconds)),
          h(
            "td",
            {},
            h("span", { class: `badge ${e.state}` }, e.state),
            e.rejection_reason ? h("span", { class: "muted" }, ` ${e.rejection_reason}`) : null,
          ),
          h("td", {}, review(e)),
        ),
      ),
    ),
  );

  paint(
    h(
      "section",
      {},
      h("h1", {}, mine ? `Timesheet ${sheet.week}` : `Timesheet ${sheet.week} of a teammate`),
      takeFlash(),
      h(
        "p",
        { class: "week-nav" },
        h("a", { href: link(-7), id: "prev-week" }, "← Previous week"),
        " ",
        h("span", { id: "sheet-state", class: `badge ${sheet.state}` }, STATES[sheet.state] || sheet.state),
        " ",
        h("a", { href: link(7), id: "next-week" }, "Next week →"),
      ),
      h(
        "p",
        { class: "muted" },
        `Days in ${sheet.time_zone}. Submitted and approved time is read-only; personal tasks are never submitted.`,
      ),
      error,
      table,
      h("div", { class: "sheet-actions" }, actions),
      sheet.entries.length ? h("h2", {}, "Entries") : null,
      sheet.entries.length ? entries : null,
    ),
  );
}

/** The weeks waiting for review in the teams you own or administer. */
export async function approvalsPage() {
  const paint = painter();
  const teams = (await api("GET", "/teams?limit=200")).items.filter(
    (t) => t.my_role === "owner" || t.my_role === "admin",
  );
  const queues = await Promise.all(
    teams.map(async (t) => ({ team: t, items: (await api("GET", `/teams/${t.team_id}/approvals`)).items })),
  );
  const rows = queues.flatMap(({ team, items }) =>
    items.map((i) =>
      h(
        "tr",
        {},
        h("td", {}, team.name),
        h("td", {}, i.name),
        h("td", {}, i.week),
        h("td", { class: "num" }, i.entries),
        h("td", { class: "num" }, fmtDuration(i.seconds)),
        h(
          "td",
          {},
          h(
            "a",
            { href: `#/timesheet?week=${i.week}&user=${i.user_id}`, "aria-label": `Review ${i.name}'s ${i.week}` },
            "Review",
          ),
        ),
      ),
    ),
  );
  paint(
    h(
      "section",
      {},
      h("h1", {}, "Approvals"),
      takeFlash(),
      teams.length
        ? null
        : h("p", { class: "empty" }, "You review time in the teams you own or administer; you have none."),
      rows.length
        ? h(
            "table",
            { id: "approvals" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", {}, "Team"),
                h("th", {}, "Person"),
                h("th", {}, "Week"),
                h("th", { class: "num" }, "Entries"),
                h("th", { class: "num" }, "Time"),
                h("th", {}),
              ),
            ),
            h("tbody", {}, rows),
          )
        : h("p", { class: "empty", id: "approvals-empty" }, "Nothing is waiting for approval."),
    ),
  );
}
