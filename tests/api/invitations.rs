//! Team invitations: nobody is added without consent, and inviting reveals
//! nothing about which emails have accounts.

use serde_json::{json, Value};
use sqlx::Connection;

use crate::helpers::{spawn_app, TestApp, TestUser, PASSWORD};

async fn mine(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let r = app.get("/api/v1/me/invitations", Some(&user.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["items"].as_array().unwrap().clone()
}

/// Every field of an invitation answer except the ones that must differ.
fn shape(v: &Value) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = v
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !["invitation_id", "email", "created_at", "expires_at"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    fields.sort();
    fields
}

#[tokio::test]
async fn inviting_answers_alike_whether_or_not_an_account_exists() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let someone = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let path = format!("/api/v1/teams/{team}/invitations");
    let existing = app.post(&path, Some(&owner.access_token), &json!({ "email": someone.email })).await;
    let unknown = app.post(&path, Some(&owner.access_token), &json!({ "email": "nobody-here@example.com" })).await;
    assert_eq!((existing.status.as_u16(), unknown.status.as_u16()), (202, 202), "{} / {}", existing.text, unknown.text);
    assert_eq!(shape(&existing.json), shape(&unknown.json));
    assert_eq!(existing.json["status"], "pending");
    assert_eq!(existing.json["role"], "member");
    assert!(existing.json.get("display_name").is_none() && existing.json.get("user_id").is_none());
    // Not a member yet: the team sees no name and no account.
    let members = app.get(&format!("/api/v1/teams/{team}/members"), Some(&owner.access_token)).await;
    assert_eq!(members.json["items"].as_array().unwrap().len(), 1);
    assert!(!members.text.contains(&someone.email));
    // And the invitee is nowhere in the team's view of users.
    let mut conn = sqlx::PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, Some(owner.user_id), false).await;
    let seen: i64 = sqlx::query_scalar("select count(*) from users where user_id = $1")
        .bind(someone.user_id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0, "the inviter can read the invitee's account before they accept");
}

#[tokio::test]
async fn the_invitee_accepts_and_only_then_joins() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let invitee = app.create_user().await;
    let team = app.create_team(&owner, "Platform").await;
    let id = app.invite(&owner, team, &invitee.email.to_uppercase(), "viewer").await;
    let open = mine(&app, &invitee).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["invitation_id"], id.to_string());
    assert_eq!(open[0]["team_name"], "Platform");
    assert_eq!(open[0]["role"], "viewer");
    assert_eq!(open[0]["invited_by_name"], "Test User");
    // Someone else cannot answer it, and the owner sees no invitations of their own.
    let stranger = app.create_user().await;
    let accept = format!("/api/v1/me/invitations/{id}/accept");
    app.post(&accept, Some(&stranger.access_token), &json!({})).await.assert_problem(404);
    app.post(&accept, Some(&owner.access_token), &json!({})).await.assert_problem(404);
    assert!(mine(&app, &owner).await.is_empty());

    let r = app.post(&accept, Some(&invitee.access_token), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["team_id"], team.to_string());
    assert_eq!(r.json["my_role"], "viewer");
    let members = app.get(&format!("/api/v1/teams/{team}/members"), Some(&owner.access_token)).await;
    assert!(members.text.contains(&invitee.email), "{}", members.text);
    // Answered: gone from the invitee's list, and cannot be answered again.
    assert!(mine(&app, &invitee).await.is_empty());
    app.post(&accept, Some(&invitee.access_token), &json!({})).await.assert_problem(404);
    let list = app.get(&format!("/api/v1/teams/{team}/invitations"), Some(&owner.access_token)).await;
    assert_eq!(list.json["items"][0]["status"], "accepted", "{}", list.text);
    // Audited on both sides.
    let events = app.get("/api/v1/me/audit-events", Some(&invitee.access_token)).await;
    assert!(events.text.contains("team.invitation_accepted") && events.text.contains("team.member_added"));
    let events = app.get("/api/v1/me/audit-events", Some(&owner.access_token)).await;
    assert!(events.text.contains("team.invitation_created"), "{}", events.text);
}

