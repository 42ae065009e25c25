// Teams: the caller's teams and invitations, a team's members.

import { api, apiAll, myTeams } from "../api.js";
import { field, form, h, options, painter, rerender, setFlash, submitting, takeFlash } from "../dom.js";
import { budgetsSection } from "./budgets.js";
import { locksSection } from "./locks.js";
import { projectsSection } from "./projects.js";
import { ratesSection } from "./rates.js";

export async function teamsPage() {
  const render = painter();
  const [teams, invitations] = await Promise.all([myTeams(), api("GET", "/me/invitations")]);
  const answer = (inv, verb) =>
    h(
      "button",
      {
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
          rerender();
        },
      },
      verb === "accept" ? "Accept" : "Decline",
    );
  const pending = invitations.items.length
    ? h(
        "section",
        { id: "my-invitations" },
        h("h2", {}, "Invitations"),
        h(
          "ul",
          { class: "teams" },
          invitations.items.map((inv) =>
            h(
              "li",
              {},
              h("strong", {}, inv.team_name),
              h(
                "span",
                { class: "muted" },
                ` as ${inv.role}${inv.invited_by_name ? `, from ${inv.invited_by_name}` : ""}, ` +
                  `until ${new Date(inv.expires_at).toLocaleDateString()} `,
              ),
              answer(inv, "accept"),
              " ",
              answer(inv, "decline"),
            ),
          ),
        ),
      )
    : null;
  const name = h("input", { name: "name", placeholder: "Team name" });
  const f = form(
    { id: "team-form", class: "inline-form" },
    field("New team", name),
    h("button", { type: "submit" }, "Create team"),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(f, async () => {
      await api("POST", "/teams", { name: name.value });
      rerender();
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
        ? h(
            "ul",
            { class: "teams" },
            teams.map((t) =>
              h(
                "li",
                {},
                h("a", { href: `#/teams/${t.team_id}` }, t.name),
                h("span", { class: "muted" }, ` ${t.my_role}, ${t.member_count} members`),
              ),
            ),
          )
        : h("p", { class: "empty" }, "You are not in a team yet."),
    ),
  );
}

export async function teamPage(id) {
  const render = painter();
  const me = await api("GET", "/me");
  const [team, members] = await Promise.all([api("GET", `/teams/${id}`), apiAll(`/teams/${id}/members`)]);
  const manage = team.my_role === "owner" || team.my_role === "admin";
  const invitations = manage ? (await apiAll(`/teams/${id}/invitations`)).filter((i) => i.status === "pending") : [];
  // Rates are for owners and admins; the task choice lists the team's first 200 tasks.
  const teamTasks = manage ? (await api("GET", `/tasks?team_id=${id}&limit=200`)).items : [];
  const rates = manage ? await ratesSection(team, members, teamTasks) : null;
  const budgets = manage ? await budgetsSection(team, teamTasks) : null;
  const locks = await locksSection(team, manage);
  const projects = await projectsSection(team, manage);
  const email = h("input", { name: "email", type: "email", placeholder: "colleague@example.com" });
  const role = h("select", { name: "role" }, options(["member", "viewer", "admin"], "member"));
  const invite = form(
    { id: "invite-form", class: "inline-form" },
    field("Invite by email", email),
    field("Role", role),
    h("button", { type: "submit" }, "Send invitation"),
  );
  invite.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(invite, async () => {
      await api("POST", `/teams/${id}/invitations`, { email: email.value, role: role.value });
      setFlash({ kind: "good", text: `Invitation sent to ${email.value.trim()}. They join when they accept it.` });
      rerender();
    });
  });
  const invitationRows = invitations.map((i) =>
    h(
      "tr",
      {},
      h("td", {}, i.email),
      h("td", {}, i.role),
      h("td", {}, new Date(i.expires_at).toLocaleDateString()),
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            "aria-label": `Revoke the invitation to ${i.email}`,
            onclick: async () => {
              try {
                await api("DELETE", `/teams/${id}/invitations/${i.invitation_id}`);
              } catch (e) {
                alert(e.message);
              }
              rerender();
            },
          },
          "Revoke",
        ),
      ),
    ),
  );
  const pending = invitationRows.length
    ? h(
        "section",
        { id: "team-invitations" },
        h("h2", {}, "Pending invitations"),
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", {}, "Email"), h("th", {}, "Role"), h("th", {}, "Expires"), h("th", {}))),
          h("tbody", {}, invitationRows),
        ),
      )
    : null;
  const notice = takeFlash();
  const rows = members.map((m) => {
    const sel = h(
      "select",
      { "aria-label": `Role of ${m.display_name}`, disabled: !manage },
      options(["owner", "admin", "member", "viewer"], m.role),
    );
    sel.addEventListener("change", async () => {
      try {
        await api("PATCH", `/teams/${id}/members/${m.user_id}`, { role: sel.value });
      } catch (e) {
        alert(e.message);
      }
      rerender();
    });
    const leave = m.user_id === me.user_id ? "Leave" : manage ? "Remove" : null;
    const btn = leave
      ? h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: async () => {
              try {
                await api("DELETE", `/teams/${id}/members/${m.user_id}`);
                location.hash = m.user_id === me.user_id ? "#/teams" : location.hash;
              } catch (e) {
                alert(e.message);
              }
              rerender();
            },
          },
          leave,
        )
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
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Email"), h("th", {}, "Role"), h("th", {}))),
        h("tbody", {}, rows),
      ),
      manage ? invite : null,
      pending,
      projects,
      rates,
      budgets,
      locks,
    ),
  );
}
