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

    // Every operation documents its errors as problem+json and names a success.
    for (path, item) in r.json["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.keys().any(|s| s.starts_with('2') || s.starts_with('3')), "{method} {path}");
            if path.starts_with("/api/v1/") && !path.ends_with("openapi.json") {
                let problem = &responses["422"]["content"]["application/problem+json"];
                assert!(problem.is_object(), "{method} {path} lacks a problem+json 422");
            }
        }
    }
    // The main bodies carry examples (rendered by /docs, replayed by schemathesis).
    for name in
        ["RegisterRequest", "CreateTaskRequest", "TaskResponse", "CommentRequest", "CreateEntryRequest", "Problem"]
    {
        assert!(r.json["components"]["schemas"][name]["example"].is_object(), "{name} has no example");
    }
    // Bearer auth is declared and applies by default; sign-in operations opt out.
    assert_eq!(r.json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(r.json["paths"]["/api/v1/auth/login"]["post"]["security"], serde_json::json!([{}]));
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
