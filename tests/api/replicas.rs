//! Two TaskFlow processes on one database and one Redis, driven alternately:
//! nothing that matters lives in one replica's memory.

use serde_json::json;
use taskflow::startup::Application;

use crate::helpers::{read, spawn_app, TestApp};

/// A second server sharing the first one's database and Redis prefix.
async fn second_replica(app: &TestApp) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let replica = Application::build(app.settings.clone()).await.expect("second replica");
    let base = format!("http://127.0.0.1:{}", replica.port());
    (base, tokio::spawn(replica.run_until_stopped()))
}

#[tokio::test]
async fn two_replicas_share_sessions_timers_idempotency_and_cache() {
    let a = spawn_app().await;
    let (b, _server) = second_replica(&a).await;
    let client = &a.client;
    let user = a.create_user().await;
    let team = a.create_team(&user, "shared").await;
    let task = a.create_task(&user, json!({ "title": "t", "team_id": team })).await;
    let task_id = task["task_id"].as_str().unwrap();

    // A token from replica A works on replica B.
    let me = read(client.get(format!("{b}/api/v1/me")).bearer_auth(&user.access_token).send().await.unwrap()).await;
    assert_eq!(me.status, 200);

    // One running timer per user, whichever replica each start lands on.
    let start = |base: String| {
        client.post(format!("{base}/api/v1/tasks/{task_id}/timer")).bearer_auth(&user.access_token).send()
    };
    let (x, y) = tokio::join!(start(a.address.clone()), start(b.clone()));
    let mut statuses = [x.unwrap().status().as_u16(), y.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);

    // An idempotency key used on A replays on B.
    let create = |base: String| {
        client
            .post(format!("{base}/api/v1/tasks"))
            .bearer_auth(&user.access_token)
            .header("idempotency-key", "across-replicas")
            .json(&json!({ "title": "once", "team_id": team }))
            .send()
    };
    let first = read(create(a.address.clone()).await.unwrap()).await;
    let second = read(create(b.clone()).await.unwrap()).await;
    assert_eq!(first.status, 201);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.json["task_id"], second.json["task_id"]);

    // A cached summary on B is invalidated by a write on A.
    let summary =
        |base: String| client.get(format!("{base}/api/v1/teams/{team}/summary")).bearer_auth(&user.access_token).send();
    let before = read(summary(b.clone()).await.unwrap()).await.json["tasks"]["total"].as_i64().unwrap();
    a.create_task(&user, json!({ "title": "more", "team_id": team })).await;
    let after = read(summary(b.clone()).await.unwrap()).await.json["tasks"]["total"].as_i64().unwrap();
    assert_eq!(after, before + 1);

    // Logging out on A ends the session on B too.
    assert_eq!(a.logout(&user.access_token).await.status, 204);
    let me = read(client.get(format!("{b}/api/v1/me")).bearer_auth(&user.access_token).send().await.unwrap()).await;
    me.assert_problem(401);
    let refresh = read(
        client
            .post(format!("{b}/api/v1/auth/refresh"))
            .json(&json!({ "refresh_token": user.refresh_token }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    refresh.assert_problem(401);
}
