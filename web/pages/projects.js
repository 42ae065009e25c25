// Projects: the team page's list (owners and admins create, rename, archive,
// restore and delete them), and the lists other pages choose projects from.

import { api, apiAll } from "../api.js";
import { field, form, h, rerender, setFlash, submitting } from "../dom.js";

/** A team's projects; `state` is open (default), archived or all. */
export function teamProjects(teamId, state = "open") {
  return apiAll(`/teams/${teamId}/projects?state=${state}`).catch(() => []);
}

/** The open projects of every team given, each with its team's name. */
export async function projectsOf(teams) {
  const lists = await Promise.all(teams.map((t) => teamProjects(t.team_id)));
  return lists.flatMap((list, i) => list.map((p) => ({ ...p, team_name: teams[i].name })));
}

/** `<option>`s for a project choice: "No project", then the projects. */
export function projectOptions(projects, selected) {
  return [
    h("option", { value: "" }, "No project"),
    ...projects.map((p) =>
      h(
        "option",
        { value: p.project_id, selected: p.project_id === selected, disabled: p.archived && p.project_id !== selected },
        p.archived ? `${p.name} (archived)` : p.name,
      ),
    ),
  ];
}

async function act(fn) {
  try {
    await fn();
  } catch (e) {
    alert(e.message);
  }
  rerender();
}

export async function projectsSection(team, manage) {
  const id = team.team_id;
  const projects = await teamProjects(id, "all");
  const rows = projects.map((p) => {
    const board = h(
      "a",
      { href: `#/tasks?view=board&team_id=${id}&project_id=${p.project_id}`, "aria-label": `Board of ${p.name}` },
      "Board",
    );
    const buttons = manage
      ? [
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              "aria-label": `Rename ${p.name}`,
              onclick: () => {
                const name = prompt("New name", p.name);
                if (name && name !== p.name) act(() => api("PATCH", `/teams/${id}/projects/${p.project_id}`, { name }));
              },
            },
            "Rename",
          ),
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              "aria-label": `${p.archived ? "Restore" : "Archive"} ${p.name}`,
              onclick: () =>
                act(() => api("PATCH", `/teams/${id}/projects/${p.project_id}`, { archived: !p.archived })),
            },
            p.archived ? "Restore" : "Archive",
          ),
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              "aria-label": `Delete ${p.name}`,
              onclick: () => {
                if (confirm(`Delete the project ${p.name}? Only an empty project can be deleted.`))
                  act(() => api("DELETE", `/teams/${id}/projects/${p.project_id}`));
              },
            },
            "Delete",
          ),
        ]
      : [];
    return h(
      "tr",
      { "data-project-id": p.project_id, class: p.archived ? "archived" : null },
      h("td", {}, p.name, p.archived ? h("span", { class: "badge cancelled" }, "archived") : null),
      h("td", {}, `${p.tasks.open} open of ${p.tasks.total}`),
      h("td", {}, board),
      h("td", {}, buttons),
    );
  });
  const table = rows.length
    ? h(
        "table",
        { id: "projects-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Project"), h("th", {}, "Tasks"), h("th", {}), h("th", {}))),
        h("tbody", {}, rows),
      )
    : h("p", { class: "empty" }, "No projects yet.");
  if (!manage) return h("section", { id: "team-projects" }, h("h2", {}, "Projects"), table);

  const name = h("input", { name: "name", placeholder: "Project name" });
  const description = h("input", { name: "description", placeholder: "What it is for (optional)" });
  const create = form(
    { id: "project-form", class: "inline-form" },
    field("New project", name),
    field("Description", description),
    h("button", { type: "submit" }, "Create project"),
  );
  create.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(create, async () => {
      const body = { name: name.value };
      if (description.value.trim()) body.description = description.value;
      await api("POST", `/teams/${id}/projects`, body);
      setFlash({ kind: "good", text: `Project ${name.value.trim()} created.` });
      rerender();
    });
  });
  return h("section", { id: "team-projects" }, h("h2", {}, "Projects"), table, create);
}
