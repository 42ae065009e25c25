// The web frontend in headless Chromium (Debian's, driven by playwright-core)
// against a real server: sign up, tasks, comments, timer, report, board,
// teams and invitations (accepted in a second browser), MFA enrolment and an MFA sign-in with codes computed here, linking
// an OIDC provider and signing in with its button (tests/e2e/run.sh starts it).
// Screenshots and page-load figures go to OUT_DIR; figures are reported,
// never asserted.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { currentStep, totp } from "./totp.mjs";

const base = process.env.BASE_URL;
const out = process.env.OUT_DIR;
assert.ok(base && out, "BASE_URL and OUT_DIR are required");
// RFC 6238 appendix B, SHA-1 seed "12345678901234567890", T = 59 s: 94287082.
assert.equal(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1), "287082");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
// A browser in Berlin: sign-up sends the browser's time zone.
const context = await browser.newContext({
  viewport: { width: 1280, height: 900 },
  acceptDownloads: true,
  timezoneId: "Europe/Berlin",
});
const page = await context.newPage();
page.setDefaultTimeout(15000);
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e}`));
// Chromium logs every 4xx answer as "Failed to load resource"; the sign-up
// step provokes one on purpose. CSP violations ("Refused to ...") and script
// errors still count.
page.on("console", (m) => {
  if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
});
const shot = (name) => page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
let stepsPassed = 0;

async function step(name, fn) {
  process.stdout.write(`[e2e] ${name} ... `);
  try {
    await fn();
  } catch (e) {
    await page.screenshot({ path: `${out}/failed.png`, fullPage: true }).catch(() => {});
    console.log(`FAILED (screenshot: ${out}/failed.png)`);
    throw e;
  }
  console.log("ok");
  stepsPassed += 1;
}

const email = `e2e-${Date.now()}@example.test`;
const password = `e2e-password-${Math.random().toString(36).slice(2)}`;
const title = "Write the e2e test";
const metrics = {};

await step("sign up, with a field error shown first", async () => {
  await page.goto(`${base}/`);
  await page.waitForSelector("#login-form");
  assert.equal(await (await page.waitForSelector("#provider-mock")).textContent(), "Continue with Mock ID");
  await shot("login");
  await page.click("text=Create an account");
  await page.fill("#signup-form input[name=email]", email);
  await page.fill("#signup-form input[name=display_name]", "E2E Tester");
  await page.fill("#signup-form input[name=password]", "short");
  await page.click("#signup-form button[type=submit]");
  const err = await page.waitForSelector('#signup-form [data-error="password"]:not(:empty)');
  assert.match(await err.textContent(), /12/);
  await shot("signup-error");
  await page.fill("#signup-form input[name=password]", password);
  await page.click("#signup-form button[type=submit]");
  await page.waitForSelector("#new-task");
  await page.waitForSelector("#task-list .empty");
});

await step("create a task", async () => {
  await page.fill("#new-task input[name=title]", title);
  await page.selectOption("#new-task select[name=priority]", "high");
  await page.fill("#new-task input[name=labels]", "e2e, docs");
  await page.click("#new-task button[type=submit]");
  await page.waitForSelector(`#task-list .task:has-text("${title}")`);
  await shot("tasks");
});

await step("comment, rendered as text", async () => {
  await page.click(`#task-list .task:has-text("${title}")`);
  await page.waitForSelector("#task-form");
  const body = "Looks good <img src=x onerror=alert(1)>";
  await page.fill("#comment-form textarea[name=body]", body);
  await page.click("#comment-form button[type=submit]");
  const li = await page.waitForSelector('#comments li:has-text("Looks good")');
  assert.ok((await li.textContent()).includes("<img src=x onerror=alert(1)>"), "markup shows as text");
  assert.equal(await page.$("#comments img"), null, "no element was created from the comment");
});

await step("start and stop a timer", async () => {
  await page.click("#timer-start");
  await page.waitForSelector("#timer-bar:not([hidden]) #timer-stop");
  await shot("task");
  await page.waitForTimeout(1500);
  await page.click("#timer-stop");
  await page.waitForSelector("#timer-bar", { state: "hidden" });
});

await step("see it in the time report, and download CSV", async () => {
  await page.goto(`${base}/#/report?group_by=task`);
  await page.waitForSelector(`#report-table tbody tr:has-text("${title}")`);
  await page.waitForSelector("svg.chart rect");
  await shot("report");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#csv")]);
  assert.match(download.suggestedFilename(), /^time-report-task-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const bytes = readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "a UTF-8 byte order mark, for Excel");
  const lines = bytes.toString("utf8").slice(1).split("\r\n");
  assert.equal(lines[0], "key,label,seconds,billable_seconds");
  assert.ok(lines.some((l) => l.includes(`"${title}"`)), lines.join("\n"));
  const [workbook] = await Promise.all([page.waitForEvent("download"), page.click("#xlsx")]);
  assert.match(workbook.suggestedFilename(), /^time-report-task-.*\.xlsx$/);
  const zip = readFileSync(await workbook.path());
  assert.deepEqual([...zip.subarray(0, 2)], [0x50, 0x4b], "an Office Open XML file is a zip");
});

