// A team's hourly rates, on the team page for its owners and admins: the
// list, a form for a new rate (typed in major units, sent in minor units),
// and repricing past entries.

import { ApiError, api, apiAll } from "../api.js";
import { field, form, h, options, rerender, setFlash, submitting } from "../dom.js";

/** How many minor units a currency has (2 for EUR, 0 for JPY), as the browser knows it. */
export function minorDigits(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

/** 9550 EUR minor units → "€95.50" in the browser's locale. */
export function fmtMoney(minor, currency) {
  const digits = minorDigits(currency);
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(minor / 10 ** digits);
}

/** "95.50" in a currency with two minor digits → 9550; null when it is not such a number. */
function toMinor(text, currency) {
  const digits = minorDigits(currency);
  const match = /^\s*(\d+)(?:[.,](\d+))?\s*$/.exec(text);
  if (!match || (match[2] || "").length > digits) return null;
  return Number(match[1]) * 10 ** digits + Number((match[2] || "").padEnd(digits, "0") || 0);
}

export async function ratesSection(team, members, tasks) {
  const rates = await apiAll(`/teams/${team.team_id}/rates`);
  const currencyOf = () => team.currency || currency.value.trim().toUpperCase() || "EUR";
  const who = (id) => members.find((m) => m.user_id === id)?.display_name || "everyone";
  const what = (id) => tasks.find((t) => t.task_id === id)?.title || "every task";

  const amount = h("input", { name: "hourly_rate", inputmode: "decimal", placeholder: "95.00", required: true });
  const currency = h("input", {
    name: "currency",
    value: team.currency || "EUR",
    maxlength: 3,
    size: 4,
    disabled: !!team.currency,
    title: team.currency ? "A team bills in one currency: its first rate's" : "ISO 4217 code",
  });
  const from = h("input", { name: "effective_from", type: "date", value: new Date().toISOString().slice(0, 10) });
  const member = h(
    "select",
    { name: "user_id" },
    options(["", ...members.map((m) => m.user_id)], "", {
      "": "everyone",
      ...Object.fromEntries(members.map((m) => [m.user_id, m.display_name])),
    }),
  );
  const task = h(
    "select",
    { name: "task_id" },
    options(["", ...tasks.map((t) => t.task_id)], "", {
      "": "every task",
      ...Object.fromEntries(tasks.map((t) => [t.task_id, t.title])),
    }),
  );
  const add = form(
    { id: "rate-form", class: "inline-form" },
    field("Per hour", amount),
    field("Currency", currency),
    field("From", from, "effective_from"),
    field("Who", member, "user_id"),
    field("Task", task, "task_id"),
    h("button", { type: "submit" }, "Add rate"),
  );
  add.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(add, async () => {
      const code = currencyOf();
      const minor = toMinor(amount.value, code);
      if (minor === null) {
        const message = `an amount such as 95.50, with at most ${minorDigits(code)} decimals for ${code}`;
        throw new ApiError(422, { errors: [{ field: "hourly_rate", message }] });
      }
      const body = { hourly_rate: minor, currency: code, effective_from: from.value };
      if (member.value) body.user_id = member.value;
      if (task.value) body.task_id = task.value;
      await api("POST", `/teams/${team.team_id}/rates`, body);
      setFlash({ kind: "good", text: `Rate of ${fmtMoney(minor, code)} an hour set from ${from.value}.` });
      rerender();
    });
  });

  const since = h("input", { name: "since", type: "date", value: from.value });
  const reprice = form(
    { id: "reprice-form", class: "inline-form" },
    field("Reprice entries from", since),
    h("button", { type: "submit", class: "secondary" }, "Reprice"),
  );
  reprice.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(reprice, async () => {
      const r = await api("POST", `/teams/${team.team_id}/rates/reprice`, { since: since.value });
      setFlash({ kind: "good", text: `${r.repriced} entries now carry the rate in force.` });
      rerender();
    });
  });

  const rows = rates.map((r) =>
    h(
      "tr",
      { "data-rate": r.rate_id },
      h("td", {}, fmtMoney(r.hourly_rate, r.currency)),
      h("td", {}, r.effective_from),
      h("td", {}, who(r.user_id)),
      h("td", {}, what(r.task_id)),
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            "aria-label": `Remove the rate from ${r.effective_from}`,
            onclick: async () => {
              try {
                await api("DELETE", `/teams/${team.team_id}/rates/${r.rate_id}`);
              } catch (e) {
                alert(e.message);
              }
              rerender();
            },
          },
          "Remove",
        ),
      ),
    ),
  );
  return h(
    "section",
    { id: "team-rates" },
    h("h2", {}, "Hourly rates"),
    h(
      "p",
      { class: "muted" },
      "An entry keeps the rate in force on its day: the member's on that task, the task's, the member's, " +
        "then the team's. A new rate applies from its day on; reprice to change saved entries.",
    ),
    rows.length
      ? h(
          "table",
          { id: "rates-table" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, "Per hour"),
              h("th", {}, "From"),
              h("th", {}, "Who"),
              h("th", {}, "Task"),
              h("th", {}),
            ),
          ),
          h("tbody", {}, rows),
        )
      : h("p", { class: "empty" }, "No rates yet: time is tracked without amounts."),
    add,
    reprice,
  );
}
