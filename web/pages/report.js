// The time report: totals by day, user, task or label, as a chart, a table and CSV.

import { api } from "../api.js";
import { download, field, fmtDuration, form, h, options, painter } from "../dom.js";

export async function reportPage(params) {
  const render = painter();
  const groupBy = params.get("group_by") || "day";
  const to = params.get("to") || new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  const from = params.get("from") || new Date(Date.now() - 29 * 86400000).toISOString().slice(0, 10);
  const query = new URLSearchParams({ group_by: groupBy, from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z` });
  const group = h("select", { name: "group_by" }, options(["day", "user", "task", "label"], groupBy));
  const fromI = h("input", { type: "date", name: "from", value: from });
  const toI = h("input", { type: "date", name: "to", value: to });
  const f = form(
    { class: "filters", id: "report-form" },
    field("Group by", group),
    field("From", fromI),
    field("To", toI),
    h("button", { type: "submit" }, "Show"),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.hash = `#/report?${new URLSearchParams({ group_by: group.value, from: fromI.value, to: toI.value })}`;
  });
  const csv = h("button", { type: "button", class: "secondary", id: "csv" }, "Download CSV");
  csv.addEventListener("click", async () =>
    // With a byte order mark, so Excel opens names like "Über" as UTF-8.
    download(
      await api("GET", `/reports/time.csv?${query}&bom=true`, undefined, { accept: "text/csv" }),
      "time-report.csv",
    ),
  );
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
      h(
        "p",
        { id: "report-total" },
        `Total ${fmtDuration(report.total_seconds)}, billable ${fmtDuration(report.billable_seconds)}`,
      ),
      report.groups.length ? svg : h("p", { class: "empty" }, "No time tracked in this range."),
      h(
        "table",
        { id: "report-table" },
        h("thead", {}, h("tr", {}, h("th", {}, groupBy), h("th", {}, "Time"), h("th", {}, "Billable"))),
        h(
          "tbody",
          {},
          report.groups.map((g) =>
            h(
              "tr",
              {},
              h("td", {}, g.label || g.key),
              h("td", {}, fmtDuration(g.seconds)),
              h("td", {}, fmtDuration(g.billable_seconds)),
            ),
          ),
        ),
      ),
      csv,
    ),
  );
}