// Berlin leaves summer time on 2026-10-25: that day is 25 hours long. The
// entries are typed as Berlin wall-clock times on the task page.
await step("a DST week in Europe/Berlin has correct day buckets", async () => {
  await page.goto(`${base}/#/tasks`);
  await page.click(`#task-list .task:has-text("${title}")`);
  // The task page with its one entry so far (the timer's): counted from here.
  await page.waitForSelector("#entry-form");
  await page.waitForSelector("ul.entries li");
  for (const [started, minutes] of [
    ["2026-10-24T23:30", "20"],
    ["2026-10-25T00:30", "30"],
    ["2026-10-25T23:00", "30"],
  ]) {
    const before = await page.$$eval("ul.entries li", (lis) => lis.length);
    await page.fill("#entry-form input[name=started_at]", started);
    await page.fill("#entry-form input[name=duration_seconds]", minutes);
    const saved = page.waitForResponse((r) => r.url().endsWith("/time-entries") && r.request().method() === "POST");
    await page.click("#entry-form button[type=submit]");
    assert.equal((await saved).status(), 201);
    // The page redraws with the new entry (and may redraw again as its
    // other parts reload): type the next one only once it has settled.
    await page.waitForFunction((n) => document.querySelectorAll("ul.entries li").length > n, before);
    await page.waitForLoadState("networkidle");
  }
  await page.goto(`${base}/#/report?group_by=day&from=2026-10-19&to=2026-10-25`);
  await page.waitForSelector("#report-zone:has-text('Europe/Berlin')");
  const rows = await page.$$eval("#report-table tbody tr", (trs) => trs.map((tr) => tr.dataset.key));
  assert.deepEqual(rows, ["19", "20", "21", "22", "23", "24", "25"].map((d) => `2026-10-${d}`), "every day, in order");
  const cells = async (key) => page.$$eval(`#report-table tr[data-key="${key}"] td`, (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(await cells("2026-10-25"), ["2026-10-25 (25 h)", "1 h 0 min", "0 s"]);
  assert.deepEqual((await cells("2026-10-24")).slice(0, 2), ["2026-10-24", "20 min"], "23:30 on the 24th stays there");
  assert.deepEqual((await cells("2026-10-23")).slice(0, 2), ["2026-10-23", "0 s"], "an empty day is listed");
  await shot("report-dst");
});

await step("the report by day then task, in another zone", async () => {
  await page.selectOption("#report-form select[name=then_by]", "task");
  await page.selectOption("#report-form select[name=tz]", "UTC");
  await page.click("#report-form button[type=submit]");
  await page.waitForSelector("#report-zone:has-text('UTC')");
  // In UTC the 00:30 Berlin entry (22:30 UTC) falls on the 24th.
  const sub = await page.waitForSelector(`#report-table tr.subgroup[data-key^="2026-10-24/"]:has-text("${title}")`);
  assert.match(await sub.textContent(), /50 min/);
  assert.equal(await page.$$eval("#report-table tr.group", (trs) => trs.length), 7);
  await shot("report-two-levels");
});

await step("move a card on the board with the keyboard", async () => {
  await page.goto(`${base}/#/tasks?view=board`);
  const move = await page.waitForSelector('.column[data-status="todo"] .card button[aria-label="Move to In progress"]');
  await move.focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector(`.column[data-status="in_progress"] .card:has-text("${title}")`);
  await shot("board");
});

await step("create a team", async () => {
  await page.goto(`${base}/#/teams`);
  await page.fill("#team-form input[name=name]", "E2E team");
  await page.click("#team-form button[type=submit]");
  await page.click("text=E2E team");
  await page.waitForSelector("#invite-form");
  await shot("team");
});

await step("set an hourly rate on the team page; the team's report carries amounts", async () => {
  await page.fill("#rate-form input[name=hourly_rate]", "95.505");
  await page.click("#rate-form button[type=submit]");
  const err = await page.waitForSelector('#rate-form [data-error="hourly_rate"]:not(:empty)');
  assert.match(await err.textContent(), /at most 2 decimals for EUR/);
  await page.fill("#rate-form input[name=hourly_rate]", "95.50");
  await page.click("#rate-form button[type=submit]");
  const row = await page.waitForSelector("#rates-table tbody tr");
  assert.match(await row.textContent(), /95\.50/);
  assert.ok(await page.$eval("#rate-form input[name=currency]", (i) => i.disabled), "the team now bills in EUR");
  await shot("team-rates");
  const teamId = page.url().split("/").pop();
  await page.goto(`${base}/#/report?group_by=user&team_id=${teamId}`);
  await page.waitForSelector("#report-table th:has-text('Amount')");
  assert.match(await page.textContent("#report-total"), /€0\.00/);
  await page.goto(`${base}/#/teams/${teamId}`);
  await page.waitForSelector("#invite-form");
});

await step("lock the team's time on the team page, then lift the lock", async () => {
  const day = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  await page.fill("#lock-form input[name=until]", day);
  await page.click("#lock-form button[type=submit]");
  await page.waitForSelector(`#lock-status:has-text("up to and including ${day}")`);
  await shot("team-lock");
  page.once("dialog", (d) => d.accept());
  await page.click("#lift-lock");
  await page.waitForSelector("#lock-status:has-text('No period is locked')");
});

await step("set a hard monthly budget on the team page", async () => {
  await page.fill("#budget-form input[name=seconds]", "-3");
  await page.click("#budget-form button[type=submit]");
  await page.waitForSelector('#budget-form [data-error="seconds"]:not(:empty)');
  await page.fill("#budget-form input[name=seconds]", "160");
  await page.fill("#budget-form input[name=amount]", "4000");
  await page.check("#budget-form input[name=hard]");
  await page.click("#budget-form button[type=submit]");
  const row = await page.waitForSelector("#budgets-table tbody tr");
  assert.match(await row.textContent(), /the whole team.*monthly.*of 160 h 0 min.*€4,000\.00.*0%/);
  await shot("team-budgets");
});

await step("create a project on the team page and add a task from its board", async () => {
  await page.fill("#project-form input[name=name]", " ");
  await page.click("#project-form button[type=submit]");
  await page.waitForSelector('#project-form [data-error="name"]:not(:empty)');
  await page.fill("#project-form input[name=name]", "Website");
  await page.click("#project-form button[type=submit]");
  const row = await page.waitForSelector('#projects-table tr:has-text("Website")');
  assert.match(await row.textContent(), /0 open of 0/);
  await page.click('a[aria-label="Board of Website"]');
  await page.waitForSelector('#tasks-heading:has-text("Website board")');
  // On a project's board, the new task goes into that project.
  assert.equal(await page.$eval("#new-task select[name=project_id] option:checked", (o) => o.textContent), "Website");
  await page.fill("#new-task input[name=title]", "Landing page");
  await page.click("#new-task button[type=submit]");
  const card = await page.waitForSelector('.column[data-status="todo"] .card:has-text("Landing page")');
  const move = await card.$('button[aria-label="Move to In progress"]');
  await move.focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector('.column[data-status="in_progress"] .card:has-text("Landing page")');
  await shot("project-board");
});

await step("the task page shows the task's project and moves it out and back", async () => {
  await page.click('.card a:has-text("Landing page")');
  const chosen = async () => {
    await page.waitForSelector("#task-form select[name=project_id]");
    return page.$eval("#task-form select[name=project_id] option:checked", (o) => o.textContent);
  };
  assert.equal(await chosen(), "Website");
  // Saved, then read back from the server (a fresh load of the page).
  for (const label of ["No project", "Website"]) {
    await page.selectOption("#task-form select[name=project_id]", { label });
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/api/v1/tasks/") && r.ok()),
      page.click("#task-form button[type=submit]"),
    ]);
    await page.reload();
    assert.equal(await chosen(), label);
  }
});

