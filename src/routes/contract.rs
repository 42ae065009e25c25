//! The last pass over the generated OpenAPI document, for the clients
//! generated from it: problem responses are shared components, and each
//! operation lists only the statuses it can answer with; anonymous
//! operations say `security: []`; response headers are declared; PATCH
//! takes JSON merge patches.
//!
//! Rules by the shape of the operation rather than a hand-kept list per
//! operation, so a new endpoint is described correctly without anyone
//! remembering to: schemathesis (`tests/blackbox`) fails when an operation
//! answers with a status the document does not list.

use serde_json::{json, Map, Value};

use crate::domain::token::Access;
use crate::error::PROBLEMS;

fn header(name: &str) -> Value {
    let description = match name {
        "WWW-Authenticate" => "`Bearer realm=\"taskflow\"` (RFC 6750)",
        "Retry-After" => "Seconds to wait before retrying",
        "RateLimit" => "`\"<policy>\";r=<remaining>;t=<seconds to reset>` (draft-ietf-httpapi-ratelimit-headers)",
        "RateLimit-Policy" => "`\"<policy>\";q=<quota>;w=<window seconds>` (draft-ietf-httpapi-ratelimit-headers)",
        "Location" => "The created (or joined) resource, which GET reads",
        "ETag" => "The task's version, for `If-Match` and `If-None-Match`",
        "Idempotent-Replayed" => {
            "`true` when this is the stored response to an earlier request with the same `Idempotency-Key`"
        }
        "Link" => "`<…>; rel=\"next\"` (RFC 8288): the next page, when there is one",
        _ => "",
    };
    json!({ "description": description, "schema": { "type": "string" } })
}

/// What decides which problems an operation can give.
struct Shape<'a> {
    path: &'a str,
    method: &'a str,
    anonymous: bool,
    body: bool,
    /// The names of its header and query parameters, lower-cased.
    takes: Vec<String>,
    has_path_params: bool,
    produces_content: bool,
}

/// Anonymous operations that still check credentials or an account's state.
const SIGN_IN: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/mfa/verify",
    "/api/v1/auth/oauth/{provider}/callback",
];

/// Operations that never touch Postgres, so never answer 503.
const NO_DATABASE: &[&str] = &["/health/live", "/api/v1/openapi.json", "/api/v1/auth/providers"];

/// Operations outside every rate limit.
const UNLIMITED: &[&str] = &["/health/live", "/health/ready", "/metrics", "/api/v1/openapi.json"];

impl Shape<'_> {
    fn takes(&self, name: &str) -> bool {
        self.takes.iter().any(|t| t == name)
    }

    fn can_answer(&self, status: &str) -> bool {
        let checks_credentials = !self.anonymous || SIGN_IN.contains(&self.path);
        match status {
            "400" => {
                self.body || self.takes("if-match") || self.takes("if-none-match") || self.path.ends_with("/callback")
            }
            "401" | "403" => checks_credentials,
            "404" => !self.anonymous || self.has_path_params,
            "406" => self.produces_content,
            "409" => {
                self.method != "get"
                    && (!self.anonymous || self.path == "/api/v1/auth/register" || self.path.ends_with("/callback"))
            }
            "412" => self.takes("if-match"),
            "413" | "415" => self.body,
            // Unknown query parameters are refused on every operation.
            "422" => true,
            "429" => !UNLIMITED.contains(&self.path),
            "500" => true,
            "503" => !NO_DATABASE.contains(&self.path),
            _ => true,
        }
    }
}

/// `security: []` (and utoipa's `[{}]`, which generators read as "optional").
fn anonymous(op: &Value) -> bool {
    op["security"].as_array().is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)))
}

