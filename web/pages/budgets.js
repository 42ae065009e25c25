// A team's budgets, on the team page for its owners and admins: each with
// its use this period, and a form for a new one (hours and/or an amount in
// the team's currency; hard budgets refuse time past 100%).

import { api, apiAll } from "../api.js";
import { field, fmtDuration, form, h, options, rerender, setFlash, submitting } from "../dom.js";
import { fmtMoney, minorDigits } from "./rates.js";

export async function budgetsSection(team, tasks) {
  const budgets = await apiAll(`/teams/${team.team_id}/budgets`);
  const what = (id) => (id ? tasks.find((t) => t.task_id === id)?.title || "a task" : "the whole team");
  const currency = team.currency;
  const money = (minor) => (currency ? fmtMoney(minor, currency) : String(minor));
  const limits = (b) =>
    [
      b.seconds ? `${fmtDuration(b.used_seconds)} of ${fmtDuration(b.seconds)}` : null,
      b.amount ? `${money(b.used_amount)} of ${money(b.amount)}` : null,
    ]
      .filter(Boolean)
      .join(" · ");
  const rows = budgets.map((b) =>
    h(
      "tr",
      {},
      h("td", {}, what(b.task_id)),
      h("td", {}, b.period),
      h("td", {}, limits(b)),
      h(
        "td",
        { class: "num" },
        h("meter", { min: 0, max: 100, low: 80, high: 99, optimum: 0, value: Math.min(b.percent, 100) }),
        ` ${b.percent}%`,
      ),
      h(
        "td",
        {},
        h("input", {
          type: "checkbox",
          checked: b.hard,
          "aria-label": `Refuse time past this budget (${what(b.task_id)}, ${b.period})`,
          onchange: async (ev) => {
            try {
              await api("PATCH", `/teams/${team.team_id}/budgets/${b.budget_id}`, { hard: ev.target.checked });
            } catch (e) {
              alert(e.message);
            }
            rerender();
          },
        }),
      ),
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            "aria-label": `Remove the ${b.period} budget of ${what(b.task_id)}`,
            onclick: async () => {
              try {
                await api("DELETE", `/teams/${team.team_id}/budgets/${b.budget_id}`);
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
  const scope = h(
    "select",
    { name: "task_id" },
    options(["", ...tasks.map((t) => t.task_id)], "", {
      "": "the whole team",
      ...Object.fromEntries(tasks.map((t) => [t.task_id, t.title])),
    }),
  );
  const period = h(
    "select",
    { name: "period" },
    options(["monthly", "lifetime"], "monthly", { monthly: "each month", lifetime: "in all" }),
  );
  const hoursI = h("input", { name: "seconds", inputmode: "decimal", placeholder: "160", size: 6 });
  const amountI = h("input", {
    name: "amount",
    inputmode: "decimal",
    placeholder: currency ? "4000.00" : "set a rate first",
    size: 9,
    disabled: !currency,
  });
  const hard = h("input", { type: "checkbox", name: "hard" });
  const add = form(
    { id: "budget-form", class: "inline-form" },
    field("For", scope),
    field("Period", period),
    field("Hours", hoursI),
    field(currency ? `Amount (${currency})` : "Amount", amountI),
    field("Refuse time past it", hard),
    h("button", { type: "submit" }, "Set budget"),
  );
  add.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const hoursValue = Number(hoursI.value.replace(",", "."));
    const amountValue = Number(amountI.value.replace(",", "."));
    const slot = (name) => add.querySelector(`[data-error="${name}"]`);
    slot("seconds").textContent = hoursI.value.trim() && !(hoursValue > 0) ? "must be a positive number of hours" : "";
    slot("amount").textContent = amountI.value.trim() && !(amountValue > 0) ? "must be a positive amount" : "";
    if (slot("seconds").textContent || slot("amount").textContent) return;
    submitting(add, async () => {
      const body = { period: period.value, hard: hard.checked };
      if (scope.value) body.task_id = scope.value;
      if (hoursI.value.trim()) body.seconds = Math.round(hoursValue * 3600);
      if (amountI.value.trim()) body.amount = Math.round(amountValue * 10 ** minorDigits(currency));
      await api("POST", `/teams/${team.team_id}/budgets`, body);
      setFlash({ kind: "good", text: `Budget set for ${what(scope.value)}.` });
      rerender();
    });
  });
  return h(
    "section",
    { id: "team-budgets" },
    h("h2", {}, "Budgets"),
    rows.length
      ? h(
          "table",
          { id: "budgets-table" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, "For"),
              h("th", {}, "Period"),
              h("th", {}, "Used"),
              h("th", { class: "num" }, "Share"),
              h("th", {}, "Hard"),
              h("th", {}),
            ),
          ),
          h("tbody", {}, rows),
        )
      : h("p", { class: "empty" }, "No budgets yet."),
    add,
  );
}