await step("the task's activity lists the moves, newest first, by project name", async () => {
  const first = await page.waitForSelector('#activity li[data-field="project_id"]');
  assert.match(await first.textContent(), /changed the project from nothing to Website/);
  assert.equal(await page.$$eval('#activity li[data-field="project_id"]', (l) => l.length), 2);
  assert.match(await page.textContent("#activity li:last-child"), /created the task/);
  await shot("task-activity");
});

await step("a checklist on the task page: add, tick, reorder with the keyboard, remove", async () => {
  for (const body of ["Draft copy", "Pick photos", "Publish"]) {
    await page.fill("#checklist-form input[name=body]", body);
    await page.click("#checklist-form button[type=submit]");
    await page.waitForSelector(`#checklist li:has-text("${body}")`);
  }
  await page.check('#checklist li:has-text("Draft copy") input[type=checkbox]');
  await page.waitForSelector("#checklist-progress:has-text('1 of 3 done')");
  const up = await page.waitForSelector('button[aria-label="Move \\"Publish\\" up"]');
  await up.focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#checklist li")].map((li) => li.textContent.trim()).join("|").match(/Draft copy.*\|.*Publish.*\|.*Pick photos/),
  );
  await page.click('button[aria-label="Remove \\"Pick photos\\""]');
  await page.waitForSelector('#checklist li:has-text("Pick photos")', { state: "detached" });
  await page.waitForSelector("#checklist-progress:has-text('1 of 2 done')");
  await shot("task-checklist");
});

await step("subtasks on the task page: add from the keyboard, tick one off, follow the link up and back", async () => {
  const parentUrl = page.url();
  for (const title of ["Write alt texts", "Check links"]) {
    await page.fill("#subtask-form input[name=title]", title);
    await page.press("#subtask-form input[name=title]", "Enter");
    await page.waitForSelector(`#subtasks li:has-text("${title}")`);
  }
  await page.waitForSelector("#subtasks-progress:has-text('0 of 2 done')");
  await page.click('#subtasks a:has-text("Check links")');
  await page.waitForSelector('#parent-link:has-text("Landing page")');
  await page.selectOption("#task-form select[name=status]", "done");
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/api/v1/tasks/") && r.ok()),
    page.click("#task-form button[type=submit]"),
  ]);
  await page.click("#parent-link a");
  await page.waitForSelector("#subtasks-progress:has-text('1 of 2 done')");
  assert.equal(page.url(), parentUrl);
  await shot("task-subtasks");
  // The task list shows the parent's progress.
  await page.goto(`${base}/#/tasks`);
  await page.waitForSelector('#task-list .task:has-text("Landing page") .progress-badge:has-text("1/2")');
  await page.goto(parentUrl);
  await page.waitForSelector("#subtasks-progress");
});

await step("relations: block a subtask, see the badge, mark it done anyway after confirming", async () => {
  await page.waitForSelector("#relation-form");
  await page.selectOption("#relation-form select[name=kind]", "blocks");
  await page.selectOption("#relation-form select[name=task_id]", { label: "Write alt texts" });
  await page.click("#relation-form button[type=submit]");
  await page.waitForSelector('#relations li[data-kind="blocks"]:has-text("Write alt texts")');
  await page.click('#relations a:has-text("Write alt texts")');
  await page.waitForSelector('#relations li[data-kind="blocked_by"]:has-text("Landing page")');
  assert.match(await page.textContent("#blocked-badge:not([hidden])"), /Blocked by 1 open task/);
  await page.selectOption("#task-form select[name=status]", "done");
  page.once("dialog", (d) => d.accept());
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("force=true") && r.ok()),
    page.click("#task-form button[type=submit]"),
  ]);
  await page.waitForSelector('#activity li[data-field="blockers_overridden"]:has-text("Landing page")');
  await page.waitForSelector('#activity li[data-field="relation"]:has-text("blocked by Landing page")');
  await shot("task-relations");
  await page.click('button[aria-label="Remove relation to \\"Landing page\\""]');
  await page.waitForSelector('#relations li[data-kind="blocked_by"]', { state: "detached" });
  await page.waitForSelector("#blocked-badge[hidden]", { state: "attached" });
});

await step("archiving a project takes its tasks off the task list until it is restored", async () => {
  await page.goto(`${base}/#/teams`);
  await page.click("text=E2E team");
  await page.click('button[aria-label="Archive Website"]');
  await page.waitForSelector('#projects-table tr.archived:has-text("Website")');
  const teamId = page.url().split("/").pop();
  await page.goto(`${base}/#/tasks?team_id=${teamId}`);
  await page.waitForSelector("#task-list .empty, #task-list .task");
  assert.equal(await page.$$eval('#task-list .task:has-text("Landing page")', (l) => l.length), 0);
  await shot("project-archived");
  await page.goto(`${base}/#/teams/${teamId}`);
  await page.click('button[aria-label="Restore Website"]');
  await page.waitForSelector('#projects-table tr:not(.archived):has-text("Website")');
  await page.goto(`${base}/#/tasks?team_id=${teamId}`);
  await page.waitForSelector('#task-list .task:has-text("Landing page")');
  await page.goto(`${base}/#/teams/${teamId}`);
  await page.waitForSelector("#invite-form");
});

const invitee = { email: `e2e-invitee-${Date.now()}@example.test`, password: `e2e-invitee-${Math.random().toString(36).slice(2)}` };

/** The invitee signed in, in a browser of their own. */
/** A fresh access token of the page's session (the refresh it uses is stored back, as the app does). */
async function pageToken() {
  return page.evaluate(async () => {
    const r = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: sessionStorage.getItem("tf_refresh") }),
    });
    const t = await r.json();
    sessionStorage.setItem("tf_refresh", t.refresh_token);
    return t.access_token;
  });
}

