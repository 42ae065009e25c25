//! The web frontend is served by the binary: a never-cached page under a
//! strict CSP, and content-hashed assets cached for a year.

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn the_page_is_uncached_under_a_strict_csp_and_names_hashed_assets() {
    let app = spawn_app_with(|s| s.database.port = 1).await;
    let page = app.client.get(app.url("/")).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let header = |name: &str| page.headers()[name].to_str().expect("header").to_owned();
    assert_eq!(header("cache-control"), "no-cache");
    assert!(header("content-type").starts_with("text/html"));
    let csp = header("content-security-policy");
    for directive in ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{csp} lacks {directive}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    let html = page.text().await.expect("html");
    assert!(!html.contains("<script>") && !html.contains("style="), "no inline script or style");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing from another origin");

    // `/assets/<content digest>/<file>`: the modules import each other
    // relatively, so one digest directory names them all.
    let assets: Vec<&str> = html.split("\"/assets/").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    assert_eq!(assets.len(), 2, "{html}");
    for name in &assets {
        let hash = name.split('/').next().unwrap_or_default();
        assert_eq!(hash.len(), 12, "content hash in {name}");
        let r = app.client.get(app.url(&format!("/assets/{name}"))).send().await.expect("asset");
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
    }
    let digest = assets[0].split('/').next().unwrap_or_default();
    // A module the entry point imports, from the same directory.
    let module = app.client.get(app.url(&format!("/assets/{digest}/pages/tasks.js"))).send().await.expect("module");
    assert_eq!(module.status(), 200);
    assert!(module.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/javascript"));
    assert_eq!(app.get("/assets/000000000000/app.js", None).await.status, 404, "a stale hash is not served");
    assert_eq!(app.get(&format!("/assets/{digest}/../Cargo.toml"), None).await.status, 404);
    assert_eq!(app.get(&format!("/assets/{digest}/nope.js"), None).await.status, 404);
}
