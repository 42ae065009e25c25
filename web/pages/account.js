// The account: profile, password, second factor, linked providers, privacy.

import { api } from "../api.js";
import {
  browserTimeZones,
  download,
  field,
  fmtDate,
  form,
  h,
  options,
  painter,
  rerender,
  setFlash,
  showProblem,
  submitting,
  takeFlash,
} from "../dom.js";
import { clearTokens } from "../session.js";
import { signInProviders } from "./auth.js";
import { calendarFeedSection } from "./calendar.js";
import { tokensSection } from "./tokens.js";

export async function accountPage() {
  const render = painter();
  const notice = takeFlash();
  const [me, providers, { identities }] = await Promise.all([
    api("GET", "/me"),
    signInProviders(),
    api("GET", "/me/identities"),
  ]);
  const name = h("input", { name: "display_name", value: me.display_name });
  // Reports count days and weeks in this zone. The browser knows the IANA
  // names; the account's own is listed even if this browser does not.
  const zones = [...new Set(["UTC", me.time_zone, ...browserTimeZones()])].sort();
  const zone = h("select", { name: "time_zone" }, options(zones, me.time_zone));
  const profile = form(
    { id: "profile-form", class: "inline-form" },
    field("Display name", name),
    field("Time zone", zone),
    h("button", { type: "submit" }, "Save"),
  );
  profile.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(profile, async () => {
      await api("PATCH", "/me", { display_name: name.value, time_zone: zone.value });
      rerender();
    });
  });

  // An account made through an identity provider has no password to
  // re-enter: the server accepts a sign-in from the last 10 minutes instead.
  const passwordInput = (name = "password") =>
    me.has_password ? h("input", { name, type: "password", autocomplete: "current-password" }) : null;
  const providerNote = me.has_password
    ? null
    : h(
        "p",
        { class: "muted", id: "provider-note" },
        "You sign in through an identity provider. The changes below need a sign-in from the last 10 minutes: " +
          "if one is refused, log out and in again, then retry.",
      );
  const withPassword = (body, input) => (input ? { ...body, password: input.value } : body);

  const current = passwordInput("current_password");
  const next = h("input", { name: "new_password", type: "password", autocomplete: "new-password" });
  const pw = form(
    { id: "password-form" },
    h("h2", {}, me.has_password ? "Password" : "Set a password"),
    current && field("Current password", current),
    field("New password", next),
    h("button", { type: "submit" }, me.has_password ? "Change password" : "Set password"),
  );
  pw.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(pw, async () => {
      await api(
        "POST",
        "/me/password",
        current ? { current_password: current.value, new_password: next.value } : { new_password: next.value },
      );
      setFlash({ kind: "good", text: "Password saved; your other sessions were signed out." });
      rerender();
    });
  });

  // Every configured provider, linked or not, plus links to providers no
  // longer offered (shown, so the person knows TaskFlow still holds them).
  const linkedAs = (p) => identities.find((i) => i.provider === p.name);
  const gone = identities.filter((i) => !providers.some((p) => p.name === i.provider));
  const linkPassword = passwordInput();
  const linking =
    providers.length || gone.length
      ? form(
          { id: "linking" },
          h("h2", {}, "Sign-in providers"),
          h("p", { class: "muted" }, "Link an identity provider to sign in with it instead of your password."),
          linkPassword && field("Password (linking adds a way into your account)", linkPassword),
          h(
            "ul",
            { class: "providers-list" },
            providers.map((p) => {
              const i = linkedAs(p);
              return i
                ? h(
                    "li",
                    {},
                    `${p.display_name}: linked${i.email ? ` as ${i.email}` : ""} since ${fmtDate(i.linked_at)} `,
                    h(
                      "button",
                      { type: "button", class: "secondary", id: `unlink-${p.name}`, onclick: () => unlinkProvider(p) },
                      "Unlink",
                    ),
                  )
                : h(
                    "li",
                    {},
                    h(
                      "button",
                      { type: "button", class: "secondary", id: `link-${p.name}`, onclick: () => linkProvider(p) },
                      `Link ${p.display_name}`,
                    ),
                  );
            }),
            gone.map((i) =>
              h(
                "li",
                { class: "muted" },
                `${i.issuer}: linked${i.email ? ` as ${i.email}` : ""}, no longer offered for sign-in`,
              ),
            ),
          ),
        )
      : null;
  linking?.addEventListener("submit", (ev) => ev.preventDefault());
  async function linkProvider(p) {
    try {
      const { authorization_url } = await api(
        "POST",
        `/me/oauth/${encodeURIComponent(p.name)}/link`,
        withPassword({}, linkPassword),
      );
      sessionStorage.setItem("tf_oauth_link", "1");
      location.assign(authorization_url);
    } catch (e) {
      showProblem(linking, e);
    }
  }
  async function unlinkProvider(p) {
    try {
      await api("DELETE", `/me/identities/${encodeURIComponent(p.name)}`);
      setFlash({ kind: "good", text: `Unlinked ${p.display_name}.` });
      rerender();
    } catch (e) {
      showProblem(linking, e);
    }
  }

  const mfa = h("div", { id: "mfa" });
  const recoveryCodes = (intro, { recovery_codes }) => [
    h("p", {}, intro),
    h(
      "ul",
      { id: "recovery-codes", class: "codes" },
      recovery_codes.map((c) => h("li", {}, c)),
    ),
  ];
  const enrol = h("button", { type: "button", id: "mfa-enrol" }, "Set up two-factor authentication");
  enrol.addEventListener("click", async () => {
    let e;
    try {
      e = await api("POST", "/me/mfa/totp");
    } catch (err) {
      mfa.replaceChildren(h("p", { class: "form-error" }, err.message));
      return;
    }
    const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code" });
    const confirmForm = form(
      { id: "mfa-confirm" },
      field("Code from the app", code),
      h("button", { type: "submit" }, "Turn on"),
    );
    confirmForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submitting(confirmForm, async () => {
        const r = await api("POST", "/me/mfa/totp/confirm", { code: code.value.trim() });
        mfa.replaceChildren(
          ...recoveryCodes("Two-factor authentication is on. Save these recovery codes now; they are shown once:", r),
        );
      });
    });
    mfa.replaceChildren(
      h("p", {}, "Scan this code with your authenticator app, or type the secret."),
      h("img", {
        src: `data:image/png;base64,${e.qr_png_base64}`,
        alt: "QR code for your authenticator app",
        width: 200,
        height: 200,
      }),
      h("p", {}, "Secret: ", h("code", { id: "mfa-secret" }, e.secret)),
      confirmForm,
    );
  });
  if (me.mfa_enabled) {
    const offPassword = passwordInput();
    const offCode = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code" });
    const off = form(
      { id: "mfa-off", class: "inline-form" },
      offPassword && field("Password", offPassword),
      field("Code from the app", offCode),
      h("button", { type: "submit", class: "secondary" }, "Turn off"),
    );
    off.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submitting(off, async () => {
        await api("POST", "/me/mfa/totp/disable", withPassword({ code: offCode.value.trim() }, offPassword));
        setFlash({ kind: "good", text: "Two-factor authentication is off." });
        rerender();
      });
    });
    const renewPassword = passwordInput();
    const newCode = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code" });
    const renew = form(
      { id: "mfa-codes", class: "inline-form" },
      renewPassword && field("Password", renewPassword),
      field("Code from the app", newCode),
      h("button", { type: "submit", class: "secondary" }, "New recovery codes"),
    );
    renew.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submitting(renew, async () => {
        const r = await api(
          "POST",
          "/me/mfa/recovery-codes",
          withPassword({ code: newCode.value.trim() }, renewPassword),
        );
        mfa.replaceChildren(
          ...recoveryCodes("Your old recovery codes no longer work. Save these now; they are shown once:", r),
        );
      });
    });
    mfa.replaceChildren(h("p", { id: "mfa-on" }, "Two-factor authentication is on."), off, renew);
  } else {
    mfa.replaceChildren(enrol);
  }

  const consentsData = await api("GET", "/me/consents");
  const granted = Object.fromEntries(consentsData.consents.map((c) => [c.purpose, c.granted]));
  const consentBoxes = consentsData.purposes.map((p) => h("input", { type: "checkbox", name: p, checked: granted[p] }));
  const consents = form(
    { id: "consents-form" },
    h("h2", {}, "Consents"),
    consentsData.purposes.map((p, i) => h("label", { class: "inline" }, consentBoxes[i], ` ${p.replaceAll("_", " ")}`)),
    h("button", { type: "submit" }, "Save consents"),
  );
  consents.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(consents, async () => {
      await api("PUT", "/me/consents", {
        consents: consentsData.purposes.map((p, i) => ({
          purpose: p,
          granted: consentBoxes[i].checked,
          policy_version: "2026-11",
        })),
      });
      consents.querySelector(".form-error").textContent = "Saved.";
    });
  });

  const calendar = await calendarFeedSection();
  const tokens = await tokensSection();

  const exportButton = h("button", { type: "button", class: "secondary", id: "export" }, "Download my data");
  exportButton.addEventListener("click", async () => {
    const data = await api("GET", "/me/export");
    download(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }), "taskflow-export.json");
  });

  const delPassword = passwordInput();
  const delCode = me.mfa_enabled
    ? h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code" })
    : null;
  const del = form(
    { id: "delete-form" },
    h("h2", {}, "Delete account"),
    delPassword && field("Password", delPassword),
    delCode && field("Two-factor code", delCode),
    h("button", { type: "submit", class: "danger" }, "Delete my account"),
  );
  del.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!confirm("Delete your account for good?")) return;
    submitting(del, async () => {
      const body = withPassword({}, delPassword);
      if (delCode) body.code = delCode.value.trim();
      await api("POST", "/me/erase", body);
      clearTokens();
      location.hash = "#/login";
    });
  });

  render(
    h(
      "section",
      {},
      h("h1", {}, "Account"),
      notice,
      h("p", {}, `Signed in as ${me.email}`),
      providerNote,
      profile,
      pw,
      h("h2", {}, "Two-factor authentication"),
      mfa,
      linking,
      consents,
      calendar,
      tokens,
      h("h2", {}, "Your data"),
      exportButton,
      del,
    ),
  );
}