async function inviteeBrowser() {
  const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const theirs = await other.newPage();
  theirs.setDefaultTimeout(15000);
  theirs.on("pageerror", (e) => problems.push(`invitee page error: ${e}`));
  await theirs.goto(`${base}/`);
  await theirs.fill("#login-form input[name=email]", invitee.email);
  await theirs.fill("#login-form input[name=password]", invitee.password);
  await theirs.click("#login-form button[type=submit]");
  await theirs.waitForSelector("#new-task");
  return { other, theirs };
}

await step("invite by email, and revoke another invitation", async () => {
  for (const address of [invitee.email, "e2e-changed-my-mind@example.test"]) {
    await page.fill("#invite-form input[name=email]", address);
    await page.selectOption("#invite-form select[name=role]", "member");
    await page.click("#invite-form button[type=submit]");
    await page.waitForSelector(`#team-invitations td:has-text("${address}")`);
  }
  assert.match(await page.textContent("#flash"), /They join when they accept it/);
  await shot("team-invitations");
  await page.click('button[aria-label="Revoke the invitation to e2e-changed-my-mind@example.test"]');
  await page.waitForSelector('#team-invitations td:has-text("e2e-changed-my-mind@example.test")', { state: "detached" });
  await page.waitForSelector(`#team-invitations td:has-text("${invitee.email}")`);
});

await step("the invitee signs up, sees the invitation and accepts it", async () => {
  const r = await fetch(`${base}/api/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: invitee.email, password: invitee.password, display_name: "E2E Invitee" }),
  });
  assert.equal(r.status, 201, await r.text());
  const { other, theirs } = await inviteeBrowser();
  await theirs.goto(`${base}/#/teams`);
  const offer = await theirs.waitForSelector('#my-invitations li:has-text("E2E team")');
  assert.match(await offer.textContent(), /as member, from E2E Tester/);
  await theirs.screenshot({ path: `${out}/invitation.png`, fullPage: true });
  await theirs.click('button[aria-label="Accept the invitation to E2E team"]');
  await theirs.waitForSelector('h1:has-text("E2E team")');
  await theirs.waitForSelector(`td:has-text("${invitee.email}")`);
  await other.close();
  // The owner now sees a member, and no open invitation.
  await page.reload();
  await page.waitForSelector(`td:has-text("E2E Invitee")`);
  assert.equal(await page.$("#team-invitations"), null);
});

await step("assign a task to two people; the board shows both by their initials", async () => {
  const teamId = page.url().split("/").pop();
  await page.goto(`${base}/#/tasks?team_id=${teamId}&q=Landing`);
  await page.click('#task-list .task:has-text("Landing page")');
  await page.waitForSelector("#assignees");
  // Keyboard: focus each box and tick it with the space bar.
  for (const name of ["E2E Tester", "E2E Invitee"]) {
    const box = await page.waitForSelector(`#assignees label:has-text("${name}") input[type=checkbox]`);
    await box.focus();
    await page.keyboard.press("Space");
  }
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/api/v1/tasks/") && r.ok()),
    page.click("#task-form button[type=submit]"),
  ]);
  await page.reload();
  await page.waitForSelector("#assignees");
  assert.equal(await page.$$eval("#assignees input:checked", (l) => l.length), 2);
  const changed = await page.waitForSelector('#activity li[data-field="assignee_ids"]');
  assert.match(await changed.textContent(), /changed the assignees from nothing to E2E Tester, E2E Invitee/);
  await page.goto(`${base}/#/tasks?team_id=${teamId}&view=board`);
  const card = await page.waitForSelector('.card:has-text("Landing page") .avatars');
  assert.equal(await card.getAttribute("aria-label"), "Assigned to E2E Tester, E2E Invitee");
  assert.deepEqual(await card.$$eval(".avatar", (l) => l.map((a) => a.textContent)), ["ET", "EI"]);
  await shot("task-assignees");
  await page.goto(`${base}/#/teams/${teamId}`);
  await page.waitForSelector("#invite-form");
});

await step("stop watching a task and watch it again, with the keyboard", async () => {
  const teamId = page.url().split("/").pop();
  await page.goto(`${base}/#/tasks?team_id=${teamId}&q=Landing`);
  await page.click('#task-list .task:has-text("Landing page")');
  const toggle = await page.waitForSelector("#watch-toggle");
  // The creator and both assignees (the creator is one of them) watch it.
  assert.equal(await toggle.textContent(), "Stop watching (2)");
  assert.equal(await toggle.getAttribute("aria-pressed"), "true");
  await toggle.focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector('#watch-toggle:has-text("Watch (1)")');
  assert.equal(await page.getAttribute("#watch-toggle", "aria-pressed"), "false");
  await page.reload();
  await page.waitForSelector('#watch-toggle:has-text("Watch (1)")');
  assert.match(await page.textContent('#activity li[data-field="watcher"]'), /stopped watching/);
  await page.click("#watch-toggle");
  await page.waitForSelector('#watch-toggle:has-text("Stop watching (2)")');
  await page.goto(`${base}/#/teams/${teamId}`);
  await page.waitForSelector("#invite-form");
});

await step("mention a teammate from the keyboard: the picker offers them, the comment highlights them", async () => {
  const teamId = page.url().split("/").pop();
  await page.goto(`${base}/#/tasks?team_id=${teamId}&q=Landing`);
  await page.click('#task-list .task:has-text("Landing page")');
  const box = await page.waitForSelector("#comment-form textarea[name=body]");
  await box.focus();
  await page.keyboard.type("Over to @e2e i");
  const offer = await page.waitForSelector('#comment-form [role=option][aria-selected="true"]');
  assert.match(await offer.textContent(), /^E2E Invitee/);
  assert.equal(await box.getAttribute("aria-expanded"), "true");
  await page.keyboard.press("Enter");
  await page.keyboard.type("please review");
  assert.equal(await box.inputValue(), "Over to @E2E Invitee please review");
  await page.click("#comment-form button[type=submit]");
  const mark = await page.waitForSelector('#comments mark.mention:has-text("@E2E Invitee")');
  assert.equal(await mark.getAttribute("title"), "Mentions E2E Invitee");
  // An address in the text is no mention.
  await page.fill("#comment-form textarea[name=body]", "or mail e2e@example.test");
  await page.click("#comment-form button[type=submit]");
  await page.waitForSelector('#comments li:has-text("or mail e2e@example.test")');
  assert.equal(await page.$$eval("#comments mark.mention", (l) => l.length), 1);
  await shot("mention-comment");
  await page.goto(`${base}/#/teams/${teamId}`);
  await page.waitForSelector("#invite-form");
});

