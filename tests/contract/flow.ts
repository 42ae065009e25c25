// The whole flow of a client generated from the OpenAPI document
// (openapi-typescript types + the openapi-fetch runtime), compiled with
// `tsc --strict`: sign up and in, a team, tasks, a filtered list read in
// two pages, an If-Match update, a comment, a timer, and the time report as
// JSON and CSV. No hand-written HTTP: every call goes through the client.
import assert from "node:assert/strict";
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./generated/taskflow.js";

type Task = components["schemas"]["TaskResponse"];

const baseUrl = process.env.BASE_URL;
assert.ok(baseUrl, "BASE_URL is required");
const client = createClient<paths>({ baseUrl });

const email = `ts-client-${Date.now()}@example.test`;
const password = `ts-client-${Math.random().toString(36).slice(2)}-password`;

const registered = await client.POST("/api/v1/auth/register", {
  body: { email, password, display_name: "TypeScript Client" },
});
assert.equal(registered.response.status, 201, JSON.stringify(registered.error));
assert.equal(registered.data?.email, email);

const signedIn = await client.POST("/api/v1/auth/login", { body: { email, password } });
assert.equal(signedIn.response.status, 200, JSON.stringify(signedIn.error));
const outcome = signedIn.data;
assert.ok(outcome && "access_token" in outcome, "no MFA on a new account: tokens");
const token = outcome.access_token;
const bearer: Middleware = {
  onRequest({ request }) {
    request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};
client.use(bearer);

const team = await client.POST("/api/v1/teams", {
  body: { name: "Generated clients" },
  params: { header: { "Idempotency-Key": `ts-team-${Date.now()}` } },
});
assert.equal(team.response.status, 201, JSON.stringify(team.error));
assert.ok(team.data);
const teamId = team.data.team_id;
assert.ok(team.response.headers.get("location")?.endsWith(teamId));

const created: Task[] = [];
for (const [title, status] of [["First", "todo"], ["Second", "todo"], ["Third", "todo"], ["Done already", "done"]] as const) {
  const r = await client.POST("/api/v1/tasks", { body: { title, team_id: teamId, status, priority: "high" } });
  assert.equal(r.response.status, 201, JSON.stringify(r.error));
  assert.ok(r.data);
  created.push(r.data);
}

// Filtered (team, status), sorted, two pages of two.
const query = { team_id: teamId, status: ["todo" as const], sort: "-created_at" as const, limit: 2 };
const first = await client.GET("/api/v1/tasks", { params: { query } });
assert.equal(first.response.status, 200, JSON.stringify(first.error));
assert.equal(first.data?.items.length, 2);
const cursor = first.data?.next_cursor;
assert.ok(cursor, "a second page");
assert.match(first.response.headers.get("link") ?? "", /rel="next"/);
const second = await client.GET("/api/v1/tasks", { params: { query: { ...query, cursor } } });
assert.equal(second.data?.items.length, 1);
assert.equal(second.data?.next_cursor, null);
const titles = [...(first.data?.items ?? []), ...(second.data?.items ?? [])].map((t) => t.title);
assert.deepEqual(titles, ["Third", "Second", "First"], "newest first, the done one filtered out");

// If-Match: a stale version is refused, the current one goes through.
const target = created[0];
assert.ok(target);
const read = await client.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: target.task_id } } });
const etag = read.response.headers.get("etag");
assert.ok(etag, "GET answers with an ETag");
const stale = await client.PATCH("/api/v1/tasks/{task_id}", {
  params: { path: { task_id: target.task_id }, header: { "If-Match": '"v999"' } },
  body: { status: "in_progress" },
});
assert.equal(stale.response.status, 412);
assert.equal(stale.error?.status, 412, "a problem document, typed");
const updated = await client.PATCH("/api/v1/tasks/{task_id}", {
  params: { path: { task_id: target.task_id }, header: { "If-Match": etag } },
  body: { status: "in_progress", description: null },
});
assert.equal(updated.response.status, 200, JSON.stringify(updated.error));
assert.equal(updated.data?.status, "in_progress");
assert.notEqual(updated.response.headers.get("etag"), etag, "a new version");

const comment = await client.POST("/api/v1/tasks/{task_id}/comments", {
  params: { path: { task_id: target.task_id } },
  body: { body: "Generated, typed, and sent" },
});
assert.equal(comment.response.status, 201, JSON.stringify(comment.error));
assert.ok(comment.data);
const again = await client.GET("/api/v1/tasks/{task_id}/comments/{comment_id}", {
  params: { path: { task_id: target.task_id, comment_id: comment.data.comment_id } },
});
assert.equal(again.data?.body, "Generated, typed, and sent");

const timer = await client.POST("/api/v1/tasks/{task_id}/timer", { params: { path: { task_id: target.task_id } } });
assert.equal(timer.response.status, 201, JSON.stringify(timer.error));
assert.equal(timer.data?.running, true);
const stopped = await client.POST("/api/v1/timer/stop");
assert.equal(stopped.response.status, 200, JSON.stringify(stopped.error));
assert.equal(stopped.data?.running, false);
const manual = await client.POST("/api/v1/tasks/{task_id}/time-entries", {
  params: { path: { task_id: target.task_id } },
  body: { started_at: new Date(Date.now() - 3_600_000).toISOString(), duration_seconds: 1800, billable: true },
});
assert.equal(manual.response.status, 201, JSON.stringify(manual.error));

// Two levels, sent as the client sends a list (`group_by=task&group_by=day`).
const report = await client.GET("/api/v1/reports/time", {
  params: { query: { team_id: teamId, group_by: ["task", "day"], tz: "Europe/Berlin" } },
});
assert.equal(report.response.status, 200, JSON.stringify(report.error));
// The operation answers JSON or CSV; without an Accept header, JSON.
const summary = report.data;
assert.ok(summary && typeof summary !== "string", "JSON by default");
assert.equal(summary.group_by, "task");
assert.equal(summary.then_by, "day");
assert.equal(summary.time_zone, "Europe/Berlin");
assert.equal(summary.groups[0]?.groups?.length, 30, "every day of the default 30");
assert.ok(summary.total_seconds >= 1800);
assert.ok(summary.billable_seconds >= 1800);
const csv = await client.GET("/api/v1/reports/time", {
  params: { query: { team_id: teamId, group_by: ["task"] } },
  headers: { Accept: "text/csv" },
  parseAs: "text",
});
assert.equal(csv.response.status, 200);
assert.ok(csv.response.headers.get("content-type")?.startsWith("text/csv"));
const rows = String(csv.data).trim().split("\r\n");
assert.equal(rows[0], "key,label,seconds,billable_seconds");
assert.ok(rows.some((r) => r.includes('"First"')), rows.join("\n"));

console.log(`[contract] TypeScript client: ${created.length} tasks, 2 pages, If-Match, comment, timer, JSON and CSV report`);
