// A team's locked periods, on the team page: everyone sees up to which day
// time is locked; owners and admins lock further or lift the latest lock.

import { api, apiAll } from "../api.js";
import { field, form, h, rerender, setFlash, submitting } from "../dom.js";

export async function locksSection(team, manage) {
  const locks = await apiAll(`/teams/${team.team_id}/time-locks`);
  const current = locks[0];
  const status = current
    ? h(
        "p",
        { id: "lock-status" },
        `Time is locked up to and including ${current.until}: entries on or before it cannot change.`,
      )
    : h("p", { id: "lock-status", class: "empty" }, "No period is locked.");
  if (!manage) return h("section", { id: "team-locks" }, h("h2", {}, "Locked periods"), status);

  const until = h("input", { name: "until", type: "date", value: new Date().toISOString().slice(0, 10) });
  const lock = form(
    { id: "lock-form", class: "inline-form" },
    field("Lock time up to and including", until),
    h("button", { type: "submit" }, "Lock"),
  );
  lock.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(lock, async () => {
      await api("POST", `/teams/${team.team_id}/time-locks`, { until: until.value });
      setFlash({ kind: "good", text: `Time is locked up to and including ${until.value}.` });
      rerender();
    });
  });
  const lift = current
    ? h(
        "button",
        {
          type: "button",
          class: "secondary",
          id: "lift-lock",
          onclick: async () => {
            if (!confirm(`Lift the lock up to ${current.until}? Those entries can then be changed again.`)) return;
            try {
              await api("DELETE", `/teams/${team.team_id}/time-locks/${current.lock_id}`);
            } catch (e) {
              alert(e.message);
            }
            rerender();
          },
        },
        "Lift this lock",
      )
    : null;
  return h("section", { id: "team-locks" }, h("h2", {}, "Locked periods"), status, lift, lock);
}
