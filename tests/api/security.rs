//! HTTP hardening and abuse resistance.

use serde_json::json;

use crate::helpers::{read, spawn_app, spawn_app_with, PASSWORD};

fn assert_hardened(r: &crate::helpers::Reply) {
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{:?}", r.headers);
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(r.header("content-security-policy"), Some("default-src 'none'; frame-ancestors 'none'"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.header("strict-transport-security").is_some_and(|v| v.starts_with("max-age=")));
    assert!(r.header("server").is_none(), "no Server header");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    assert_hardened(&app.me(&u.access_token).await);
    assert_hardened(&app.get("/api/v1/me", None).await); // 401
    assert_hardened(&app.get("/nope", None).await); // 404 from actix
    assert_hardened(&app.post("/api/v1/tasks", Some(&u.access_token), &json!({})).await); // 422
    assert_hardened(&app.get("/health/live", None).await);
}

#[tokio::test]
async fn cors_is_off_unless_origins_are_configured_and_then_exact() {
    let app = spawn_app().await;
    let r =
        read(app.client.get(app.url("/health/live")).header("origin", "https://evil.example").send().await.unwrap())
            .await;
    assert!(r.header("access-control-allow-origin").is_none());

    let app = spawn_app_with(|s| s.application.cors_allowed_origins = vec!["https://app.example.com".into()]).await;
    let preflight = |origin: &'static str, method: &'static str, path: &'static str| {
        let app = &app;
        async move {
            read(
                app.client
                    .request(reqwest::Method::OPTIONS, app.url(path))
                    .header("origin", origin)
                    .header("access-control-request-method", method)
                    .header("access-control-request-headers", "authorization, content-type, if-match, idempotency-key")
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    // Every method the API serves, on item and list paths alike.
    for (method, path) in [
        ("POST", "/api/v1/tasks"),
        ("PATCH", "/api/v1/tasks/0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60"),
        ("DELETE", "/api/v1/time-entries/0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60"),
        ("PUT", "/api/v1/me/consents"),
        ("GET", "/api/v1/teams"),
    ] {
        let r = preflight("https://app.example.com", method, path).await;
        assert_eq!(r.status, 204, "{method} {path}: {}", r.text);
        assert_eq!(r.header("access-control-allow-origin"), Some("https://app.example.com"));
        let methods = r.header("access-control-allow-methods").unwrap_or_default().to_ascii_uppercase();
        assert!(methods.contains(method), "{method} allowed: {methods}");
        let headers = r.header("access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
        for h in ["authorization", "content-type", "if-match", "idempotency-key"] {
            assert!(headers.contains(h), "{h} allowed: {headers}");
        }
        assert_eq!(r.header("access-control-max-age"), Some("3600"));
        assert!(r.header("access-control-allow-credentials").is_none());
        assert!(r.text.is_empty());
    }
    // Another origin learns nothing: no CORS header, whatever the status.
    let other = preflight("https://evil.example", "POST", "/api/v1/tasks").await;
    assert!(other.header("access-control-allow-origin").is_none(), "{:?}", other.headers);
    assert!(other.header("access-control-allow-methods").is_none());
    assert_ne!(other.status, 204);
    // A real call from the allowed origin exposes the headers a client reads.
    let r =
        read(app.client.get(app.url("/health/live")).header("origin", "https://app.example.com").send().await.unwrap())
            .await;
    let exposed = r.header("access-control-expose-headers").unwrap_or_default().to_ascii_lowercase();
    for h in ["etag", "location", "link", "retry-after", "idempotent-replayed"] {
        assert!(exposed.contains(h), "{h} exposed: {exposed}");
    }
    let evil = read(
        app.client
            .get(app.url("/health/live"))
            .header("origin", "https://app.example.com.evil.example")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_ne!(evil.header("access-control-allow-origin"), Some("https://app.example.com.evil.example"));
    assert!(evil.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn repeated_failures_lock_the_account_briefly_and_not_its_neighbours() {
    let app = spawn_app().await;
    let victim = app.create_user().await;
    let neighbour = app.create_user().await;
    for _ in 0..5 {
        app.login(&victim.email, "not the password at all").await.assert_problem(401);
    }
    // Locked: even the right password waits, and says how long.
    let locked = app.login(&victim.email, PASSWORD).await;
    locked.assert_problem(429);
    let wait: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "first lock is at most 30 s, got {wait}");
    let current = locked.header("ratelimit").unwrap();
    assert!(current.ends_with(&format!(";r=0;t={wait}")), "{current}");
    // Other accounts are unaffected; existing sessions keep working.
    assert_eq!(app.login(&neighbour.email, PASSWORD).await.status, 200);
    assert_eq!(app.me(&victim.access_token).await.status, 200);
}

#[tokio::test]
async fn without_redis_the_limits_fall_back_to_this_process() {
    let app = spawn_app_with(|s| s.redis.url = "redis://127.0.0.1:1".to_owned().into()).await;
    let victim = app.create_user().await;
    for _ in 0..5 {
        app.login(&victim.email, "not the password at all").await.assert_problem(401);
    }
    app.login(&victim.email, PASSWORD).await.assert_problem(429);
}

#[tokio::test]
async fn auth_endpoints_are_rate_limited_per_ip() {
    let app = spawn_app().await;
    // Invalid sign-ups are not failed logins; they only spend the IP's budget.
    for i in 0..60 {
        app.register(&format!("not-an-email-{i}"), PASSWORD).await.assert_problem(422);
    }
    let r = app.register("still-not-an-email", PASSWORD).await;
    r.assert_problem(429);
    assert_eq!(r.header("ratelimit-policy"), Some("\"auth\";q=60;w=60"));
    assert!(r.header("ratelimit").unwrap().starts_with("\"auth\";r=0;t="), "{:?}", r.header("ratelimit"));
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn one_address_failing_against_many_accounts_is_locked_out() {
    let app = spawn_app().await;
    let real = app.create_user().await;
    for i in 0..20 {
        app.login(&format!("guess{i}@example.com"), "password123456").await.assert_problem(401);
    }
    // The address is locked, for every account.
    app.login(&real.email, PASSWORD).await.assert_problem(429);
}

#[tokio::test]
async fn authenticated_responses_carry_ratelimit_headers() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let first = app.me(&u.access_token).await;
    let second = app.me(&u.access_token).await;
    assert_eq!(first.header("ratelimit-policy"), Some("\"user\";q=1200;w=60"));
    let remaining = |r: &crate::helpers::Reply| -> u64 {
        let v = r.header("ratelimit").unwrap();
        let r = v.split(';').find_map(|p| p.strip_prefix("r=")).unwrap_or_else(|| panic!("no r= in {v}"));
        r.parse().unwrap()
    };
    assert_eq!(remaining(&first), remaining(&second) + 1);
    // Sign-in and sign-up count against the per-address budget, and say so.
    let login = app.login(&u.email, PASSWORD).await;
    assert_eq!(login.status, 200);
    assert_eq!(login.header("ratelimit-policy"), Some("\"auth\";q=60;w=60"));
    let register = app.register("someone-new@example.com", PASSWORD).await;
    assert_eq!(register.status, 201, "{}", register.text);
    assert!(register.header("ratelimit").is_some_and(|v| v.starts_with("\"auth\";r=")), "{:?}", register.headers);
    assert!(first.header("ratelimit-limit").is_none(), "the old draft's headers are gone");
}

/// Signs in as if from `ip` (the test configuration trusts `x-real-ip`).
async fn login_from(app: &crate::helpers::TestApp, ip: &str, email: &str, password: &str) -> crate::helpers::Reply {
    let body = json!({ "email": email, "password": password });
    read(app.client.post(app.url("/api/v1/auth/login")).header("x-real-ip", ip).json(&body).send().await.unwrap()).await
}

fn behind_a_proxy(s: &mut taskflow::config::Settings) {
    s.application.client_ip_header = Some("x-real-ip".into());
    // Enough budget for the attack itself; the lockouts are what is tested.
    s.rate_limits.auth_per_ip_per_minute = 10_000;
}

#[tokio::test]
async fn a_guesser_at_one_address_never_locks_the_owner_out_from_another() {
    let app = spawn_app_with(behind_a_proxy).await;
    let victim = app.create_user().await;
    let mut refused = 0;
    for _ in 0..100 {
        let r = login_from(&app, "127.0.0.2", &victim.email, "not the password at all").await;
        assert!(r.status == 401 || r.status == 429, "{}", r.text);
        refused += usize::from(r.status == 429);
    }
    assert!(refused >= 90, "the guessing address is slowed down: {refused} of 100 refused");
    // The owner, elsewhere, signs in at once.
    let owner = login_from(&app, "127.0.0.3", &victim.email, PASSWORD).await;
    assert_eq!(owner.status, 200, "{}", owner.text);
    // The guesser's address stays locked for this account, even with the right password.
    login_from(&app, "127.0.0.2", &victim.email, PASSWORD).await.assert_problem(429);
}

#[tokio::test]
async fn a_distributed_attack_trips_the_account_ceiling_and_is_audited() {
    let app = spawn_app_with(behind_a_proxy).await;
    let victim = app.create_user().await;
    // One failure from each of 100 addresses: no address and no pair is over its allowance.
    for i in 0..100 {
        let ip = format!("127.0.{}.{}", 10 + i / 200, 1 + i % 200);
        login_from(&app, &ip, &victim.email, "not the password at all").await.assert_problem(401);
    }
    let r = login_from(&app, "127.0.9.9", &victim.email, PASSWORD).await;
    r.assert_problem(429);
    let admin = app.create_user().await;
    let token = app.promote_to_admin(&admin).await;
    let events = app.get("/api/v1/admin/audit-events?action=auth.lockout", Some(&token)).await;
    let scopes: Vec<&str> =
        events.json["items"].as_array().unwrap().iter().filter_map(|e| e["details"]["scope"].as_str()).collect();
    assert_eq!(scopes, ["acct"], "{}", events.text);
}