await step("the invitee's Mentions page lists where they were named and links to the task", async () => {
  const { other, theirs } = await inviteeBrowser();
  await theirs.click('nav a[href="#/mentions"]');
  const item = await theirs.waitForSelector('#mentions li:has-text("Landing page")');
  assert.match(await item.textContent(), /E2E Tester mentioned you in a comment on Landing page/);
  assert.match(await item.textContent(), /Over to @E2E Invitee please review/);
  await theirs.screenshot({ path: `${out}/mentions.png`, fullPage: true });
  await theirs.click('#mentions a:has-text("Landing page")');
  await theirs.waitForSelector('#task-title:has-text("Landing page")');
  await theirs.waitForSelector('#comments mark.mention:has-text("@E2E Invitee")');
  await other.close();
});

await step("move a task with a subtask to the trash, find it on the Trash page, restore it", async () => {
  const teamId = page.url().split("/").pop();
  await page.goto(`${base}/#/tasks`);
  await page.fill("#new-task input[name=title]", "Old draft");
  await page.click("#new-task button[type=submit]");
  await page.click('#task-list .task:has-text("Old draft")');
  await page.fill("#subtask-form input[name=title]", "Old step");
  await page.press("#subtask-form input[name=title]", "Enter");
  await page.waitForSelector('#subtasks a:has-text("Old step")');
  let question = "";
  page.once("dialog", (d) => {
    question = d.message();
    d.accept();
  });
  await page.click("#delete-task");
  const row = await page.waitForSelector('#trash li:has-text("Old draft")');
  assert.match(question, /Move this task and its 1 subtask\(s\) to the trash/);
  assert.match(await page.textContent("#flash"), /"Old draft" is in the trash/);
  assert.match(await row.textContent(), /with 1 subtask\(s\) deleted by E2E Tester/);
  await page.goto(`${base}/#/tasks?q=Old`);
  await page.waitForSelector("#task-list");
  assert.equal(await page.$('#task-list .task:has-text("Old draft")'), null, "a trashed task is not listed");
  await page.click('nav a[href="#/trash"]');
  const restore = await page.waitForSelector('button[aria-label="Restore \\"Old draft\\""]');
  await shot("trash");
  await restore.focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector('#trash li.empty:has-text("The trash is empty")');
  await page.goto(`${base}/#/tasks?q=Old`);
  await page.click('#task-list .task:has-text("Old draft")');
  await page.waitForSelector('#subtasks a:has-text("Old step")');
  const restored = await page.waitForSelector('#activity li[data-field="trashed_at"]');
  assert.match(await restored.textContent(), /restored the task from the trash/);
  await page.goto(`${base}/#/teams/${teamId}`);
  await page.waitForSelector("#invite-form");
});

/** The ISO week (2026-W48) of a YYYY-MM-DD day, computed here independently of the app. */
function isoWeekOf(day) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + 3);
  const jan4 = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  jan4.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() + 6) % 7) + 3);
  return `${d.getUTCFullYear()}-W${String(1 + Math.round((d - jan4) / 604800000)).padStart(2, "0")}`;
}

await step("a member enters a week and submits it, an admin approves it, then edits are refused", async () => {
  const teamId = page.url().split("/").pop();
  const signIn = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: invitee.email, password: invitee.password }),
  });
  const token = (await signIn.json()).access_token;
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const made = await fetch(`${base}/api/v1/tasks`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ title: "Timesheet work", team_id: teamId }),
  });
  assert.equal(made.status, 201, await made.clone().text());
  const task = await made.json();
  // Last week: every day of it is in the past (the invitee's zone is UTC).
  const now = new Date();
  now.setUTCDate(now.getUTCDate() - ((now.getUTCDay() + 6) % 7) - 7);
  const monday = now.toISOString().slice(0, 10);
  const tuesday = new Date(now.getTime() + 86400000).toISOString().slice(0, 10);
  const week = isoWeekOf(monday);

  const other = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC" });
  const theirs = await other.newPage();
  theirs.setDefaultTimeout(15000);
  theirs.on("pageerror", (e) => problems.push(`invitee page error: ${e}`));
  await theirs.goto(`${base}/`);
  await theirs.fill("#login-form input[name=email]", invitee.email);
  await theirs.fill("#login-form input[name=password]", invitee.password);
  await theirs.click("#login-form button[type=submit]");
  await theirs.waitForSelector("#new-task");
  await theirs.goto(`${base}/#/timesheet?week=${week}`);
  await theirs.waitForSelector(`h1:has-text("Timesheet ${week}")`);
  await theirs.selectOption("#sheet-add-row select[name=task_id]", task.task_id);
  await theirs.click("#sheet-add-row button[type=submit]");
  const cell = (day) => `input[aria-label="Hours on Timesheet work, ${day}"]`;
  await theirs.fill(cell(monday), "2");
  await theirs.press(cell(monday), "Tab");
  await theirs.waitForSelector('#sheet-total:has-text("2 h 0 min")');
  await theirs.fill(cell(tuesday), "1:30");
  await theirs.press(cell(tuesday), "Tab");
  await theirs.waitForSelector('#sheet-total:has-text("3 h 30 min")');
  // Changing a cell changes its one entry rather than adding another.
  await theirs.fill(cell(monday), "2.5");
  await theirs.press(cell(monday), "Tab");
  await theirs.waitForSelector('#sheet-total:has-text("4 h 0 min")');
  await theirs.click("#submit-week");
  await theirs.waitForSelector("#sheet-state:has-text('Submitted')");
  assert.match(await theirs.textContent("#flash"), /2 entries submitted/);
  assert.equal(await theirs.$(cell(monday)), null, "submitted time is read-only");
  await theirs.screenshot({ path: `${out}/timesheet-submitted.png`, fullPage: true });

  // The owner finds the week in the approvals queue and approves it.
  await page.goto(`${base}/#/approvals`);
  await page.click(`a[aria-label="Review E2E Invitee's ${week}"]`);
  await page.waitForSelector("#approve-week:not([disabled])");
  assert.match(await page.textContent("#sheet-total"), /4 h 0 min/);
  await page.click("#approve-week");
  await page.waitForSelector("#sheet-state:has-text('Approved')");
  await shot("timesheet-approved");
  await page.goto(`${base}/#/approvals`);
  await page.waitForSelector("#approvals-empty");

  // Approved: the member's page has no inputs for it, and the API refuses an edit.
  await theirs.reload();
  await theirs.waitForSelector("#sheet-state:has-text('Approved')");
  assert.equal(await theirs.$(cell(monday)), null);
  const sheet = await (await fetch(`${base}/api/v1/timesheets?week=${week}`, { headers: auth })).json();
  const edit = await fetch(`${base}/api/v1/time-entries/${sheet.entries[0].entry_id}`, {
    method: "PATCH",
    headers: auth,
    body: JSON.stringify({ note: "after approval" }),
  });
  assert.equal(edit.status, 409);
  assert.match((await edit.json()).detail, /approved/);
  await other.close();
});

