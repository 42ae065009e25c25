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
    const { timer, long_running, max_timer_hours } = await api("GET", "/timer");
    if (!timer) {
      timerBar.hidden = true;
      return;
    }
    const stop = h("button", { type: "button", id: "timer-stop" }, "Stop timer");
    stop.addEventListener("click", async () => {
      // A timer left on overnight is rarely meant: say so before saving it.
      const hours = Math.floor((Date.now() - Date.parse(timer.started_at)) / 3600000);
      const question = `This timer has run for ${hours} hours, longer than ${max_timer_hours}. Save it anyway?`;
      if (long_running && !confirm(question)) return;
      await api("POST", "/timer/stop");
      await refreshTimer();
      rerender();
    });
    timerBar.replaceChildren(
      h("span", {}, "Timer running on "),
      h("a", { href: `#/tasks/${timer.task_id}` }, "a task"),
      h("span", {}, ` since ${fmtDate(timer.started_at)} `),
      long_running ? h("strong", { id: "timer-long" }, `over ${max_timer_hours} h: forgotten? `) : null,
      stop,
    );
    timerBar.hidden = false;
  } catch {
    timerBar.hidden = true;
  }
}
