// The account page's API tokens: make one (name, scopes, lifetime), see it
// once, list and revoke them. Only a signed-in session reaches these calls,
// never a token.

import { api } from "../api.js";
import { fmtDate, h, rerender, setFlash } from "../dom.js";

const SCOPES = [
  ["tasks:read", "Read tasks, comments and projects"],
  ["tasks:write", "Create and change tasks"],
  ["comments:write", "Write comments"],
  ["time:read", "Read time entries and reports"],
  ["time:write", "Track time"],
  ["teams:read", "Read teams and members"],
  ["teams:admin", "Manage teams and members"],
  ["webhooks:admin", "Manage webhooks"],
  ["account:read", "Read your profile"],
];

export async function tokensSection() {
  const { items } = await api("GET", "/me/tokens");
  const problem = h("p", { class: "form-error", role: "alert" });
  const shown = h("div", { id: "new-token" });
  const name = h("input", { name: "name", id: "token-name", required: true, maxlength: "100", placeholder: "CI bot" });
  const days = h("input", {
    name: "expires_in_days",
    id: "token-days",
    type: "number",
    min: "1",
    max: "365",
    value: "30",
  });
  const boxes = SCOPES.map(([scope, label]) =>
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", value: scope, "data-scope": scope }),
      ` ${scope} `,
      h("span", { class: "muted" }, label),
    ),
  );
  const form = h(
    "form",
    { id: "token-form" },
    h("label", {}, "Name ", name),
    h("fieldset", {}, h("legend", {}, "Scopes"), ...boxes),
    h("label", {}, "Expires in (days) ", days),
    h("button", { type: "submit", id: "make-token" }, "Make token"),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    problem.textContent = "";
    const scopes = boxes
      .map((b) => b.querySelector("input"))
      .filter((i) => i.checked)
      .map((i) => i.value);
    try {
      const made = await api("POST", "/me/tokens", {
        name: name.value,
        scopes,
        expires_in_days: Number(days.value),
      });
      const input = h("input", { readonly: true, value: made.token, id: "token-secret", size: "60" });
      shown.replaceChildren(
        h("p", {}, `Token “${made.name}” made. It is shown only now: copy it, and keep it like a password.`),
        input,
      );
      input.select();
    } catch (e) {
      problem.textContent = e.message;
    }
  });
  const rows = items.map((t) =>
    h(
      "tr",
      { "data-token-id": t.token_id },
      h("td", {}, t.name),
      h("td", {}, h("code", {}, `${t.prefix}…`)),
      h("td", {}, t.scopes.join(", ")),
      h("td", {}, t.expired ? "expired" : fmtDate(t.expires_at)),
      h("td", {}, t.last_used_at ? fmtDate(t.last_used_at) : "never"),
      h("td", {}, revokeButton(t, problem)),
    ),
  );
  const table = items.length
    ? h(
        "table",
        { id: "token-list" },
        h(
          "thead",
          {},
          h("tr", {}, ...["Name", "Token", "Scopes", "Expires", "Last used", ""].map((c) => h("th", {}, c))),
        ),
        h("tbody", {}, ...rows),
      )
    : h("p", { id: "token-list", class: "muted" }, "You have no API tokens.");
  return h(
    "section",
    { id: "api-tokens" },
    h("h2", {}, "API tokens"),
    h(
      "p",
      { class: "muted" },
      "For scripts and CI: send one as Authorization: Bearer <token>. It acts as you, only within its scopes, ",
      "and never manages tokens, MFA or your password.",
    ),
    table,
    form,
    problem,
    shown,
  );
}

function revokeButton(t, problem) {
  const b = h("button", { type: "button", class: "danger", "data-revoke-token": t.token_id }, "Revoke");
  b.addEventListener("click", async () => {
    if (!confirm(`Revoke “${t.name}”? Anything using it stops working at once.`)) return;
    try {
      await api("DELETE", `/me/tokens/${t.token_id}`);
      setFlash({ kind: "good", text: `Token “${t.name}” revoked.` });
      rerender();
    } catch (e) {
      problem.textContent = e.message;
    }
  });
  return b;
}