await step("a global admin sends pings from the Jobs page, sees them done and a dead one, and retries it", async () => {
  const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const admin = await other.newPage();
  admin.setDefaultTimeout(15000);
  admin.on("pageerror", (e) => problems.push(`admin page error: ${e}`));
  await admin.goto(`${base}/`);
  await admin.fill("#login-form input[name=email]", process.env.ADMIN_EMAIL);
  await admin.fill("#login-form input[name=password]", process.env.ADMIN_PASSWORD);
  await admin.click("#login-form button[type=submit]");
  await admin.waitForSelector("#new-task");
  // The link is for global admins only.
  assert.equal(await page.isVisible('nav a[href="#/jobs"]'), false, "a member sees no Jobs link");
  await admin.click('nav a[href="#/jobs"]');
  await admin.fill("#ping-form input[name=count]", "2");
  await admin.click("#ping-form button[type=submit]");
  await admin.waitForSelector('#flash:has-text("2 ping(s) enqueued")');
  // The workers inside the server run them; refresh until both are done.
  for (let i = 0; i < 100 && (await admin.$$('#jobs tr[data-state="done"]')).length < 2; i++) {
    await admin.waitForTimeout(100);
    await admin.click("#refresh-jobs");
    await admin.waitForSelector("#jobs");
  }
  const done = await admin.$$('#jobs tr[data-state="done"]');
  assert.equal(done.length, 2);
  assert.match(await done[0].textContent(), /diagnostic\.ping.*1 \/ 5.*"worker"/);
  // Five failing attempts: dead (the e2e server retries within milliseconds).
  await admin.fill("#ping-form input[name=count]", "1");
  await admin.fill("#ping-form input[name=fail_attempts]", "5");
  await admin.click("#ping-form button[type=submit]");
  await admin.waitForSelector('#flash:has-text("1 ping(s) enqueued")');
  await admin.selectOption("#job-state", "dead");
  let dead = null;
  for (let i = 0; i < 100 && !dead; i++) {
    await admin.waitForTimeout(100);
    await admin.click("#refresh-jobs");
    await admin.waitForSelector("#jobs");
    dead = await admin.$('#jobs tr[data-state="dead"]');
  }
  assert.ok(dead, "the failing ping went dead");
  assert.match(await dead.textContent(), /5 \/ 5.*failed on purpose/);
  await admin.screenshot({ path: `${out}/jobs.png`, fullPage: true });
  const retry = await admin.waitForSelector('#jobs tr[data-state="dead"] button:has-text("Retry")');
  await retry.focus();
  await admin.keyboard.press("Enter");
  await admin.waitForSelector('#flash:has-text("The job is queued again")');
  await other.close();
});

await step("page load of the task list with 200 tasks", async () => {
  const token = await pageToken();
  for (let i = 0; i < 199; i += 1) {
    const r = await fetch(`${base}/api/v1/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: `Bulk task ${i}`, labels: ["bulk"] }),
    });
    assert.equal(r.status, 201);
  }
  // A full page load (reload), not a hash change: HTML, script, stylesheet,
  // the token refresh and the first page of 50 tasks.
  await page.goto(`${base}/#/tasks`);
  let started = Date.now();
  await page.reload();
  await page.waitForSelector("#task-list .task:nth-child(50)");
  metrics.task_list_first_page_ms = Date.now() - started;
  metrics.navigation = await page.evaluate(() => {
    const n = performance.getEntriesByType("navigation")[0];
    return { dom_content_loaded_ms: Math.round(n.domContentLoadedEventEnd), load_ms: Math.round(n.loadEventEnd) };
  });
  await page.goto(`${base}/#/tasks?view=board`);
  started = Date.now();
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll(".board .card").length >= 200);
  metrics.board_200_tasks_ms = Date.now() - started;
  await shot("board-200");
});

await step("the account starts in the browser's time zone, and the account page changes it", async () => {
  await page.goto(`${base}/#/account`);
  const zone = await page.waitForSelector("#profile-form select[name=time_zone]");
  assert.equal(await zone.inputValue(), "Europe/Berlin", "sign-up sent the browser's zone");
  await zone.selectOption("America/New_York");
  const saved = page.waitForResponse((r) => r.url().endsWith("/api/v1/me") && r.request().method() === "PATCH");
  await page.click("#profile-form button[type=submit]");
  assert.equal((await saved).status(), 200);
  await page.reload();
  const again = await page.waitForSelector("#profile-form select[name=time_zone]");
  assert.equal(await again.inputValue(), "America/New_York", "saved");
});

await step("make a calendar feed URL on the account page, read it as a calendar app would, revoke it", async () => {
  // A task of mine with a due time, so the feed has something to list.
  const token = await pageToken();
  const me = await (await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  const created = await fetch(`${base}/api/v1/tasks`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ title: "Renew the domain", assignee_ids: [me.user_id], due_at: "2027-01-15T09:00:00Z" }),
  });
  assert.equal(created.status, 201);
  await page.goto(`${base}/#/account`);
  await page.waitForSelector('#calendar-feed-state:has-text("You have no calendar feed")');
  await page.click("#make-calendar-feed");
  const link = await page.waitForSelector("#calendar-feed-link");
  const url = await link.inputValue();
  assert.match(url, /\/ical\/tfc_[A-Za-z0-9_-]{43}\.ics$/);
  await shot("calendar-feed");
  // No sign-in: the URL is the key.
  const feed = await fetch(url);
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get("content-type"), /^text\/calendar/);
  const ics = await feed.text();
  assert.match(ics, /BEGIN:VTODO[\s\S]*SUMMARY:Renew the domain[\s\S]*DUE:20270115T090000Z/);
  await page.reload();
  await page.waitForSelector('#calendar-feed-state:has-text("You have a feed since")');
  await page.click("#revoke-calendar-feed");
  await page.waitForSelector('#flash:has-text("The calendar feed is revoked")');
  await page.waitForSelector('#calendar-feed-state:has-text("You have no calendar feed")');
  assert.equal((await fetch(url)).status, 404);
});

