// The time report: totals by day, week, month, user, task, project or label, one
// level or two, in a time zone, as a chart, a table and a CSV download.

import { api, myTeams } from "../api.js";
import { browserTimeZones, download, field, fmtDuration, form, h, options, painter } from "../dom.js";
import { fmtMoney } from "./rates.js";

const LEVELS = ["day", "week", "month", "user", "task", "project", "label"];
const CALENDAR = ["day", "week", "month"];
const NAMES = {
  day: "Day",
  week: "Week",
  month: "Month",
  user: "Person",
  task: "Task",
  project: "Project",
  label: "Label",
};

/** YYYY-MM-DD of a date in this browser's zone. */
function isoDay(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "2026-10-25 (25 h)": a day or week whose length is not the usual one (DST). */
function bucketName(g, level) {
  const name = g.label || g.key;
  if (!g.start || !g.end || !["day", "week"].includes(level)) return name;
  const hours = Math.round((Date.parse(g.end) - Date.parse(g.start)) / 3600000);
  return hours === (level === "day" ? 24 : 168) ? name : `${name} (${hours} h)`;
}

export async function reportPage(params) {
  const render = painter();
  const groupBy = LEVELS.includes(params.get("group_by")) ? params.get("group_by") : "day";
  const thenBy = LEVELS.includes(params.get("then_by")) ? params.get("then_by") : "";
  const to = params.get("to") || isoDay(new Date());
  const from = params.get("from") || isoDay(new Date(Date.now() - 29 * 86400000));
  const tz = params.get("tz") || "";
  const teamId = params.get("team_id") || "";
  // Dates are whole days in the report's zone: the account's unless one is chosen.
  const query = new URLSearchParams({ group_by: thenBy ? `${groupBy},${thenBy}` : groupBy, from, to });
  if (tz) query.set("tz", tz);
  if (teamId) query.set("team_id", teamId);
  const teams = await myTeams();

  const group = h("select", { name: "group_by" }, options(LEVELS, groupBy, NAMES));
  const then = h("select", { name: "then_by" }, options(["", ...LEVELS], thenBy, { ...NAMES, "": "nothing" }));
  const fromI = h("input", { type: "date", name: "from", value: from });
  const toI = h("input", { type: "date", name: "to", value: to });
  const zones = [...new Set(["", "UTC", tz, ...browserTimeZones()])].filter((z, i) => z || i === 0);
  const zone = h("select", { name: "tz" }, options(zones, tz, { "": "my account's zone" }));
  // A team's report also carries amounts, for those who may see them.
  const team = h(
    "select",
    { name: "team_id" },
    options(["", ...teams.map((t) => t.team_id)], teamId, {
      "": "all my time",
      ...Object.fromEntries(teams.map((t) => [t.team_id, t.name])),
    }),
  );
  const f = form(
    { class: "filters", id: "report-form" },
    field("Group by", group),
    field("Then by", then),
    field("From", fromI),
    field("To", toI),
    field("Time zone", zone),
    field("Team", team),
    h("button", { type: "submit" }, "Show"),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const next = new URLSearchParams({ group_by: group.value, from: fromI.value, to: toI.value });
    // The same level twice, or two calendar levels, is not a second level.
    const second = then.value;
    if (second && second !== group.value && !(CALENDAR.includes(second) && CALENDAR.includes(group.value))) {
      next.set("then_by", second);
    }
    if (zone.value) next.set("tz", zone.value);
    if (team.value) next.set("team_id", team.value);
    location.hash = `#/report?${next}`;
  });
  const xlsx = h("button", { type: "button", class: "secondary", id: "xlsx" }, "Download Excel");
  xlsx.addEventListener("click", async () =>
    download(
      await api("GET", `/reports/time.xlsx?${query}`, undefined, {
        accept: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      }),
      `time-report-${groupBy}${thenBy ? `-${thenBy}` : ""}-${from}-${to}.xlsx`,
    ),
  );
  const csv = h("button", { type: "button", class: "secondary", id: "csv" }, "Download CSV");
  csv.addEventListener("click", async () =>
    // With a byte order mark, so Excel opens names like "Über" as UTF-8.
    download(
      await api("GET", `/reports/time.csv?${query}&bom=true`, undefined, { accept: "text/csv" }),
      `time-report-${groupBy}${thenBy ? `-${thenBy}` : ""}-${from}-${to}.csv`,
    ),
  );
  let report;
  try {
    report = await api("GET", `/reports/time?${query}`);
  } catch (e) {
    return render(h("section", {}, h("h1", {}, "Time report"), f, h("p", { class: "form-error" }, e.message)));
  }
  const tracked = report.total_seconds > 0;
  // Amounts come only to those who may see them (and only on team reports).
  const money = report.currency ? (g) => h("td", {}, fmtMoney(g.billable_amount, report.currency)) : () => null;
  const rows = report.groups.flatMap((g) => [
    h(
      "tr",
      { class: report.then_by ? "group" : undefined, "data-key": g.key },
      h("td", {}, bucketName(g, report.group_by)),
      h("td", {}, fmtDuration(g.seconds)),
      h("td", {}, fmtDuration(g.billable_seconds)),
      money(g),
    ),
    ...(g.groups || []).map((s) =>
      h(
        "tr",
        { class: "subgroup", "data-key": `${g.key}/${s.key}` },
        h("td", {}, bucketName(s, report.then_by)),
        h("td", {}, fmtDuration(s.seconds)),
        h("td", {}, fmtDuration(s.billable_seconds)),
        money(s),
      ),
    ),
  ]);
  render(
    h(
      "section",
      {},
      h("h1", {}, "Time report"),
      f,
      h(
        "p",
        { id: "report-total" },
        `Total ${fmtDuration(report.total_seconds)}, billable ${fmtDuration(report.billable_seconds)}`,
        report.currency ? `, ${fmtMoney(report.billable_amount, report.currency)}` : "",
        h("span", { class: "muted", id: "report-zone" }, ` · days in ${report.time_zone}`),
      ),
      tracked ? chart(report) : h("p", { class: "empty" }, "No time tracked in this range."),
      h(
        "table",
        { id: "report-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, report.then_by ? `${NAMES[groupBy]} / ${NAMES[thenBy]}` : NAMES[groupBy]),
            h("th", {}, "Time"),
            h("th", {}, "Billable"),
            report.currency ? h("th", {}, "Amount") : null,
          ),
        ),
        h("tbody", {}, rows),
      ),
      h("div", { class: "row" }, csv, xlsx),
    ),
  );
}

/** Horizontal bars of the first level (calendar buckets in order, zeros included). */
function chart(report) {
  const max = Math.max(1, ...report.groups.map((g) => g.seconds));
  const ns = "http://www.w3.org/2000/svg";
  const rowH = 26;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 600 ${Math.max(1, report.groups.length) * rowH}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Tracked time by ${report.group_by}`);
  report.groups.forEach((g, i) => {
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", "0");
    label.setAttribute("y", String(i * rowH + 17));
    label.textContent = (g.label || g.key).slice(0, 24);
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", "200");
    bar.setAttribute("y", String(i * rowH + 4));
    bar.setAttribute("height", "18");
    bar.setAttribute("width", String(Math.max(g.seconds ? 2 : 0, (g.seconds / max) * 330)));
    const value = document.createElementNS(ns, "text");
    value.setAttribute("x", String(210 + (g.seconds / max) * 330));
    value.setAttribute("y", String(i * rowH + 17));
    value.textContent = fmtDuration(g.seconds);
    svg.append(label, bar, value);
  });
  return svg;
}
