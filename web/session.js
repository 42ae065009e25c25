// The session: bearer tokens, not cookies (so no CSRF surface). The access
// token lives in memory, the refresh token in sessionStorage (gone when the
// tab closes).

export const API = "/api/v1";

let accessToken = null;

export function currentAccessToken() {
  return accessToken;
}

/** Signed in, or able to become so with the stored refresh token. */
export function hasSession() {
  return !!accessToken || !!sessionStorage.getItem("tf_refresh");
}

export function saveTokens(t) {
  accessToken = t.access_token;
  sessionStorage.setItem("tf_refresh", t.refresh_token);
}

export function clearTokens() {
  accessToken = null;
  sessionStorage.removeItem("tf_refresh");
}

// One refresh at a time: a refresh token is single-use, and a second,
// concurrent use of the same one is taken as theft (the server revokes the
// whole session). Requests that find no access token share this promise.
let refreshing = null;

export function refresh() {
  refreshing ??= (async () => {
    const rt = sessionStorage.getItem("tf_refresh");
    if (!rt) return false;
    const r = await fetch(`${API}/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: rt }),
    });
    if (!r.ok) {
      clearTokens();
      return false;
    }
    saveTokens(await r.json());
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/**
 * Whether the current access token says global admin: only which links to
 * show (the server decides what an admin may do).
 */
export function isGlobalAdmin() {
  try {
    const part = accessToken?.split(".")[1];
    if (!part) return false;
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(json).role === "admin";
  } catch {
    return false;
  }
}
