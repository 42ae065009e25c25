use serde_json::json;

use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn non_admins_get_403() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    app.get("/api/v1/admin/users", Some(&u.access_token)).await.assert_problem(403);
    app.patch(&format!("/api/v1/admin/users/{}", u.user_id), Some(&u.access_token), &json!({ "role": "admin" }))
        .await
        .assert_problem(403);
}

#[tokio::test]
async fn admins_list_and_search_users() {
    let app = spawn_app().await;
    let a = app.create_user().await;
    app.create_user().await;
    app.register("findme@example.org", PASSWORD).await;
    let token = app.promote_to_admin(&a).await;
    let all = app.get("/api/v1/admin/users?limit=2", Some(&token)).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["items"].as_array().unwrap().len(), 2);
    let next = all.json["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/admin/users?limit=2&cursor={next}"), Some(&token)).await;
    assert_eq!(rest.json["items"].as_array().unwrap().len(), 1);
    let found = app.get("/api/v1/admin/users?q=FINDME", Some(&token)).await;
    assert_eq!(found.json["items"][0]["email"], "findme@example.org");
    // LIKE wildcards in the search are literal.
    assert_eq!(app.get("/api/v1/admin/users?q=%25", Some(&token)).await.json["items"], json!([]));
}

#[tokio::test]
async fn disabling_a_user_revokes_their_tokens_and_blocks_login() {
    let app = spawn_app().await;
    let admin = app.create_user().await;
    let victim = app.create_user().await;
    let token = app.promote_to_admin(&admin).await;
    let r =
        app.patch(&format!("/api/v1/admin/users/{}", victim.user_id), Some(&token), &json!({ "disabled": true })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["disabled"], true);
    app.me(&victim.access_token).await.assert_problem(401);
    app.refresh(&victim.refresh_token).await.assert_problem(401);
    app.login(&victim.email, PASSWORD).await.assert_problem(403);
    let r = app
        .patch(&format!("/api/v1/admin/users/{}", victim.user_id), Some(&token), &json!({ "disabled": false }))
        .await;
    assert_eq!(r.json["disabled"], false);
    assert_eq!(app.login(&victim.email, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_global_admin_sees_every_task_and_promotion_ends_old_tokens() {
    let app = spawn_app().await;
    let admin = app.create_user().await;
    let other = app.create_user().await;
    let t = app.create_task(&other, json!({ "title": "private" })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    app.get(&path, Some(&admin.access_token)).await.assert_problem(404);
    let token = app.promote_to_admin(&admin).await;
    assert_eq!(app.get(&path, Some(&token)).await.status, 200);

    let r =
        app.patch(&format!("/api/v1/admin/users/{}", other.user_id), Some(&token), &json!({ "role": "admin" })).await;
    assert_eq!(r.json["role"], "admin");
    // The member-role token of the promoted user is gone; a new login carries the new role.
    app.me(&other.access_token).await.assert_problem(401);
    app.patch(&format!("/api/v1/admin/users/{}", admin.user_id), Some(&token), &json!({ "disabled": true }))
        .await
        .assert_problem(409);
}
