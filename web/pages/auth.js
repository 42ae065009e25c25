// Signing in: password, second factor, sign-up, and identity providers.

import { API, ApiError, api } from "../api.js";
import { field, form, h, painter, rerender, setFlash, submitting } from "../dom.js";
import { saveTokens } from "../session.js";

// What every way of signing in does with the answer (login, MFA, provider):
// the second-factor form when one is asked for, else keep the tokens.
function signedIn(outcome) {
  if (outcome.mfa_required) return mfaPage(outcome.mfa_token);
  saveTokens(outcome);
  location.hash = "#/tasks";
  rerender();
}

export function loginPage(notice) {
  const render = painter();
  const email = h("input", { name: "email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const f = form(
    { id: "login-form" },
    h("h1", {}, "Log in"),
    field("Email", email),
    field("Password", password),
    h("button", { type: "submit" }, "Log in"),
    h("p", {}, "New here? ", h("a", { href: "#/signup" }, "Create an account")),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(f, async () => {
      signedIn(await api("POST", "/auth/login", { email: email.value, password: password.value }));
    });
  });
  if (notice) f.querySelector(".form-error").textContent = notice;
  const buttons = h("div", { class: "providers", id: "providers" });
  render(h("section", { class: "narrow" }, f, buttons));
  signInProviders().then((list) => {
    if (!list.length) return;
    buttons.replaceChildren(
      h("p", { class: "muted" }, "or"),
      ...list.map((p) =>
        h(
          "a",
          {
            class: "button secondary",
            id: `provider-${p.name}`,
            href: p.authorize_url,
            onclick: () => sessionStorage.removeItem("tf_oauth_link"),
          },
          `Continue with ${p.display_name}`,
        ),
      ),
    );
  });
}

// ---- sign-in with an identity provider --------------------------------------
// A button navigates to the API's authorize URL; the provider sends the browser
// back to the API's callback, which hands the query on to #/oauth (a fragment,
// so it reaches no server log). This page finishes with fetch: same origin, so
// the HttpOnly state cookie travels, and the tokens never sit in a URL.

export async function signInProviders() {
  try {
    return (await api("GET", "/auth/providers")).providers;
  } catch {
    return []; // no buttons rather than a broken login page
  }
}

export async function oauthPage(params) {
  const render = painter();
  // The code and state are single-use; keep them out of the history.
  history.replaceState(null, "", `${location.pathname}#/oauth`);
  const linking = sessionStorage.getItem("tf_oauth_link") === "1";
  sessionStorage.removeItem("tf_oauth_link");
  const provider = params.get("provider");
  if (!provider) {
    if (!linking) return loginPage();
    location.hash = "#/account";
    return;
  }
  render(h("section", { class: "narrow" }, h("p", { class: "muted" }, "Signing you in…")));
  const label = (await signInProviders()).find((p) => p.name === provider)?.display_name || provider;
  const query = new URLSearchParams();
  for (const k of ["code", "state", "error"]) if (params.has(k)) query.set(k, params.get(k));
  // Plain fetch: the shared helper would refresh and retry on a 401, and a
  // retry can only fail (the state is used up by the first attempt).
  const r = await fetch(`${API}/auth/oauth/${encodeURIComponent(provider)}/callback?${query}`, {
    headers: { accept: "application/json" },
  });
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const why = body?.detail || body?.title || `HTTP ${r.status}`;
    if (!linking) return loginPage(`Signing in with ${label} did not complete: ${why}`);
    setFlash({ kind: "bad", text: `Linking ${label} did not complete: ${why}` });
    location.hash = "#/account";
    return;
  }
  if (linking) {
    // Linked. The callback also opened a session; this tab keeps its own.
    if (body.access_token)
      await fetch(`${API}/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${body.access_token}` } });
    setFlash({ kind: "good", text: `Linked: you can now sign in with ${label}.` });
    location.hash = "#/account";
    return;
  }
  signedIn(body);
}

function mfaPage(mfaToken) {
  const render = painter();
  const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 20 });
  const f = form(
    { id: "mfa-form" },
    h("h1", {}, "Two-factor code"),
    h("p", { class: "muted" }, "Enter the 6-digit code from your authenticator app, or a recovery code."),
    field("Code", code),
    h("button", { type: "submit" }, "Verify"),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(f, async () => {
      const value = code.value.trim();
      const body = /^\d{6}$/.test(value)
        ? { mfa_token: mfaToken, code: value }
        : { mfa_token: mfaToken, recovery_code: value };
      signedIn(await api("POST", "/auth/mfa/verify", body));
    });
  });
  render(h("section", { class: "narrow" }, f));
  code.focus();
}

export function signupPage() {
  const render = painter();
  const email = h("input", { name: "email", type: "email", autocomplete: "username" });
  const name = h("input", { name: "display_name", autocomplete: "name" });
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password" });
  const f = form(
    { id: "signup-form" },
    h("h1", {}, "Create your account"),
    field("Email", email),
    field("Your name", name),
    field("Password (at least 12 characters)", password),
    h("button", { type: "submit" }, "Sign up"),
    h("p", {}, "Have an account? ", h("a", { href: "#/login" }, "Log in")),
  );
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(f, async () => {
      // The browser's zone, so reports count this person's days from the start;
      // a zone the server's tz database lacks must not stop a sign-up (UTC then).
      const account = { email: email.value, password: password.value, display_name: name.value };
      const time_zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      try {
        await api("POST", "/auth/register", time_zone ? { ...account, time_zone } : account);
      } catch (e) {
        const zoneRefused = e instanceof ApiError && (e.problem.errors || []).some((f) => f.field === "time_zone");
        if (!zoneRefused) throw e;
        await api("POST", "/auth/register", account);
      }
      signedIn(await api("POST", "/auth/login", { email: email.value, password: password.value }));
    });
  });
  render(h("section", { class: "narrow" }, f));
}