fn shape_of<'a>(path: &'a str, method: &'a str, op: &Value) -> Shape<'a> {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let produces_content = op["responses"].as_object().is_some_and(|r| {
        r.iter().any(|(s, resp)| s.starts_with('2') && resp["content"].as_object().is_some_and(|c| !c.is_empty()))
    });
    Shape {
        path,
        method,
        anonymous: anonymous(op),
        body: op.get("requestBody").is_some(),
        takes: params
            .iter()
            .filter(|p| p["in"] != "path")
            .filter_map(|p| p["name"].as_str().map(str::to_ascii_lowercase))
            .collect(),
        has_path_params: params.iter().any(|p| p["in"] == "path"),
        produces_content,
    }
}

/// Headers each success response carries, by what the operation is.
fn success_headers(shape: &Shape<'_>, status: &str) -> Vec<&'static str> {
    let mut out = vec![];
    if status == "201" || shape.path.ends_with("/accept") {
        out.push("Location");
    }
    if status == "201" && shape.takes("idempotency-key") {
        out.push("Idempotent-Replayed");
    }
    // Tasks are the one versioned resource: read, changed and created.
    let task = shape.path == "/api/v1/tasks/{task_id}" && shape.method != "delete";
    if task || (shape.path == "/api/v1/tasks" && status == "201") {
        out.push("ETag");
    }
    if shape.method == "get" && shape.takes("cursor") && status == "200" {
        out.push("Link");
    }
    if !UNLIMITED.contains(&shape.path) && (!shape.anonymous || shape.path.starts_with("/api/v1/auth/")) {
        out.extend(["RateLimit", "RateLimit-Policy"]);
    }
    out
}

/// Shapes the generated document in place.
pub fn shape(doc: &mut Value) {
    let mut responses = Map::new();
    for p in PROBLEMS {
        let mut headers: Map<String, Value> = p.headers.iter().map(|h| ((*h).to_owned(), header(h))).collect();
        // A refused request that counted against a budget says so too.
        if p.status.starts_with('4') {
            for h in ["RateLimit", "RateLimit-Policy"] {
                headers.entry(h).or_insert_with(|| header(h));
            }
        }
        let mut response = json!({
            "description": p.description,
            "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } },
        });
        if !headers.is_empty() {
            response["headers"] = Value::Object(headers);
        }
        responses.insert(p.name.to_owned(), response);
    }
    doc["components"]["responses"] = Value::Object(responses);
    // The one server entry is the public API itself, not an internal one.
    for server in doc["servers"].as_array_mut().into_iter().flatten() {
        server["x-internal"] = Value::Bool(false);
    }

    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            if anonymous(op) {
                op["security"] = json!([]);
            } else if let Access::Scoped(scope) = super::access(method, path) {
                // Either a session, or a token with this scope.
                op["security"] = json!([{ "bearer": [] }, { "api_token": [scope.as_str()] }]);
                op["x-required-scope"] = json!(scope.as_str());
            }
            let shape = shape_of(path, method, op);
            let mut kept = Map::new();
            for (status, response) in op["responses"].as_object().cloned().unwrap_or_default() {
                if status.starts_with('4') || status.starts_with('5') {
                    continue; // replaced by the shared ones below
                }
                let mut response = response;
                for h in success_headers(&shape, &status) {
                    if response["headers"].get(h).is_none() {
                        response["headers"][h] = header(h);
                    }
                }
                kept.insert(status, response);
            }
            for p in PROBLEMS {
                // /health/ready declares its own 503 with the readiness report.
                let own = op["responses"].get(p.status).filter(|r| r["content"].get("application/json").is_some());
                if let Some(own) = own {
                    kept.insert(p.status.to_owned(), own.clone());
                } else if shape.can_answer(p.status) {
                    kept.insert(p.status.to_owned(), json!({ "$ref": format!("#/components/responses/{}", p.name) }));
                }
            }
            op["responses"] = Value::Object(kept);
            // RFC 7396 merge patches are what these PATCH bodies are.
            if method == "patch" {
                if let Some(json_body) = op["requestBody"]["content"].get("application/json").cloned() {
                    op["requestBody"]["content"]["application/merge-patch+json"] = json_body;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(security: Value, params: Value, body: bool) -> Value {
        let mut op = json!({
            "security": security,
            "parameters": params,
            "responses": { "200": { "description": "ok", "content": { "application/json": {} } } },
        });
        if body {
            op["requestBody"] = json!({ "content": { "application/json": {} } });
        }
        op
    }

    fn statuses(path: &str, method: &str, op: &Value) -> Vec<&'static str> {
        let shape = shape_of(path, method, op);
        PROBLEMS.iter().map(|p| p.status).filter(|s| shape.can_answer(s)).collect()
    }

    #[test]
    fn a_get_has_no_body_statuses_and_no_412() {
        let get = op(json!(null), json!([{ "name": "task_id", "in": "path" }]), false);
        assert_eq!(
            statuses("/api/v1/tasks/{task_id}", "get", &get),
            ["401", "403", "404", "406", "422", "429", "500", "503"]
        );
    }

    #[test]
    fn a_conditional_patch_has_them_all() {
        let patch =
            op(json!(null), json!([{ "name": "task_id", "in": "path" }, { "name": "If-Match", "in": "header" }]), true);
        assert_eq!(
            statuses("/api/v1/tasks/{task_id}", "patch", &patch),
            ["400", "401", "403", "404", "406", "409", "412", "413", "415", "422", "429", "500", "503"]
        );
    }

    #[test]
    fn login_is_anonymous_but_checks_credentials_and_never_412() {
        let login = op(json!([{}]), json!([]), true);
        let got = statuses("/api/v1/auth/login", "post", &login);
        assert!(got.contains(&"401") && got.contains(&"403") && got.contains(&"429"));
        assert!(!got.contains(&"412") && !got.contains(&"404") && !got.contains(&"409"), "{got:?}");
    }

    #[test]
    fn liveness_can_only_fail_its_query_or_inside() {
        let live = op(json!([{}]), json!([]), false);
        assert_eq!(statuses("/health/live", "get", &live), ["406", "422", "500"]);
    }

    #[test]
    fn shaping_refers_to_shared_responses_and_marks_anonymous_operations() {
        let mut doc = json!({
            "paths": { "/api/v1/auth/login": { "post": {
                "security": [{}],
                "requestBody": { "content": { "application/json": { "schema": {} } } },
                "responses": {
                    "200": { "description": "ok", "content": { "application/json": {} } },
                    "412": { "description": "inline" },
                },
            } } },
            "components": { "schemas": {} },
        });
        shape(&mut doc);
        let login = &doc["paths"]["/api/v1/auth/login"]["post"];
        assert_eq!(login["security"], json!([]));
        assert!(login["responses"].get("412").is_none(), "no precondition on a login");
        assert_eq!(login["responses"]["401"]["$ref"], "#/components/responses/Unauthorized");
        assert!(login["responses"]["200"]["headers"]["RateLimit"].is_object(), "login counts against a budget");
        assert_eq!(
            doc["components"]["responses"]["TooManyRequests"]["headers"]["Retry-After"]["schema"]["type"],
            "string"
        );
    }

    #[test]
    fn patch_bodies_are_merge_patches_too() {
        let mut doc = json!({
            "paths": { "/api/v1/tasks/{task_id}": { "patch": {
                "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/P" } } } },
                "responses": { "200": { "description": "ok", "content": { "application/json": {} } } },
            } } },
            "components": { "schemas": {} },
        });
        shape(&mut doc);
        let body = &doc["paths"]["/api/v1/tasks/{task_id}"]["patch"]["requestBody"]["content"];
        assert_eq!(body["application/merge-patch+json"], body["application/json"]);
        assert!(doc["paths"]["/api/v1/tasks/{task_id}"]["patch"]["responses"]["200"]["headers"]["ETag"].is_object());
    }
}
