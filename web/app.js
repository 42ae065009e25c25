// TaskFlow web client: no framework, no build step. ES modules served from one
// digest directory (`/assets/<digest>/`), so relative imports stay
// immutable-cacheable. This module is the router.

import { ApiError, api } from "./api.js";
import { h, onRerender, painter } from "./dom.js";
import { accountPage } from "./pages/account.js";
import { loginPage, oauthPage, signupPage } from "./pages/auth.js";
import { jobsPage } from "./pages/jobs.js";
import { mentionsPage } from "./pages/mentions.js";
import { reportPage } from "./pages/report.js";
import { taskPage, tasksPage } from "./pages/tasks.js";
import { teamPage, teamsPage } from "./pages/teams.js";
import { approvalsPage, timesheetPage } from "./pages/timesheet.js";
import { trashPage } from "./pages/trash.js";
import { clearTokens, hasSession, isGlobalAdmin } from "./session.js";
import { hideTimer, refreshTimer } from "./timer.js";

const nav = document.getElementById("nav");

async function route() {
  const [path, qs] = (location.hash.slice(1) || "/tasks").split("?");
  const params = new URLSearchParams(qs || "");
  const signedIn = hasSession();
  nav.hidden = !signedIn;
  if (path === "/oauth") return oauthPage(params).catch((e) => loginPage(`Signing in did not complete: ${e.message}`));
  if (!signedIn && path !== "/signup") {
    if (path === "/login") return loginPage();
    location.hash = "#/login";
    return;
  }
  try {
    const parts = path.split("/").filter(Boolean);
    if (parts[0] === "login") return loginPage();
    if (parts[0] === "signup") return signupPage();
    refreshTimer();
    if (parts[0] === "tasks" && parts[1]) return await taskPage(parts[1]);
    if (parts[0] === "report") return await reportPage(params);
    if (parts[0] === "timesheet") return await timesheetPage(params);
    if (parts[0] === "approvals") return await approvalsPage();
    if (parts[0] === "teams" && parts[1]) return await teamPage(parts[1]);
    if (parts[0] === "teams") return await teamsPage();
    if (parts[0] === "account") return await accountPage();
    if (parts[0] === "mentions") return await mentionsPage();
    if (parts[0] === "trash") return await trashPage();
    if (parts[0] === "jobs") return await jobsPage(params);
    return await tasksPage(params);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      clearTokens();
      location.hash = "#/login";
      return;
    }
    painter()(h("section", {}, h("h1", {}, "Something went wrong"), h("p", { class: "form-error" }, e.message)));
  } finally {
    // Known once a page has fetched with a token.
    document.getElementById("nav-jobs").hidden = !isGlobalAdmin();
  }
}

document.getElementById("logout").addEventListener("click", async () => {
  try {
    await api("POST", "/auth/logout");
  } catch {
    /* signed out locally either way */
  }
  clearTokens();
  hideTimer();
  location.hash = "#/login";
});

onRerender(route);
window.addEventListener("hashchange", route);
route();
