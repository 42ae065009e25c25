// The running timer, shown on every page.

import { api } from "./api.js";
import { fmtDate, h, rerender } from "./dom.js";
import { currentAccessToken } from "./session.js";

const timerBar = document.getElementById("timer-bar");

export function hideTimer() {
  timerBar.hidden = true;
}

export async function refreshTimer() {
  if (!currentAccessToken()) {
    timerBar.hidden = true;
    return;
  }
  try {
    const { timer } = await api("GET", "/timer");
    if (!timer) {
      timerBar.hidden = true;
      return;
    }
    const stop = h("button", { type: "button", id: "timer-stop" }, "Stop timer");
    stop.addEventListener("click", async () => {
      await api("POST", "/timer/stop");
      await refreshTimer();
      rerender();
    });
    timerBar.replaceChildren(
      h("span", {}, "Timer running on "),
      h("a", { href: `#/tasks/${timer.task_id}` }, "a task"),
      h("span", {}, ` since ${fmtDate(timer.started_at)} `),
      stop,
    );
    timerBar.hidden = false;
  } catch {
    timerBar.hidden = true;
  }
}