await step("make an API token on the account page, call the API with it, see a missing scope refused, revoke it", async () => {
  await page.goto(`${base}/#/account`);
  await page.waitForSelector('#token-list:has-text("You have no API tokens")');
  await page.fill("#token-name", "e2e script");
  await page.check('[data-scope="tasks:read"]');
  await page.fill("#token-days", "7");
  await page.click("#make-token");
  const secretInput = await page.waitForSelector("#token-secret");
  const apiToken = await secretInput.inputValue();
  assert.match(apiToken, /^tfp_[0-9A-Za-z]{43}$/);
  await shot("api-token");
  const auth = { authorization: `Bearer ${apiToken}` };
  const listed = await fetch(`${base}/api/v1/tasks`, { headers: auth });
  assert.equal(listed.status, 200);
  const write = await fetch(`${base}/api/v1/tasks`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ title: "made by a read-only token" }),
  });
  assert.equal(write.status, 403);
  assert.match(write.headers.get("www-authenticate"), /error="insufficient_scope", scope="tasks:write"/);
  await page.reload();
  const row = await page.waitForSelector('#token-list tr:has-text("e2e script")');
  assert.match(await row.textContent(), /tasks:read/);
  page.once("dialog", (d) => d.accept());
  await page.click("[data-revoke-token]");
  await page.waitForSelector('#flash:has-text("revoked")');
  await page.waitForSelector('#token-list:has-text("You have no API tokens")');
  assert.equal((await fetch(`${base}/api/v1/tasks`, { headers: auth })).status, 401);
});

let confirmedStep;
let secret;
let recoveryCodes;
await step("enable MFA with a computed code", async () => {
  await page.goto(`${base}/#/account`);
  await page.click("#mfa-enrol");
  secret = (await (await page.waitForSelector("#mfa-secret")).textContent()).trim();
  await page.waitForSelector('img[alt^="QR code"]');
  confirmedStep = currentStep();
  await page.fill("#mfa-confirm input[name=code]", totp(secret, confirmedStep));
  await page.click("#mfa-confirm button[type=submit]");
  await page.waitForSelector("#recovery-codes li");
  assert.equal((await page.$$("#recovery-codes li")).length, 10);
  recoveryCodes = await page.$$eval("#recovery-codes li", (items) => items.map((li) => li.textContent.trim()));
  await shot("account");
});

await step("log out, log in again with MFA", async () => {
  await page.click("#logout");
  await page.waitForSelector("#login-form");
  await page.fill("#login-form input[name=email]", email);
  await page.fill("#login-form input[name=password]", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#mfa-form");
  await shot("mfa");
  // Each time step is accepted once: wait for the next one.
  while (currentStep() <= confirmedStep) await page.waitForTimeout(500);
  await page.fill("#mfa-form input[name=code]", totp(secret));
  await page.click("#mfa-form button[type=submit]");
  await page.waitForSelector("#new-task");
});

await step("link the identity provider on the account page", async () => {
  await page.goto(`${base}/#/account`);
  // Linking adds a way in, so the password is asked for again.
  await page.click("#link-mock");
  await page.waitForSelector('#linking [data-error="password"]:not(:empty)');
  await page.fill("#linking input[name=password]", password);
  await page.click("#link-mock");
  const flash = await page.waitForSelector("#flash.good");
  assert.match(await flash.textContent(), /Linked/);
  // The round trip through the provider kept this tab's own session.
  await page.waitForSelector(`text=Signed in as ${email}`);
  await page.waitForSelector("#mfa-on");
  assert.match(await (await page.waitForSelector("#linking li:has(#unlink-mock)")).textContent(), /Mock ID: linked as e2e-oidc@example\.test/);
  await shot("account-linked");
});

await step("a refusal at the provider is explained on the login page", async () => {
  await page.click("#logout");
  await page.waitForSelector("#login-form");
  await page.goto(`${base}/api/v1/auth/oauth/mock/callback?error=access_denied`);
  const err = await page.waitForSelector("#login-form .form-error:not(:empty)");
  assert.match(await err.textContent(), /refused the sign-in: access_denied/);
  assert.equal(new URL(page.url()).hash, "#/oauth", "the provider's answer is not left in the address bar");
});

await step("sign in with the provider's button, MFA by recovery code, then unlink", async () => {
  await page.goto(`${base}/#/login`);
  await page.click("#provider-mock");
  await page.waitForSelector("#mfa-form");
  assert.equal(new URL(page.url()).hash, "#/oauth", "the code and state are not left in the address bar");
  await page.fill("#mfa-form input[name=code]", recoveryCodes[0]);
  await page.click("#mfa-form button[type=submit]");
  await page.waitForSelector("#new-task");
  await page.goto(`${base}/#/account`);
  await page.waitForSelector(`text=Signed in as ${email}`);
  // Unlinking (the account keeps its password) brings the link button back.
  await page.click("#unlink-mock");
  await page.waitForSelector("#flash.good");
  await page.waitForSelector("#link-mock");
});

await step("phone width", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/#/tasks`);
  await page.waitForSelector("#task-list .task");
  await shot("tasks-phone");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
});