#[tokio::test]
async fn declined_revoked_and_expired_invitations_cannot_be_accepted() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let invitee = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let tok = Some(invitee.access_token.as_str());

    let declined = app.invite(&owner, team, &invitee.email, "member").await;
    assert_eq!(app.post(&format!("/api/v1/me/invitations/{declined}/decline"), tok, &json!({})).await.status, 204);
    app.post(&format!("/api/v1/me/invitations/{declined}/accept"), tok, &json!({})).await.assert_problem(404);

    let revoked = app.invite(&owner, team, &invitee.email, "member").await;
    let revoke = format!("/api/v1/teams/{team}/invitations/{revoked}");
    assert_eq!(app.delete(&revoke, Some(&owner.access_token)).await.status, 204);
    app.delete(&revoke, Some(&owner.access_token)).await.assert_problem(409);
    app.post(&format!("/api/v1/me/invitations/{revoked}/accept"), tok, &json!({})).await.assert_problem(404);

    let expired = app.invite(&owner, team, &invitee.email, "member").await;
    let mut conn = sqlx::PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, None, true).await;
    sqlx::query("update team_invitations set created_at = now() - interval '8 days', expires_at = now() - interval '1 day' where invitation_id = $1")
        .bind(expired)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(mine(&app, &invitee).await.is_empty(), "expired invitations are not offered");
    app.post(&format!("/api/v1/me/invitations/{expired}/accept"), tok, &json!({})).await.assert_problem(404);
    let team_view = app.get(&format!("/api/v1/teams/{team}"), tok).await;
    team_view.assert_problem(404);
}

#[tokio::test]
async fn an_invitation_waits_for_the_account_made_with_its_email() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "Early").await;
    let email = format!("later-{}@example.com", uuid::Uuid::new_v4().simple());
    let id = app.invite(&owner, team, &email, "member").await;
    assert_eq!(app.register(&email, PASSWORD).await.status, 201);
    let login = app.login(&email, PASSWORD).await;
    let token = login.json["access_token"].as_str().unwrap();
    let r = app.get("/api/v1/me/invitations", Some(token)).await;
    assert_eq!(r.json["items"][0]["invitation_id"], id.to_string(), "{}", r.text);
    let r = app.post(&format!("/api/v1/me/invitations/{id}/accept"), Some(token), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn only_owners_and_admins_invite_and_nobody_is_added_directly() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let path = format!("/api/v1/teams/{team}/invitations");
    let body = json!({ "email": outsider.email });
    app.post(&path, Some(&member.access_token), &body).await.assert_problem(403);
    app.get(&path, Some(&member.access_token)).await.assert_problem(403);
    app.post(&path, Some(&outsider.access_token), &body).await.assert_problem(404);
    let r = app.post(&path, Some(&owner.access_token), &json!({ "email": outsider.email, "role": "owner" })).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "role");
    let r = app.post(&path, Some(&owner.access_token), &json!({ "email": "not an email" })).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "email");
    // The old direct add is refused to team owners: it looked accounts up.
    let members = format!("/api/v1/teams/{team}/members");
    let r = app.post(&members, Some(&owner.access_token), &json!({ "email": outsider.email })).await;
    assert!(r.assert_problem(403)["detail"].as_str().unwrap().contains("invitations"), "{}", r.text);
    app.post(&members, Some(&owner.access_token), &json!({ "user_id": outsider.user_id })).await.assert_problem(403);
    // An instance administrator still can.
    let root = app.create_user().await;
    let token = app.promote_to_admin(&root).await;
    let r = app.post(&members, Some(&token), &json!({ "email": outsider.email, "role": "viewer" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn a_new_invitation_replaces_the_open_one_and_lists_page() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let invitee = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let first = app.invite(&owner, team, &invitee.email, "viewer").await;
    let second = app.invite(&owner, team, &invitee.email, "admin").await;
    let open = mine(&app, &invitee).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["invitation_id"], second.to_string());
    assert_eq!(open[0]["role"], "admin");
    app.post(&format!("/api/v1/me/invitations/{first}/accept"), Some(&invitee.access_token), &json!({}))
        .await
        .assert_problem(404);
    for i in 0..3 {
        app.invite(&owner, team, &format!("page-{i}@example.com"), "member").await;
    }
    let path = format!("/api/v1/teams/{team}/invitations");
    let page = app.get(&format!("{path}?limit=2"), Some(&owner.access_token)).await;
    assert_eq!(page.json["items"].as_array().unwrap().len(), 2);
    let next = page.json["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("{path}?limit=200&cursor={next}"), Some(&owner.access_token)).await;
    assert_eq!(rest.json["items"].as_array().unwrap().len(), 3, "{}", rest.text);
    assert!(rest.json["next_cursor"].is_null());
}
