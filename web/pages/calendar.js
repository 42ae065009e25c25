// The account page's calendar feed: a secret URL a calendar app subscribes
// to. The URL is shown once, when made (only its digest is kept); making a
// new one stops the old, revoking stops both.

import { ApiError, api } from "../api.js";
import { fmtDate, h, rerender, setFlash } from "../dom.js";

export async function calendarFeedSection() {
  let feed = null;
  try {
    feed = await api("GET", "/me/calendar-feed");
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
  const problem = h("p", { class: "form-error", role: "alert" });
  const shown = h("div", { id: "calendar-feed-url" });
  const act = async (fn) => {
    problem.textContent = "";
    try {
      await fn();
    } catch (e) {
      problem.textContent = e.message;
    }
  };
  const make = h("button", { type: "button", id: "make-calendar-feed" }, feed ? "Make a new URL" : "Make a feed URL");
  make.addEventListener("click", () =>
    act(async () => {
      if (feed && !confirm("Make a new URL? Calendars subscribed to the old one stop updating.")) return;
      const made = await api("POST", "/me/calendar-feed");
      const input = h("input", { readonly: true, value: made.url, id: "calendar-feed-link", size: "60" });
      shown.replaceChildren(
        h("p", {}, "Subscribe your calendar app to this URL. It is shown only now: copy it, and keep it secret."),
        input,
        h("p", { class: "muted" }, "For calendars that show no to-dos (Google Calendar), add ?as=events to it."),
      );
      input.select();
    }),
  );
  const revoke = h("button", { type: "button", class: "danger", id: "revoke-calendar-feed" }, "Revoke");
  revoke.addEventListener("click", () =>
    act(async () => {
      await api("DELETE", "/me/calendar-feed");
      setFlash({ kind: "good", text: "The calendar feed is revoked; its URL no longer works." });
      rerender();
    }),
  );
  const state = feed
    ? h(
        "p",
        { id: "calendar-feed-state" },
        `You have a feed since ${fmtDate(feed.created_at)}; `,
        feed.last_used_at ? `last read ${fmtDate(feed.last_used_at)}.` : "no calendar has read it yet.",
      )
    : h("p", { id: "calendar-feed-state", class: "muted" }, "You have no calendar feed.");
  return h(
    "section",
    { id: "calendar-feed" },
    h("h2", {}, "Calendar feed"),
    h(
      "p",
      { class: "muted" },
      "Your tasks with a due time, in your calendar app (Thunderbird, Apple Calendar, Google Calendar: ",
      "subscribe by URL). It updates when the app polls.",
    ),
    state,
    problem,
    h("div", { class: "row" }, make, feed ? revoke : null),
    shown,
  );
}
