use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn creating_a_team_makes_the_creator_its_owner() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let r = app.post("/api/v1/teams", Some(&alice.access_token), &json!({ "name": "  Platform " })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["name"], "Platform");
    assert_eq!(r.json["my_role"], "owner");
    assert_eq!(r.json["member_count"], 1);
    let id = r.json["team_id"].as_str().unwrap();
    assert_eq!(r.header("location"), Some(format!("/api/v1/teams/{id}").as_str()));

    let list = app.get("/api/v1/teams", Some(&alice.access_token)).await;
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
    let members = app.get(&format!("/api/v1/teams/{id}/members"), Some(&alice.access_token)).await;
    assert_eq!(members.json["items"][0]["role"], "owner");
    assert_eq!(members.json["items"][0]["email"], alice.email);
}

#[tokio::test]
async fn a_team_is_invisible_to_outsiders() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let eve = app.create_user().await;
    let team = app.create_team(&alice, "Secret").await;
    app.get(&format!("/api/v1/teams/{team}"), Some(&eve.access_token)).await.assert_problem(404);
    app.get(&format!("/api/v1/teams/{team}/members"), Some(&eve.access_token)).await.assert_problem(404);
    app.patch(&format!("/api/v1/teams/{team}"), Some(&eve.access_token), &json!({ "name": "Mine" }))
        .await
        .assert_problem(404);
    app.delete(&format!("/api/v1/teams/{team}"), Some(&eve.access_token)).await.assert_problem(404);
    assert_eq!(app.get("/api/v1/teams", Some(&eve.access_token)).await.json["items"], json!([]));
}

#[tokio::test]
async fn members_are_added_directly_by_email_or_id_only_by_instance_admins() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let root = app.create_user().await;
    let admin = app.promote_to_admin(&root).await;
    let team = app.create_team(&owner, "T").await;
    let path = format!("/api/v1/teams/{team}/members");
    // Team owners invite instead (tests/api/invitations.rs).
    app.post(&path, Some(&owner.access_token), &json!({ "email": member.email })).await.assert_problem(403);
    let r = app.post(&path, Some(&admin), &json!({ "email": member.email.to_uppercase(), "role": "member" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["user_id"], member.user_id.to_string());
    // Adding twice is a conflict; an unknown email or id is a field error.
    app.post(&path, Some(&admin), &json!({ "user_id": member.user_id })).await.assert_problem(409);
    let r = app.post(&path, Some(&admin), &json!({ "email": "nobody@example.com" })).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "email");
    let r = app.post(&path, Some(&admin), &json!({ "user_id": uuid::Uuid::new_v4() })).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "user_id");
}

#[tokio::test]
async fn role_rules_hold() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &admin, "admin").await;
    app.add_member(&owner, team, &member, "member").await;
    let role = |who: &crate::helpers::TestUser, role: &str| {
        let path = format!("/api/v1/teams/{team}/members/{}", who.user_id);
        let body = json!({ "role": role });
        (path, body)
    };

    // Nobody raises their own role.
    let (p, b) = role(&admin, "owner");
    app.patch(&p, Some(&admin.access_token), &b).await.assert_problem(403);
    let (p, b) = role(&member, "admin");
    app.patch(&p, Some(&member.access_token), &b).await.assert_problem(403);
    // Admins cannot make owners or touch owners.
    let (p, b) = role(&member, "owner");
    app.patch(&p, Some(&admin.access_token), &b).await.assert_problem(403);
    let (p, b) = role(&owner, "member");
    app.patch(&p, Some(&admin.access_token), &b).await.assert_problem(403);
    app.delete(&format!("/api/v1/teams/{team}/members/{}", owner.user_id), Some(&admin.access_token))
        .await
        .assert_problem(403);
    // Admins manage members below owner.
    let (p, b) = role(&member, "viewer");
    let r = app.patch(&p, Some(&admin.access_token), &b).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["role"], "viewer");
    // Only owners make owners.
    let (p, b) = role(&admin, "owner");
    assert_eq!(app.patch(&p, Some(&owner.access_token), &b).await.status, 200);
}

#[tokio::test]
async fn a_team_always_keeps_an_owner() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let me = format!("/api/v1/teams/{team}/members/{}", owner.user_id);
    // The sole owner can neither step down nor leave.
    app.patch(&me, Some(&owner.access_token), &json!({ "role": "admin" })).await.assert_problem(409);
    app.delete(&me, Some(&owner.access_token)).await.assert_problem(409);
    // After handing over, leaving works.
    app.patch(
        &format!("/api/v1/teams/{team}/members/{}", member.user_id),
        Some(&owner.access_token),
        &json!({ "role": "owner" }),
    )
    .await;
    assert_eq!(app.delete(&me, Some(&owner.access_token)).await.status, 204);
    app.get(&format!("/api/v1/teams/{team}"), Some(&owner.access_token)).await.assert_problem(404);
}

#[tokio::test]
async fn members_may_leave_and_only_owners_delete_the_team() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &admin, "admin").await;
    app.delete(&format!("/api/v1/teams/{team}"), Some(&admin.access_token)).await.assert_problem(403);
    let r = app.patch(&format!("/api/v1/teams/{team}"), Some(&admin.access_token), &json!({ "name": "Renamed" })).await;
    assert_eq!(r.json["name"], "Renamed");
    assert_eq!(
        app.delete(&format!("/api/v1/teams/{team}/members/{}", admin.user_id), Some(&admin.access_token)).await.status,
        204
    );
    assert_eq!(app.delete(&format!("/api/v1/teams/{team}"), Some(&owner.access_token)).await.status, 204);
    app.get(&format!("/api/v1/teams/{team}"), Some(&owner.access_token)).await.assert_problem(404);
}

#[tokio::test]
async fn bad_team_input_is_422_and_bad_ids_404() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let r = app.post("/api/v1/teams", Some(&alice.access_token), &json!({ "name": "   " })).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "name");
    app.get("/api/v1/teams/not-a-uuid", Some(&alice.access_token)).await.assert_problem(404);
    let team = app.create_team(&alice, "T").await;
    app.post(&format!("/api/v1/teams/{team}/members"), Some(&alice.access_token), &json!({ "user_id": "x" }))
        .await
        .assert_problem(422);
    app.post(
        &format!("/api/v1/teams/{team}/members"),
        Some(&alice.access_token),
        &json!({ "email": "a@b.co", "role": "emperor" }),
    )
    .await
    .assert_problem(422);
}