await step("an account made by the provider: first password, then deletion", async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.click("#logout");
  await page.click("#provider-mock");
  await page.waitForSelector("#new-task");
  await page.goto(`${base}/#/account`);
  await page.waitForSelector("text=Signed in as e2e-oidc@example.test");
  await page.waitForSelector("#provider-note");
  assert.equal(await page.$("#password-form input[name=current_password]"), null, "no current password to ask for");
  await shot("account-provider");
  await page.fill("#password-form input[name=new_password]", password);
  await page.click("#password-form button[type=submit]");
  await page.waitForSelector("#flash.good");
  assert.equal(await page.$("#provider-note"), null, "the account now has a password");
  page.once("dialog", (d) => d.accept());
  await page.fill("#delete-form input[name=password]", password);
  await page.click("#delete-form button[type=submit]");
  await page.waitForSelector("#login-form");
  await page.fill("#login-form input[name=email]", "e2e-oidc@example.test");
  await page.fill("#login-form input[name=password]", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector('#login-form .form-error:has-text("invalid email or password")');
});

// Two more origins, served here: the API allows the first (run.sh puts it
// in TASKFLOW_APPLICATION__CORS_ALLOWED_ORIGINS) and not the second.
const allowedOrigin = process.env.CORS_ORIGIN;
const otherOrigin = process.env.OTHER_ORIGIN;
assert.ok(allowedOrigin && otherOrigin, "CORS_ORIGIN and OTHER_ORIGIN are required");
const originServers = [allowedOrigin, otherOrigin].map((origin) => {
  const { hostname, port } = new URL(origin);
  const server = createServer((_, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>another app</title><p>another app</p>");
  });
  return new Promise((resolve) => server.listen(Number(port), hostname, () => resolve(server)));
});
const servers = await Promise.all(originServers);

/** A fresh account's access token, straight from the API (no browser). */
async function tokenFor(who) {
  const creds = { email: `${who}-${Date.now()}@example.test`, password: `cors-password-${Math.random()}` };
  const reg = await fetch(`${base}/api/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...creds, display_name: who }),
  });
  assert.equal(reg.status, 201, await reg.text());
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(creds),
  });
  assert.equal(login.status, 200);
  return (await login.json()).access_token;
}

/** In a page of `origin`, runs the create-then-update flow a browser app would. */
function crossOriginFlow(origin, token) {
  return async () => {
    const other = await context.newPage();
    try {
      await other.goto(`${origin}/`);
      return await other.evaluate(
        async ({ api, token }) => {
          try {
            const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
            const created = await fetch(`${api}/api/v1/tasks`, {
              method: "POST",
              headers: { ...headers, "idempotency-key": `cors-${Date.now()}` },
              body: JSON.stringify({ title: "From another origin" }),
            });
            const location = created.headers.get("location");
            const etag = created.headers.get("etag");
            const updated = await fetch(api + location, {
              method: "PATCH",
              headers: { ...headers, "if-match": etag },
              body: JSON.stringify({ status: "done" }),
            });
            return { created: created.status, location, etag, updated: updated.status, body: await updated.json() };
          } catch (e) {
            return { error: String(e) };
          }
        },
        { api: base, token },
      );
    } finally {
      await other.close();
    }
  };
}

await step("a browser app on an allowed origin creates and updates a task (CORS preflight)", async () => {
  const result = await crossOriginFlow(allowedOrigin, await tokenFor("cors"))();
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.created, 201);
  assert.match(result.location, /^\/api\/v1\/tasks\/[0-9a-f-]{36}$/, "Location is exposed to the script");
  assert.match(result.etag, /^"v\d+"$/, "ETag is exposed to the script");
  assert.equal(result.updated, 200, "the If-Match PATCH passed its preflight");
  assert.equal(result.body.status, "done");
});

await step("a page on an origin not on the list cannot read the API", async () => {
  const result = await crossOriginFlow(otherOrigin, await tokenFor("elsewhere"))();
  assert.match(result.error || "", /TypeError|Failed to fetch/, JSON.stringify(result));
});
await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));

await step("shipped size", async () => {
  const html = await (await fetch(`${base}/`)).text();
  const entries = [...html.matchAll(/\/assets\/[^"]+/g)].map((m) => m[0]);
  assert.equal(entries.length, 2, "one entry module and one stylesheet");
  // Everything the browser fetched from /assets/: the entry module and the
  // modules it imports, all under the same digest directory.
  const loaded = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((e) => new URL(e.name).pathname)
      .filter((p) => p.startsWith("/assets/")),
  );
  const assets = [...new Set([...entries, ...loaded])].sort();
  const dirs = new Set(assets.map((a) => a.split("/")[2]));
  assert.equal(dirs.size, 1, `one digest directory: ${assets}`);
  assert.ok(assets.some((a) => a.endsWith("/pages/tasks.js")), `the page modules load: ${assets}`);
  metrics.assets = {};
  let bytes = 0;
  let gzipBytes = 0;
  for (const a of assets) {
    const r = await fetch(base + a);
    assert.equal(r.status, 200, a);
    assert.match(r.headers.get("cache-control"), /immutable/);
    const body = Buffer.from(await r.arrayBuffer());
    metrics.assets[a] = { bytes: body.length, gzip_bytes: gzipSync(body).length };
    bytes += body.length;
    gzipBytes += metrics.assets[a].gzip_bytes;
  }
  metrics.assets_total = { files: assets.length, bytes, gzip_bytes: gzipBytes };
  const index = await fetch(`${base}/`);
  assert.equal(index.headers.get("cache-control"), "no-cache");
  assert.match(index.headers.get("content-security-policy"), /script-src 'self'/);
});

assert.deepEqual(problems, [], "no page errors, console errors or CSP violations");
await browser.close();
metrics.steps_passed = stepsPassed;
writeFileSync(`${out}/metrics.json`, `${JSON.stringify(metrics, null, 2)}\n`);
console.log(`[e2e] figures: ${JSON.stringify(metrics)}`);
