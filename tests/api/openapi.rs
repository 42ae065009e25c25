//! The published contract covers every route, and the docs page serves its
//! own assets under a CSP that allows no other origin.

use std::collections::BTreeSet;

use crate::helpers::spawn_app_with;

/// (METHOD, path) for every route the server registers.
fn registered_routes() -> BTreeSet<(String, String)> {
    taskflow::routes::TABLE.iter().map(|(method, path)| (method.to_uppercase(), (*path).to_owned())).collect()
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document_and_nothing_else() {
    // No database needed to serve the document.
    let app = spawn_app_with(|s| s.database.port = 1).await;
    let r = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in r.json["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let registered: BTreeSet<_> = registered_routes()
        .into_iter()
        .filter(|(_, path)| !(path == "/" || path.starts_with("/docs") || path.starts_with("/assets/")))
        .collect();
    assert!(registered.len() > 50, "the route table parse found only {registered:?}");
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&registered).collect();
    assert!(undocumented.is_empty(), "routes missing from the OpenAPI document: {undocumented:?}");
    assert!(phantom.is_empty(), "documented operations with no route: {phantom:?}");

    // Every operation names a success, and its errors are the shared
    // problem+json responses (422 at least: unknown query parameters).
    let shared = r.json["components"]["responses"].as_object().expect("components.responses");
    for (path, item) in r.json["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.keys().any(|s| s.starts_with('2') || s.starts_with('3')), "{method} {path}");
            for (status, response) in responses.iter().filter(|(s, _)| s.starts_with('4') || s.starts_with('5')) {
                if path == "/health/ready" && status == "503" {
                    continue; // the readiness report itself
                }
                let name = response["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/"));
                let target =
                    name.and_then(|n| shared.get(n)).unwrap_or_else(|| panic!("{method} {path} {status} inline"));
                assert!(target["content"]["application/problem+json"].is_object(), "{method} {path} {status}");
            }
            assert!(responses.contains_key("422") && responses.contains_key("500"), "{method} {path}");
        }
    }
    // Only what an operation can give: no 412 on a login, no 413/415 on a GET.
    let login = &r.json["paths"]["/api/v1/auth/login"]["post"]["responses"];
    assert!(login.get("412").is_none() && login.get("404").is_none(), "{login}");
    let list = &r.json["paths"]["/api/v1/tasks"]["get"]["responses"];
    assert!(list.get("413").is_none() && list.get("415").is_none() && list.get("412").is_none(), "{list}");
    // Per operation, so that new endpoints do not trip it but inlined problem
    // responses (about 1 KB each, six or more an operation) would. (The time
    // zone enum, names and member names, is 22 KB of the whole.)
    let per_operation = (r.text.len() - 22_000) / documented.len();
    assert!(per_operation < 2_200, "shared responses keep the document small: {per_operation} bytes an operation");
    // The main bodies carry examples (rendered by /docs, replayed by schemathesis).
    for name in
        ["RegisterRequest", "CreateTaskRequest", "TaskResponse", "CommentRequest", "CreateEntryRequest", "Problem"]
    {
        assert!(r.json["components"]["schemas"][name]["example"].is_object(), "{name} has no example");
    }
    // Bearer auth is declared and applies by default; anonymous operations
    // say `security: []` (not `[{}]`, which reads as optional).
    assert_eq!(r.json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for (path, method) in [("/api/v1/auth/login", "post"), ("/api/v1/auth/register", "post"), ("/health/live", "get")] {
        assert_eq!(r.json["paths"][path][method]["security"], serde_json::json!([]), "{method} {path}");
    }
    // Session-only operations take the default (bearer); the others say
    // which token scope also reaches them.
    assert!(r.json["paths"]["/api/v1/me/password"]["post"].get("security").is_none(), "bearer by default");
    assert_eq!(
        r.json["paths"]["/api/v1/tasks"]["get"]["security"],
        serde_json::json!([{ "bearer": [] }, { "api_token": ["tasks:read"] }])
    );

    // Every `$ref` names something the document holds (a type used only
    // as a parameter's schema is not collected into components by itself).
    let mut refs = Vec::new();
    collect_refs(&r.json, &mut refs);
    assert!(refs.len() > 100, "{}", refs.len());
    for target in refs {
        let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{target} is not local"));
        assert!(r.json.pointer(pointer).is_some(), "{target} names nothing in the document");
    }
}

fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(|r| r.as_str()) {
                out.push(target.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn docs_page_and_assets_are_served_locally_under_a_strict_csp() {
    let app = spawn_app_with(|s| s.database.port = 1).await;
    let page = app.client.get(app.url("/docs")).send().await.expect("docs");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"), "{csp}");
    let html = page.text().await.expect("html");
    assert!(!html.contains("http://") && !html.contains("https://"), "the page loads nothing from elsewhere");
    assert!(!html.contains("<script>"), "no inline script");
    for asset in ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/init.js"] {
        let r = app.get(asset, None).await;
        assert_eq!(r.status, 200, "{asset}");
        assert!(html.contains(asset), "{asset} referenced by the page");
    }
    assert_eq!(app.get("/docs/../Cargo.toml", None).await.status, 404);
    assert_eq!(app.get("/docs/unknown.js", None).await.status, 404);
}
