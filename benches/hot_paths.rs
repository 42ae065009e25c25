//! Micro-benchmarks of per-request hot paths: `cargo bench --bench hot_paths`.
//! Figures go to target/criterion/; nothing here asserts a speed.

use std::hint::black_box;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use secrecy::SecretString;
use taskflow::auth::jwt::JwtKeys;
use taskflow::config::AuthSettings;
use taskflow::db::tasks::SortKey;
use taskflow::domain::team::{may_change_role, TeamRole};
use taskflow::domain::user::{GlobalRole, UserId};
use taskflow::routes::cursor;
use taskflow::routes::tasks::{SubtaskCounts, TaskPage, TaskResponse};
use uuid::Uuid;

fn keys() -> JwtKeys {
    let settings = AuthSettings {
        jwt_secret: Some(SecretString::from("a-benchmark-secret-that-is-long-enough-0123456789")),
        issuer: "taskflow".into(),
        audience: "taskflow-api".into(),
        access_token_ttl_seconds: 900,
        refresh_token_ttl_days: 30,
        refresh_reuse_grace_seconds: 10,
    };
    match JwtKeys::new(&settings) {
        Ok(k) => k,
        Err(e) => panic!("jwt keys: {e}"),
    }
}

fn jwt(c: &mut Criterion) {
    let keys = keys();
    let token = match keys.issue(UserId::new(), GlobalRole::Member, Uuid::new_v4()) {
        Ok(t) => t,
        Err(e) => panic!("issue: {e}"),
    };
    c.bench_function("jwt_verify", |b| b.iter(|| keys.verify(black_box(&token)).is_ok()));
    c.bench_function("jwt_issue", |b| b.iter(|| keys.issue(UserId::new(), GlobalRole::Member, Uuid::new_v4()).is_ok()));
}

fn cursors(c: &mut Criterion) {
    let id = Uuid::new_v4();
    let key = SortKey::Time(Utc::now());
    let encoded = cursor::encode_sort_key("-created_at", &key, id);
    c.bench_function("cursor_encode", |b| b.iter(|| cursor::encode_sort_key(black_box("-created_at"), &key, id)));
    c.bench_function("cursor_decode", |b| {
        b.iter(|| cursor::decode_sort_key(black_box(&encoded), "-created_at").is_ok())
    });
}

fn serialization(c: &mut Criterion) {
    let now = Utc::now();
    let items: Vec<TaskResponse> = (0..200)
        .map(|i| (i, Uuid::now_v7()))
        .map(|(i, assignee)| TaskResponse {
            task_id: Uuid::now_v7(),
            team_id: Some(Uuid::now_v7()),
            project_id: None,
            title: format!("Task number {i} with a realistic title"),
            description: Some("A description of moderate length that a person would write.".into()),
            status: taskflow::domain::task::TaskStatus::InProgress,
            priority: taskflow::domain::task::Priority::High,
            due_at: Some(now),
            completed_at: None,
            labels: vec!["backend".into(), "q4".into()],
            assignee_ids: vec![assignee],
            assignee_id: Some(assignee),
            created_by: Some(Uuid::now_v7()),
            version: 3,
            created_at: now,
            updated_at: now,
            parent_task_id: None,
            subtasks: SubtaskCounts { total: 3, done: 1 },
            // A list carries no mentions.
            mentions: None,
        })
        .collect();
    let page = TaskPage { items, next_cursor: Some("eyJzIjoiLWNyZWF0ZWRfYXQifQ".into()) };
    c.bench_function("task_list_200_to_json", |b| b.iter(|| serde_json::to_vec(black_box(&page)).map(|v| v.len())));
}

fn permissions(c: &mut Criterion) {
    let roles = [TeamRole::Viewer, TeamRole::Member, TeamRole::Admin, TeamRole::Owner];
    c.bench_function("role_change_check_all_64", |b| {
        b.iter(|| {
            let mut allowed = 0;
            for actor in roles {
                for current in roles {
                    for new in roles {
                        allowed += usize::from(may_change_role(actor, false, current, new).is_ok());
                        allowed += usize::from(black_box(actor).can_write_tasks());
                    }
                }
            }
            allowed
        })
    });
}

criterion_group!(benches, jwt, cursors, serialization, permissions);
criterion_main!(benches);
