// The API client: JSON in and out, problem documents as ApiError, one
// refresh-and-retry on a 401.

import { API, currentAccessToken, refresh } from "./session.js";

export { API };

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export async function api(method, path, body, { accept, retried } = {}) {
  if (!currentAccessToken() && !retried && sessionStorage.getItem("tf_refresh")) await refresh();
  const headers = {};
  const token = currentAccessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (accept) headers.accept = accept;
  const r = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401 && !retried && (await refresh())) return api(method, path, body, { accept, retried: true });
  if (r.status === 204) return null;
  const type = r.headers.get("content-type") || "";
  if (!r.ok) throw new ApiError(r.status, type.includes("json") ? await r.json() : null);
  // Files (CSV, workbooks) come back as they are, for a download.
  if (accept && !accept.includes("json")) return r.blob();
  return type.includes("json") ? r.json() : r.text();
}

/**
 * Every item of a paged list: follows `next_cursor` 200 at a time, so a
 * long list is never cut short on screen.
 */
export async function apiAll(path) {
  const sep = path.includes("?") ? "&" : "?";
  const items = [];
  let cursor = null;
  do {
    const page = await api("GET", `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** The caller's teams, or none when the list cannot be had. */
export async function myTeams() {
  try {
    return await apiAll("/teams");
  } catch {
    return [];
  }
}
