//! Row-level security as the runtime role: no identity sees nothing, a user
//! sees only their own rows, and forbidden writes fail in Postgres itself.

// A failed setup step in a test should stop that test loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../api/helpers.rs"]
mod helpers;
mod matrix;

use sqlx::{Connection, PgConnection, Row};

use helpers::{spawn_app, sqlstate, TestApp};

async fn app_role_connection(app: &TestApp) -> PgConnection {
    PgConnection::connect_with(&app.db.app_options()).await.expect("connect as taskflow_app")
}

/// Every table in `public` except sqlx's bookkeeping.
async fn tenant_tables(conn: &mut PgConnection) -> Vec<(String, bool, bool)> {
    sqlx::query(
        r#"select c.relname::text, c.relrowsecurity, c.relforcerowsecurity
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relkind = 'r' and c.relname <> '_sqlx_migrations'
           order by 1"#,
    )
    .fetch_all(conn)
    .await
    .expect("list tables")
    .into_iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

#[tokio::test]
async fn the_app_role_cannot_bypass_rls() {
    let app = spawn_app().await;
    let mut conn = app_role_connection(&app).await;
    let row = sqlx::query(
        r#"select r.rolsuper, r.rolbypassrls,
                  exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                          where n.nspname in ('public', 'app', 'private')
                            and pg_get_userbyid(c.relowner) = current_user) as owns_something
           from pg_roles r where r.rolname = current_user"#,
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(!row.get::<bool, _>("rolsuper"));
    assert!(!row.get::<bool, _>("rolbypassrls"));
    assert!(!row.get::<bool, _>("owns_something"));
}

#[tokio::test]
async fn every_table_has_rls_enabled_and_forced() {
    let app = spawn_app().await;
    let mut conn = app_role_connection(&app).await;
    let tables = tenant_tables(&mut conn).await;
    assert!(tables.len() >= 3, "{tables:?}");
    for (name, enabled, forced) in tables {
        assert!(enabled && forced, "table {name} lacks ENABLE/FORCE ROW LEVEL SECURITY");
    }
}

#[tokio::test]
async fn without_an_identity_every_table_reads_empty() {
    let app = spawn_app().await;
    // Rows exist: two accounts with sessions and refresh tokens.
    app.create_user().await;
    app.create_user().await;
    let mut conn = app_role_connection(&app).await;
    for (table, _, _) in tenant_tables(&mut conn).await {
        let n: i64 =
            sqlx::query_scalar(&format!(r#"select count(*) from "{table}""#)).fetch_one(&mut conn).await.unwrap();
        assert_eq!(n, 0, "table {table} shows {n} rows to the app role with no identity");
    }
    // The owner, also under FORCE RLS, proves the rows are really there.
    let mut owner = PgConnection::connect_with(&app.db.owner_options()).await.unwrap();
    let mut tx = owner.begin().await.unwrap();
    helpers::act_as(&mut tx, None, true).await;
    let n: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(n, 2);
}

async fn as_user<'c>(conn: &'c mut PgConnection, user_id: uuid::Uuid) -> sqlx::Transaction<'c, sqlx::Postgres> {
    let mut tx = conn.begin().await.unwrap();
    helpers::act_as(&mut tx, Some(user_id), false).await;
    tx
}

#[tokio::test]
async fn a_user_sees_only_their_own_rows() {
    let app = spawn_app().await;
    let a = app.create_user().await;
    let b = app.create_user().await;
    let mut conn = app_role_connection(&app).await;
    let mut tx = as_user(&mut conn, a.user_id).await;
    for table in ["users", "sessions", "refresh_tokens"] {
        let owners: Vec<uuid::Uuid> =
            sqlx::query_scalar(&format!(r#"select user_id from "{table}""#)).fetch_all(&mut *tx).await.unwrap();
        assert!(!owners.is_empty(), "{table}: user A should see their own rows");
        assert!(owners.iter().all(|o| *o == a.user_id), "{table}: user A saw {owners:?}, B is {}", b.user_id);
    }
}

#[tokio::test]
async fn a_user_cannot_write_another_users_rows() {
    let app = spawn_app().await;
    let a = app.create_user().await;
    let b = app.create_user().await;
    let mut conn = app_role_connection(&app).await;

    let mut tx = as_user(&mut conn, a.user_id).await;
    let updated = sqlx::query("update users set display_name = 'pwned' where user_id = $1")
        .bind(b.user_id)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 0, "RLS let A update B");
    let revoked = sqlx::query("update sessions set revoked_at = now() where user_id = $1")
        .bind(b.user_id)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(revoked, 0, "RLS let A revoke B's sessions");
    tx.rollback().await.unwrap();

    // Inserting a row that belongs to B fails in Postgres with 42501.
    let mut tx = as_user(&mut conn, a.user_id).await;
    let err =
        sqlx::query("insert into sessions (session_id, user_id, expires_at) values ($1, $2, now() + interval '1 day')")
            .bind(uuid::Uuid::new_v4())
            .bind(b.user_id)
            .execute(&mut *tx)
            .await
            .expect_err("insert for another user must fail");
    assert_eq!(sqlstate(&err).as_deref(), Some("42501"));
}

#[tokio::test]
async fn only_an_admin_context_can_grant_the_admin_role() {
    let app = spawn_app().await;
    let a = app.create_user().await;
    let mut conn = app_role_connection(&app).await;
    let mut tx = as_user(&mut conn, a.user_id).await;
    let err = sqlx::query("update users set role = 'admin' where user_id = $1")
        .bind(a.user_id)
        .execute(&mut *tx)
        .await
        .expect_err("self-promotion must fail");
    assert_eq!(sqlstate(&err).as_deref(), Some("42501"));
}

#[tokio::test]
async fn the_identity_does_not_leak_to_the_next_transaction() {
    let app = spawn_app().await;
    let a = app.create_user().await;
    let mut conn = app_role_connection(&app).await;
    let tx = as_user(&mut conn, a.user_id).await;
    tx.commit().await.unwrap();
    let n: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&mut conn).await.unwrap();
    assert_eq!(n, 0, "app.user_id survived its transaction on the same connection");
}

#[tokio::test]
async fn only_team_admins_move_a_task_out_of_their_team() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let mine = app.create_team(&member, "mine").await;
    let task = app.create_task(&member, serde_json::json!({ "title": "t", "team_id": team })).await;
    let task_id: uuid::Uuid = task["task_id"].as_str().unwrap().parse().unwrap();

    let mut conn = app_role_connection(&app).await;
    for target in [None, Some(mine)] {
        let mut tx = as_user(&mut conn, member.user_id).await;
        let err = sqlx::query("update tasks set team_id = $1 where task_id = $2")
            .bind(target)
            .bind(task_id)
            .execute(&mut *tx)
            .await
            .expect_err("a member must not move a team task out of the team");
        assert_eq!(sqlstate(&err).as_deref(), Some("42501"), "{err}");
        tx.rollback().await.unwrap();
    }
    // The same move by the team's owner (into another team of theirs) is allowed.
    let other = app.create_team(&owner, "other").await;
    let mut tx = as_user(&mut conn, owner.user_id).await;
    let moved = sqlx::query("update tasks set team_id = $1 where task_id = $2")
        .bind(other)
        .bind(task_id)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(moved, 1);
}

#[tokio::test]
async fn a_personal_task_cannot_be_assigned_to_a_stranger() {
    let app = spawn_app().await;
    let me = app.create_user().await;
    let stranger = app.create_user().await;
    let mut conn = app_role_connection(&app).await;
    for assignee in [stranger.user_id, uuid::Uuid::new_v4()] {
        let mut tx = as_user(&mut conn, me.user_id).await;
        let err = sqlx::query(
            "insert into tasks (task_id, created_by, assignee_ids, title) values (gen_random_uuid(), $1, array[$2], 'spam')",
        )
        .bind(me.user_id)
        .bind(assignee)
        .execute(&mut *tx)
        .await
        .expect_err("assigning a personal task to a stranger must fail");
        assert_eq!(sqlstate(&err).as_deref(), Some("23514"), "{err}");
        assert_eq!(err.as_database_error().and_then(|e| e.constraint()), Some("tasks_personal_assignee"));
        tx.rollback().await.unwrap();
    }
    let mut tx = as_user(&mut conn, me.user_id).await;
    let n = sqlx::query(
        "insert into tasks (task_id, created_by, assignee_ids, title) values (gen_random_uuid(), $1, array[$1], 'mine')",
    )
    .bind(me.user_id)
    .execute(&mut *tx)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(n, 1, "assigning to oneself is fine");
}

/// Runs `sql` (its binds all uuids) as `user` and rolls back, unless
/// `commit`: the SQLSTATE it failed with, or `None` when Postgres admitted it.
async fn attempt(
    conn: &mut PgConnection,
    user: uuid::Uuid,
    sql: &str,
    binds: &[uuid::Uuid],
    commit: bool,
) -> Option<String> {
    let mut tx = as_user(conn, user).await;
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    let outcome = q.execute(&mut *tx).await;
    if commit && outcome.is_ok() {
        tx.commit().await.unwrap();
    } else {
        tx.rollback().await.unwrap();
    }
    outcome.err().map(|e| sqlstate(&e).unwrap_or_else(|| e.to_string()))
}

#[tokio::test]
async fn invitations_are_the_only_way_in_and_only_their_invitee_answers() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let invitee = app.create_user().await;
    let stranger = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let invitation = app.invite(&owner, team, &invitee.email, "viewer").await;
    let mut conn = app_role_connection(&app).await;
    let join = |role: &str| format!("insert into team_members (team_id, user_id, role) values ($1, $2, '{role}')");
    let refused = Some("42501".to_owned());

    // The team's owner can no longer write a membership for someone else.
    let direct = attempt(&mut conn, owner.user_id, &join("member"), &[team, stranger.user_id], false).await;
    assert_eq!(direct, refused, "a direct add");
    // A stranger sees no invitation and cannot join on someone else's.
    let mut tx = as_user(&mut conn, stranger.user_id).await;
    let seen: i64 = sqlx::query_scalar("select count(*) from team_invitations").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(seen, 0);
    tx.rollback().await.unwrap();
    let uninvited = attempt(&mut conn, stranger.user_id, &join("viewer"), &[team, stranger.user_id], false).await;
    assert_eq!(uninvited, refused, "joining without an invitation");
    // The invitee: not with another role, not by rewriting the invitation.
    let me = [team, invitee.user_id];
    assert_eq!(attempt(&mut conn, invitee.user_id, &join("admin"), &me, false).await, refused, "above the role");
    let rewrite = "update team_invitations set role = 'admin' where invitation_id = $1";
    assert_eq!(attempt(&mut conn, invitee.user_id, rewrite, &[invitation], false).await, refused, "a rewrite");
    // With the invited role, it works.
    assert_eq!(attempt(&mut conn, invitee.user_id, &join("viewer"), &me, false).await, None);
    // Once declined, the door is shut, and the answer is final.
    let decline = "update team_invitations set status = 'declined', responded_at = now() where invitation_id = $1";
    assert_eq!(attempt(&mut conn, invitee.user_id, decline, &[invitation], true).await, None);
    assert_eq!(attempt(&mut conn, invitee.user_id, &join("viewer"), &me, false).await, refused, "after declining");
    let reopen = "update team_invitations set status = 'pending', responded_at = null where invitation_id = $1";
    assert_eq!(attempt(&mut conn, invitee.user_id, reopen, &[invitation], false).await, refused, "reopening");
}

/// Money, as the app role directly: a team's owners and admins read every
/// entry's saved rate and the team's rates; a member reads only their own
/// entries' rates and no rate table; a viewer (even one with old entries of
/// their own) and an outsider read none; and nobody below admin writes rates,
/// snapshots or reprices, nor calls the definer's rate lookup.
#[tokio::test]
async fn money_is_seen_by_team_admins_all_and_members_their_own_and_viewers_none() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let demoted = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    for (who, role) in [(&admin, "admin"), (&member, "member"), (&demoted, "member")] {
        app.add_member(&owner, team, who, role).await;
    }
    let task = app.create_task(&owner, serde_json::json!({ "title": "t", "team_id": team })).await;
    let rate = app
        .post(
            &format!("/api/v1/teams/{team}/rates"),
            Some(&owner.access_token),
            &serde_json::json!({ "hourly_rate": 9000, "currency": "EUR", "effective_from": "2026-01-01" }),
        )
        .await;
    assert_eq!(rate.status, 201, "{}", rate.text);
    let path = format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    let mut entries = std::collections::HashMap::new();
    for (who, start) in
        [(&admin, "2026-11-02T09:00:00Z"), (&member, "2026-11-02T10:00:00Z"), (&demoted, "2026-11-02T11:00:00Z")]
    {
        let body = serde_json::json!({ "started_at": start, "duration_seconds": 600, "billable": true });
        let r = app.post(&path, Some(&who.access_token), &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        entries.insert(who.user_id, r.json["entry_id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap());
    }
    let r = app
        .patch(
            &format!("/api/v1/teams/{team}/members/{}", demoted.user_id),
            Some(&owner.access_token),
            &serde_json::json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let mut conn = app_role_connection(&app).await;
    let ids = |rows: Vec<uuid::Uuid>| rows.into_iter().collect::<std::collections::BTreeSet<_>>();
    let all = ids(entries.values().copied().collect());
    let own = |u: uuid::Uuid| ids(vec![entries[&u]]);
    let none = std::collections::BTreeSet::new();
    for (who, amounts, rates) in [
        (&owner, all.clone(), 1),
        (&admin, all.clone(), 1),
        (&member, own(member.user_id), 0),
        (&demoted, none.clone(), 0),
        (&outsider, none.clone(), 0),
    ] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let seen: Vec<uuid::Uuid> =
            sqlx::query_scalar("select entry_id from time_entry_rates").fetch_all(&mut *tx).await.unwrap();
        assert_eq!(ids(seen), amounts, "saved rates seen by {}", who.user_id);
        let n: i64 = sqlx::query_scalar("select count(*) from rates").fetch_one(&mut *tx).await.unwrap();
        assert_eq!(n, rates, "rates seen by {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    // The demoted viewer still sees their own time, only not its money.
    let mut tx = as_user(&mut conn, demoted.user_id).await;
    let own_time: i64 = sqlx::query_scalar("select count(*) from time_entries").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(own_time, 1);
    tx.rollback().await.unwrap();

    let member_entry = entries[&member.user_id];
    let refused = [
        ("insert into rates (rate_id, team_id, hourly_rate, currency, effective_from, created_by) values ($1, $2, 1, 'EUR', '2026-01-01', $3)", vec![uuid::Uuid::now_v7(), team, member.user_id]),
        ("insert into time_entry_rates (entry_id, team_id, user_id, hourly_rate, currency) values ($1, $2, $3, 1, 'EUR')", vec![member_entry, team, member.user_id]),
        ("select * from private.rate_for($1, $2, $3, '2026-11-02')", vec![team, member.user_id, member_entry]),
        ("select private.reprice_entries($1, '2026-01-01')", vec![team]),
    ];
    for (sql, binds) in refused {
        let mut q = sqlx::query(sql);
        for b in &binds {
            q = q.bind(*b);
        }
        let mut tx = as_user(&mut conn, member.user_id).await;
        let err = q.execute(&mut *tx).await.expect_err(sql);
        assert_eq!(sqlstate(&err).as_deref(), Some("42501"), "{sql}: {err}");
        tx.rollback().await.unwrap();
    }
    // A member cannot rewrite their own saved rate (the policy shows no row to change).
    let mut tx = as_user(&mut conn, member.user_id).await;
    let changed = sqlx::query("update time_entry_rates set hourly_rate = 1 where entry_id = $1")
        .bind(member_entry)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 0);
    tx.rollback().await.unwrap();
    // An admin reprices (nothing changed: the rate is the same).
    let mut tx = as_user(&mut conn, admin.user_id).await;
    let n: i64 = sqlx::query_scalar("select private.reprice_entries($1, '2026-01-01')")
        .bind(team)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();
}

/// Locks, as the app role directly: everyone in the team reads them, nobody
/// outside does; only owners and admins (in their own name) set or lift one.
#[tokio::test]
async fn time_locks_are_read_by_the_team_and_set_only_by_its_admins() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    for (who, role) in [(&admin, "admin"), (&member, "member"), (&viewer, "viewer")] {
        app.add_member(&owner, team, who, role).await;
    }
    let lock = app
        .post(
            &format!("/api/v1/teams/{team}/time-locks"),
            Some(&owner.access_token),
            &serde_json::json!({ "until": "2026-11-15" }),
        )
        .await;
    assert_eq!(lock.status, 201, "{}", lock.text);
    let lock_id: uuid::Uuid = lock.json["lock_id"].as_str().unwrap().parse().unwrap();

    let mut conn = app_role_connection(&app).await;
    for (who, sees) in [(&owner, 1), (&admin, 1), (&member, 1), (&viewer, 1), (&outsider, 0)] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let n: i64 = sqlx::query_scalar("select count(*) from time_locks").fetch_one(&mut *tx).await.unwrap();
        assert_eq!(n, sees, "locks seen by {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    let insert = "insert into time_locks (lock_id, team_id, until, created_by) values ($1, $2, '2026-11-20', $3)";
    for who in [&member, &viewer, &outsider] {
        assert_eq!(
            attempt(&mut conn, who.user_id, insert, &[uuid::Uuid::now_v7(), team, who.user_id], false).await.as_deref(),
            Some("42501"),
            "insert by {}",
            who.user_id
        );
    }
    // Not in someone else's name, even as an admin.
    assert_eq!(
        attempt(&mut conn, admin.user_id, insert, &[uuid::Uuid::now_v7(), team, owner.user_id], false).await.as_deref(),
        Some("42501")
    );
    assert_eq!(
        attempt(&mut conn, admin.user_id, insert, &[uuid::Uuid::now_v7(), team, admin.user_id], false).await,
        None
    );
    // A member's delete finds no row to remove; an admin's removes it.
    for (who, removed) in [(&member, 0), (&viewer, 0), (&outsider, 0), (&admin, 1)] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let n = sqlx::query("delete from time_locks where lock_id = $1")
            .bind(lock_id)
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(n, removed, "delete by {}", who.user_id);
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn entry_states_change_only_by_the_tracker_and_the_teams_admins() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let colleague = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let elsewhere = app.create_team(&outsider, "Elsewhere").await;
    for (who, role) in [(&admin, "admin"), (&member, "member"), (&colleague, "member")] {
        app.add_member(&owner, team, who, role).await;
    }
    app.add_member(&outsider, elsewhere, &member, "member").await;
    let task = app.create_task(&owner, serde_json::json!({ "title": "t", "team_id": team })).await;
    let there = app.create_task(&outsider, serde_json::json!({ "title": "e", "team_id": elsewhere })).await;
    let mut entries = Vec::new();
    for t in [&task, &there] {
        let r = app
            .post(
                &format!("/api/v1/tasks/{}/time-entries", t["task_id"].as_str().unwrap()),
                Some(&member.access_token),
                &serde_json::json!({ "started_at": "2026-11-24T09:00:00Z", "duration_seconds": 600 }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        entries.push(r.json["entry_id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap());
    }
    let (here, away) = (entries[0], entries[1]);
    let mut conn = app_role_connection(&app).await;
    let set = |state: &'static str| format!("update time_entries set state = '{state}' where entry_id = $1");

    // The tracker submits their own entry; nobody else does it for them.
    for who in [&admin, &colleague, &outsider] {
        let n = {
            let mut tx = as_user(&mut conn, who.user_id).await;
            let n = sqlx::query(&set("submitted")).bind(here).execute(&mut *tx).await.map(|r| r.rows_affected());
            tx.rollback().await.unwrap();
            n
        };
        // Others either see no row to update (RLS) or are refused (the trigger).
        assert!(matches!(n, Ok(0) | Err(_)), "submitted by {}: {n:?}", who.user_id);
    }
    assert_eq!(attempt(&mut conn, member.user_id, &set("submitted"), &[here], true).await, None);
    assert_eq!(attempt(&mut conn, member.user_id, &set("submitted"), &[away], true).await, None);

    // Approval: the team's admins and owners, on their own team's time only.
    assert_eq!(attempt(&mut conn, member.user_id, &set("approved"), &[here], false).await.as_deref(), Some("42501"));
    let mut tx = as_user(&mut conn, colleague.user_id).await;
    let n = sqlx::query(&set("approved")).bind(here).execute(&mut *tx).await.unwrap().rows_affected();
    assert_eq!(n, 0, "a colleague's update finds no row");
    tx.rollback().await.unwrap();
    let mut tx = as_user(&mut conn, admin.user_id).await;
    let n = sqlx::query(&set("approved")).bind(away).execute(&mut *tx).await.unwrap().rows_affected();
    assert_eq!(n, 0, "an admin of another team finds no row to approve");
    tx.rollback().await.unwrap();
    assert_eq!(attempt(&mut conn, admin.user_id, &set("approved"), &[here], true).await, None);
    assert_eq!(attempt(&mut conn, outsider.user_id, &set("approved"), &[away], true).await, None);

    // The admin's policy lets them change the state, never the content.
    assert_eq!(
        attempt(
            &mut conn,
            admin.user_id,
            "update time_entries set billable = true where entry_id = $1",
            &[here],
            false
        )
        .await
        .as_deref(),
        Some("42501")
    );
    // Reopening is the admin's; the tracker cannot.
    assert_eq!(attempt(&mut conn, member.user_id, &set("draft"), &[here], false).await.as_deref(), Some("42501"));
    assert_eq!(attempt(&mut conn, owner.user_id, &set("draft"), &[here], false).await, None);
    let mut tx = as_user(&mut conn, member.user_id).await;
    let states: Vec<String> =
        sqlx::query_scalar("select state from time_entries where entry_id = any($1) order by entry_id")
            .bind(vec![here, away])
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(states, ["approved", "approved"]);
}

#[tokio::test]
async fn budgets_are_the_business_of_the_teams_owners_and_admins() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    for (who, role) in [(&admin, "admin"), (&member, "member"), (&viewer, "viewer")] {
        app.add_member(&owner, team, who, role).await;
    }
    let made = app
        .post(
            &format!("/api/v1/teams/{team}/budgets"),
            Some(&owner.access_token),
            &serde_json::json!({ "period": "lifetime", "seconds": 3600 }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let budget_id: uuid::Uuid = made.json["budget_id"].as_str().unwrap().parse().unwrap();

    let mut conn = app_role_connection(&app).await;
    for (who, sees) in [(&owner, 1), (&admin, 1), (&member, 0), (&viewer, 0), (&outsider, 0)] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let n: i64 = sqlx::query_scalar("select count(*) from budgets").fetch_one(&mut *tx).await.unwrap();
        assert_eq!(n, sees, "budgets seen by {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    let insert =
        "insert into budgets (budget_id, team_id, period, seconds, created_by) values ($1, $2, 'monthly', 60, $3)";
    for who in [&member, &viewer, &outsider] {
        assert_eq!(
            attempt(&mut conn, who.user_id, insert, &[uuid::Uuid::now_v7(), team, who.user_id], false).await.as_deref(),
            Some("42501"),
            "insert by {}",
            who.user_id
        );
    }
    assert_eq!(
        attempt(&mut conn, admin.user_id, insert, &[uuid::Uuid::now_v7(), team, admin.user_id], false).await,
        None
    );
    for (who, changed) in [(&member, 0), (&viewer, 0), (&outsider, 0), (&admin, 1)] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let updated = sqlx::query("update budgets set hard = true where budget_id = $1")
            .bind(budget_id)
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected();
        let deleted =
            sqlx::query("delete from budgets where budget_id = $1").bind(budget_id).execute(&mut *tx).await.unwrap();
        assert_eq!((updated, deleted.rows_affected()), (changed, changed), "writes by {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    // Usage: the trigger's function is not the app's; the API's read refuses
    // anyone below admin.
    let usage = "select * from private.budget_usage($1, current_date)";
    assert_eq!(attempt(&mut conn, owner.user_id, usage, &[budget_id], false).await.as_deref(), Some("42501"));
    let seen = "select * from private.budget_usage_seen($1, current_date)";
    assert_eq!(attempt(&mut conn, member.user_id, seen, &[budget_id], false).await.as_deref(), Some("42501"));
    assert_eq!(attempt(&mut conn, admin.user_id, seen, &[budget_id], false).await, None);
}

#[tokio::test]
async fn rollups_show_what_the_entries_show_and_amounts_what_the_rates_show() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let demoted = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    for (who, role) in [(&admin, "admin"), (&member, "member"), (&demoted, "member")] {
        app.add_member(&owner, team, who, role).await;
    }
    let rate = serde_json::json!({ "hourly_rate": 3600, "currency": "EUR", "effective_from": "2026-01-01" });
    assert_eq!(app.post(&format!("/api/v1/teams/{team}/rates"), Some(&owner.access_token), &rate).await.status, 201);
    let task = app.create_task(&owner, serde_json::json!({ "title": "t", "team_id": team })).await;
    for who in [&member, &demoted] {
        let r = app
            .post(
                &format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap()),
                Some(&who.access_token),
                &serde_json::json!({ "started_at": "2026-11-24T09:00:00Z", "duration_seconds": 3600, "billable": true }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    // A member who became a viewer keeps their time but no longer sees its money.
    let demote = app
        .patch(
            &format!("/api/v1/teams/{team}/members/{}", demoted.user_id),
            Some(&owner.access_token),
            &serde_json::json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(demote.status, 200, "{}", demote.text);

    let mut conn = app_role_connection(&app).await;
    let seen = "select count(*), coalesce(sum(amount), 0)::bigint from time_rollups_seen";
    for (who, rows, amount) in
        [(&owner, 2, 7200), (&admin, 2, 7200), (&member, 1, 3600), (&demoted, 1, 0), (&outsider, 0, 0)]
    {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let got: (i64, i64) = sqlx::query_as(seen).fetch_one(&mut *tx).await.unwrap();
        assert_eq!(got, (rows, amount), "rollups seen by {}", who.user_id);
        let raw: i64 = sqlx::query_scalar("select count(*) from time_rollups").fetch_one(&mut *tx).await.unwrap();
        assert_eq!(raw, rows, "the table's own policy for {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    // Only the triggers write them.
    for sql in [
        "insert into time_rollups (user_id, hour, team_id, billable, entries, seconds, amount)
         values ($1, '2026-11-24T10:00:00Z', null, false, 1, 60, 0)",
        "update time_rollups set seconds = 1 where user_id = $1",
        "delete from time_rollups where user_id = $1",
    ] {
        assert_eq!(
            attempt(&mut conn, member.user_id, sql, &[member.user_id], false).await.as_deref(),
            Some("42501"),
            "{sql}"
        );
    }
}

/// The rows `sql` (one uuid bound as `$1`) returns to `user`, in a
/// transaction rolled back afterwards.
async fn read_as<T>(conn: &mut PgConnection, user: uuid::Uuid, sql: &str, id: uuid::Uuid) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut tx = as_user(conn, user).await;
    let rows = sqlx::query_as(sql).bind(id).fetch_all(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    rows
}

/// `tasks.project_archived` of a task, as `user` sees it.
async fn project_archived(conn: &mut PgConnection, user: uuid::Uuid, task_id: uuid::Uuid) -> bool {
    let sql = "select project_archived from tasks where task_id = $1";
    read_as::<(bool,)>(conn, user, sql, task_id).await[0].0
}

/// Projects, as the app role directly: the team reads them, nobody outside
/// does; only owners and admins (in their own name) create, change and
/// delete them; a task names only a project of its own team, never one in
/// an archived project, and a project with tasks is not deleted.
#[tokio::test]
async fn projects_are_read_by_the_team_and_shaped_only_by_its_admins() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let elsewhere = app.create_team(&outsider, "U").await;
    for (who, role) in [(&admin, "admin"), (&member, "member"), (&viewer, "viewer")] {
        app.add_member(&owner, team, who, role).await;
    }
    let made = app
        .post(&format!("/api/v1/teams/{team}/projects"), Some(&owner.access_token), &serde_json::json!({ "name": "P" }))
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let project: uuid::Uuid = made.json["project_id"].as_str().unwrap().parse().unwrap();

    let mut conn = app_role_connection(&app).await;
    for (who, sees) in [(&owner, 1), (&admin, 1), (&member, 1), (&viewer, 1), (&outsider, 0)] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let n: i64 = sqlx::query_scalar("select count(*) from projects").fetch_one(&mut *tx).await.unwrap();
        assert_eq!(n, sees, "projects seen by {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    let insert = "insert into projects (project_id, team_id, name, created_by) values ($1, $2, 'Q', $3)";
    for who in [&member, &viewer, &outsider] {
        assert_eq!(
            attempt(&mut conn, who.user_id, insert, &[uuid::Uuid::now_v7(), team, who.user_id], false).await.as_deref(),
            Some("42501"),
            "insert by {}",
            who.user_id
        );
    }
    assert_eq!(
        attempt(&mut conn, admin.user_id, insert, &[uuid::Uuid::now_v7(), team, owner.user_id], false).await.as_deref(),
        Some("42501"),
        "not in someone else's name"
    );
    assert_eq!(
        attempt(&mut conn, admin.user_id, insert, &[uuid::Uuid::now_v7(), team, admin.user_id], false).await,
        None
    );
    for (who, changed) in [(&member, 0), (&viewer, 0), (&outsider, 0), (&admin, 1)] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let updated = sqlx::query("update projects set archived_at = now() where project_id = $1")
            .bind(project)
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected();
        let deleted =
            sqlx::query("delete from projects where project_id = $1").bind(project).execute(&mut *tx).await.unwrap();
        assert_eq!((updated, deleted.rows_affected()), (changed, changed), "writes by {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    // A project stays in its team, even for its admins.
    let rehome = "update projects set team_id = $2 where project_id = $1";
    assert_eq!(attempt(&mut conn, owner.user_id, rehome, &[project, elsewhere], false).await.as_deref(), Some("23514"));

    // A task names a project of its own team only: another team's is the
    // foreign key's 23503, a personal task's the check's 23514.
    let task = "insert into tasks (task_id, team_id, created_by, title, project_id) values ($1, $2, $3, 't', $4)";
    assert_eq!(
        attempt(
            &mut conn,
            outsider.user_id,
            task,
            &[uuid::Uuid::now_v7(), elsewhere, outsider.user_id, project],
            false
        )
        .await
        .as_deref(),
        Some("23503")
    );
    let personal = "insert into tasks (task_id, created_by, title, project_id) values ($1, $2, 't', $3)";
    assert_eq!(
        attempt(&mut conn, member.user_id, personal, &[uuid::Uuid::now_v7(), member.user_id, project], false)
            .await
            .as_deref(),
        Some("23514")
    );
    let task_id = uuid::Uuid::now_v7();
    assert_eq!(attempt(&mut conn, member.user_id, task, &[task_id, team, member.user_id, project], true).await, None);
    // Not deleted while the task is in it, even by its owner.
    let delete = "delete from projects where project_id = $1";
    assert_eq!(attempt(&mut conn, owner.user_id, delete, &[project], false).await.as_deref(), Some("23503"));
    // Whether a task's project is archived follows the project, whatever a writer sets.
    let mark = "update tasks set project_archived = true where task_id = $1";
    assert_eq!(attempt(&mut conn, member.user_id, mark, &[task_id], true).await, None);
    assert!(!project_archived(&mut conn, member.user_id, task_id).await, "an open project's task is not marked");
    // Archived, its tasks are marked, and it takes no new task.
    let archive = "update projects set archived_at = now() where project_id = $1";
    assert_eq!(attempt(&mut conn, admin.user_id, archive, &[project], true).await, None);
    assert!(project_archived(&mut conn, member.user_id, task_id).await, "archiving marks the project's tasks");
    assert_eq!(
        attempt(&mut conn, member.user_id, task, &[uuid::Uuid::now_v7(), team, member.user_id, project], false)
            .await
            .as_deref(),
        Some("23514")
    );
}

/// Checklists, as the app role directly: read by whoever reads the task,
/// written by whoever may edit it (members of the team, not viewers), and
/// by nobody outside; task history is read the same way and written by
/// nobody.
#[tokio::test]
async fn checklists_follow_the_task_and_history_is_read_only() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let task = app.create_task(&owner, serde_json::json!({ "title": "t", "team_id": team })).await;
    let task_id: uuid::Uuid = task["task_id"].as_str().unwrap().parse().unwrap();
    let made = app
        .post(
            &format!("/api/v1/tasks/{task_id}/checklist"),
            Some(&owner.access_token),
            &serde_json::json!({ "body": "a" }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let item: uuid::Uuid = made.json["item_id"].as_str().unwrap().parse().unwrap();
    app.patch(&format!("/api/v1/tasks/{task_id}"), Some(&owner.access_token), &serde_json::json!({ "title": "u" }))
        .await;

    let mut conn = app_role_connection(&app).await;
    for (who, sees) in [(&owner, 1), (&member, 1), (&viewer, 1), (&outsider, 0)] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let items: i64 =
            sqlx::query_scalar("select count(*) from task_checklist_items").fetch_one(&mut *tx).await.unwrap();
        let events: i64 = sqlx::query_scalar("select count(*) from task_events").fetch_one(&mut *tx).await.unwrap();
        assert_eq!((items, events), (sees, sees), "checklist items and history seen by {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    let insert =
        "insert into task_checklist_items (item_id, task_id, body, position, created_by) values ($1, $2, 'b', 1, $3)";
    for who in [&viewer, &outsider] {
        assert_eq!(
            attempt(&mut conn, who.user_id, insert, &[uuid::Uuid::now_v7(), task_id, who.user_id], false)
                .await
                .as_deref(),
            Some("42501"),
            "insert by {}",
            who.user_id
        );
    }
    assert_eq!(
        attempt(&mut conn, member.user_id, insert, &[uuid::Uuid::now_v7(), task_id, member.user_id], false).await,
        None
    );
    for (who, changed) in [(&viewer, 0), (&outsider, 0), (&member, 1)] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let updated = sqlx::query("update task_checklist_items set done_at = now() where item_id = $1")
            .bind(item)
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected();
        let deleted = sqlx::query("delete from task_checklist_items where item_id = $1")
            .bind(item)
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!((updated, deleted), (changed, changed), "writes by {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    // History: no role writes it directly.
    let forge = "insert into task_events (task_id, field, new_value) values ($1, 'title', '\"x\"')";
    assert_eq!(attempt(&mut conn, owner.user_id, forge, &[task_id], false).await.as_deref(), Some("42501"));
}

/// Watchers of one task as `user` sees them, in user id order.
async fn watchers(conn: &mut PgConnection, user: uuid::Uuid, task_id: uuid::Uuid) -> Vec<uuid::Uuid> {
    let sql = "select user_id from task_watchers where task_id = $1 order by user_id";
    read_as::<(uuid::Uuid,)>(conn, user, sql, task_id).await.into_iter().map(|(id,)| id).collect()
}

#[tokio::test]
async fn watchers_are_read_with_the_task_and_each_person_writes_only_their_own() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let task = app
        .create_task(&owner, serde_json::json!({ "title": "t", "team_id": team, "assignee_ids": [member.user_id] }))
        .await;
    let task_id: uuid::Uuid = task["task_id"].as_str().unwrap().parse().unwrap();
    let mut conn = app_role_connection(&app).await;

    // The creator and the assignee watch it, written by the trigger; the
    // team reads that, the outsider nothing.
    let mut expected = vec![owner.user_id, member.user_id];
    expected.sort();
    for who in [&owner, &member, &viewer] {
        assert_eq!(watchers(&mut conn, who.user_id, task_id).await, expected, "read by {}", who.user_id);
    }
    assert!(watchers(&mut conn, outsider.user_id, task_id).await.is_empty());

    let watch = "insert into task_watchers (task_id, user_id) values ($1, $2)";
    let refused = Some("42501".to_owned());
    // Nobody watches on someone else's behalf, nor a task they cannot read.
    assert_eq!(attempt(&mut conn, owner.user_id, watch, &[task_id, viewer.user_id], false).await, refused);
    assert_eq!(attempt(&mut conn, outsider.user_id, watch, &[task_id, outsider.user_id], false).await, refused);
    // A viewer reads the task, so may watch it.
    assert_eq!(attempt(&mut conn, viewer.user_id, watch, &[task_id, viewer.user_id], true).await, None);
    // Nobody stops someone else's watching.
    let unwatch = "delete from task_watchers where task_id = $1 and user_id = $2";
    for who in [&owner, &outsider] {
        let mut tx = as_user(&mut conn, who.user_id).await;
        let n = sqlx::query(unwatch).bind(task_id).bind(viewer.user_id).execute(&mut *tx).await.unwrap();
        assert_eq!(n.rows_affected(), 0, "unwatching the viewer as {}", who.user_id);
        tx.rollback().await.unwrap();
    }
    let mut tx = as_user(&mut conn, viewer.user_id).await;
    let n = sqlx::query(unwatch).bind(task_id).bind(viewer.user_id).execute(&mut *tx).await.unwrap();
    assert_eq!(n.rows_affected(), 1, "the viewer stops watching");
    tx.commit().await.unwrap();

    // Viewers are not assigned work, whoever writes the row.
    let assign = "update tasks set assignee_ids = array[$2] where task_id = $1";
    let mut tx = as_user(&mut conn, owner.user_id).await;
    let err = sqlx::query(assign).bind(task_id).bind(viewer.user_id).execute(&mut *tx).await.unwrap_err();
    assert_eq!(err.as_database_error().and_then(|e| e.constraint()), Some("tasks_assignee_in_team"));
    tx.rollback().await.unwrap();

    // Leaving the team unassigns and unwatches: nothing is left for
    // someone who can no longer read the task.
    let r = app.delete(&format!("/api/v1/teams/{team}/members/{}", member.user_id), Some(&owner.access_token)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(watchers(&mut conn, owner.user_id, task_id).await, vec![owner.user_id]);
    let sql = "select assignee_ids from tasks where task_id = $1";
    let left = read_as::<(Vec<uuid::Uuid>,)>(&mut conn, owner.user_id, sql, task_id).await;
    assert_eq!(left, [(vec![],)], "still assigned after leaving");
}

#[tokio::test]
async fn a_personal_task_is_read_by_each_of_its_assignees_and_nobody_else() {
    let app = spawn_app().await;
    let creator = app.create_user().await;
    let mate = app.create_user().await;
    let other_mate = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&creator, "T").await;
    app.add_member(&creator, team, &mate, "viewer").await;
    app.add_member(&creator, team, &other_mate, "member").await;
    let task = app
        .create_task(&creator, serde_json::json!({ "title": "p", "assignee_ids": [mate.user_id, other_mate.user_id] }))
        .await;
    let task_id: uuid::Uuid = task["task_id"].as_str().unwrap().parse().unwrap();
    let mut conn = app_role_connection(&app).await;
    let read = "select task_id from tasks where task_id = $1";
    let edit = "update tasks set title = 'changed' where task_id = $1 returning task_id";
    for (who, sees) in [(&creator, 1), (&mate, 1), (&other_mate, 1), (&outsider, 0)] {
        let (seen, changed) = (
            read_as::<(uuid::Uuid,)>(&mut conn, who.user_id, read, task_id).await.len(),
            read_as::<(uuid::Uuid,)>(&mut conn, who.user_id, edit, task_id).await.len(),
        );
        assert_eq!((seen, changed), (sees, sees), "read and write by {}", who.user_id);
    }
    // Taken off the task, the mate loses it, and their watching with it.
    let reassign = "update tasks set assignee_ids = array[$2] where task_id = $1";
    assert_eq!(attempt(&mut conn, creator.user_id, reassign, &[task_id, other_mate.user_id], true).await, None);
    assert!(read_as::<(uuid::Uuid,)>(&mut conn, mate.user_id, read, task_id).await.is_empty());
    let mut expected = vec![creator.user_id, other_mate.user_id];
    expected.sort();
    assert_eq!(watchers(&mut conn, creator.user_id, task_id).await, expected);
    // Named twice in one list: refused, whoever writes it.
    let mut tx = as_user(&mut conn, creator.user_id).await;
    let err = sqlx::query("update tasks set assignee_ids = array[$2, $2] where task_id = $1")
        .bind(task_id)
        .bind(other_mate.user_id)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(err.as_database_error().and_then(|e| e.constraint()), Some("tasks_assignees_distinct"));
    tx.rollback().await.unwrap();
}

/// `assignee_id` and `assignee_ids` of a task, as `user` reads them.
async fn both_assignee_fields(
    conn: &mut PgConnection,
    user: uuid::Uuid,
    task: uuid::Uuid,
) -> (Option<uuid::Uuid>, Vec<uuid::Uuid>) {
    let sql = "select assignee_id, assignee_ids from tasks where task_id = $1";
    read_as(conn, user, sql, task).await.remove(0)
}

/// The previous release still serves during a blue/green rollout and
/// writes the single `assignee_id`: the trigger keeps both in step, and the
/// membership rule applies to its writes too.
#[tokio::test]
async fn the_previous_releases_single_assignee_stays_in_step_with_the_list() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let mut conn = app_role_connection(&app).await;
    // An old-style insert and update name one person; the list follows.
    let task = uuid::Uuid::now_v7();
    let insert = "insert into tasks (task_id, team_id, created_by, assignee_id, title) values ($1, $2, $3, $4, 'old')";
    assert_eq!(
        attempt(&mut conn, owner.user_id, insert, &[task, team, owner.user_id, member.user_id], true).await,
        None
    );
    assert_eq!(
        both_assignee_fields(&mut conn, owner.user_id, task).await,
        (Some(member.user_id), vec![member.user_id])
    );
    let to_owner = "update tasks set assignee_id = $2 where task_id = $1";
    assert_eq!(attempt(&mut conn, owner.user_id, to_owner, &[task, owner.user_id], true).await, None);
    assert_eq!(both_assignee_fields(&mut conn, owner.user_id, task).await, (Some(owner.user_id), vec![owner.user_id]));
    // The rule holds for the old field: no viewer.
    let refused = attempt(&mut conn, owner.user_id, to_owner, &[task, viewer.user_id], false).await;
    assert_eq!(refused.as_deref(), Some("23514"));
    // A new-style write of the list shows its first in the old field.
    let list = "update tasks set assignee_ids = array[$2, $3] where task_id = $1";
    assert_eq!(attempt(&mut conn, owner.user_id, list, &[task, member.user_id, owner.user_id], true).await, None);
    assert_eq!(
        both_assignee_fields(&mut conn, owner.user_id, task).await,
        (Some(member.user_id), vec![member.user_id, owner.user_id])
    );
    let clear = "update tasks set assignee_ids = '{}' where task_id = $1";
    assert_eq!(attempt(&mut conn, owner.user_id, clear, &[task], true).await, None);
    assert_eq!(both_assignee_fields(&mut conn, owner.user_id, task).await, (None, vec![]));
}

/// A calendar feed is its owner's alone: read, made, replaced, removed.
/// The token's lookup (no session) goes through the definer function.
#[tokio::test]
async fn a_calendar_feed_is_read_and_written_only_by_its_owner() {
    let app = spawn_app().await;
    let a = app.create_user().await;
    let b = app.create_user().await;
    for u in [&a, &b] {
        let r = app.post("/api/v1/me/calendar-feed", Some(&u.access_token), &serde_json::json!({})).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let mut conn = app_role_connection(&app).await;
    let mut tx = as_user(&mut conn, a.user_id).await;
    let owners: Vec<uuid::Uuid> =
        sqlx::query_scalar("select user_id from calendar_feeds").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(owners, vec![a.user_id]);
    let touched = sqlx::query("update calendar_feeds set created_at = now() where user_id = $1")
        .bind(b.user_id)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(touched, 0, "A changed B's feed");
    let removed = sqlx::query("delete from calendar_feeds where user_id = $1")
        .bind(b.user_id)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(removed, 0, "A removed B's feed");
    tx.rollback().await.unwrap();
    // A feed in someone else's name is refused by the policy.
    let refused = attempt(
        &mut conn,
        a.user_id,
        "insert into calendar_feeds (user_id, token_digest) values ($1, sha256('x'::bytea))",
        &[b.user_id],
        false,
    )
    .await;
    assert!(refused.is_some(), "A made a feed for B");
    // last_used_at is the definer lookup's to write, through the column grant only.
    let col = attempt(&mut conn, a.user_id, "update calendar_feeds set user_id = $1", &[b.user_id], false).await;
    assert_eq!(col.as_deref(), Some("42501"));
}

/// API tokens: a person reads and revokes only their own; a team's service
/// tokens are read by its owners and admins, never by members or
/// outsiders; nobody inserts a token in someone else's name or for a team
/// (the definer function does, for owners only); nothing but `revoked_at`
/// is ever changed by the app role; nobody deletes one.
#[tokio::test]
async fn api_tokens_are_their_owners_and_team_tokens_their_team_admins() {
    let app = spawn_app().await;
    let (a, b, admin, member) =
        (app.create_user().await, app.create_user().await, app.create_user().await, app.create_user().await);
    let team = app.create_team(&a, "Tokens").await;
    app.add_member(&a, team, &admin, "admin").await;
    app.add_member(&a, team, &member, "member").await;
    let body = serde_json::json!({ "name": "t", "scopes": ["tasks:read"] });
    for u in [&a, &b] {
        let r = app.post("/api/v1/me/tokens", Some(&u.access_token), &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let team_body = serde_json::json!({ "name": "bot", "scopes": ["tasks:read"] });
    let r = app.post(&format!("/api/v1/teams/{team}/tokens"), Some(&a.access_token), &team_body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let bot: uuid::Uuid = r.json["user_id"].as_str().unwrap().parse().unwrap();

    let mut conn = app_role_connection(&app).await;
    let sql = "select user_id, (team_id is not null) from api_tokens where $1::uuid is not null order by 2";
    assert_eq!(
        read_as::<(uuid::Uuid, bool)>(&mut conn, a.user_id, sql, team).await,
        vec![(a.user_id, false), (bot, true)]
    );
    assert_eq!(read_as::<(uuid::Uuid, bool)>(&mut conn, b.user_id, sql, team).await, vec![(b.user_id, false)]);
    assert_eq!(read_as::<(uuid::Uuid, bool)>(&mut conn, admin.user_id, sql, team).await, vec![(bot, true)]);
    assert!(read_as::<(uuid::Uuid, bool)>(&mut conn, member.user_id, sql, team).await.is_empty());

    // Revoking someone else's personal token, or a team's, changes nothing.
    for (who, whose) in [(a.user_id, b.user_id), (admin.user_id, bot), (a.user_id, bot)] {
        let mut tx = as_user(&mut conn, who).await;
        let n = sqlx::query("update api_tokens set revoked_at = now() where user_id = $1")
            .bind(whose)
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(n, 0, "{who} revoked a token of {whose}");
        tx.rollback().await.unwrap();
    }
    // Only revoked_at is writable; nothing is deletable.
    let widen = "update api_tokens set scopes = array['tasks:write'] where user_id = $1";
    assert_eq!(attempt(&mut conn, a.user_id, widen, &[a.user_id], false).await.as_deref(), Some("42501"));
    let extend = "update api_tokens set expires_at = now() + interval '300 days' where user_id = $1";
    assert_eq!(attempt(&mut conn, a.user_id, extend, &[a.user_id], false).await.as_deref(), Some("42501"));
    let delete = "delete from api_tokens where user_id = $1";
    assert_eq!(attempt(&mut conn, a.user_id, delete, &[a.user_id], false).await.as_deref(), Some("42501"));
    // Inserting in someone else's name, or a team token directly, is refused.
    let insert = "insert into api_tokens (token_id, user_id, team_id, created_by, name, scopes, token_digest, token_prefix, expires_at)
                  values (gen_random_uuid(), $2, $3, $1, 'x', array['tasks:read'], sha256(random()::text::bytea), 'tfp_abcdef', now() + interval '1 day')";
    let as_b = attempt(&mut conn, a.user_id, &insert.replace("$3", "null"), &[a.user_id, b.user_id], false).await;
    assert_eq!(as_b.as_deref(), Some("42501"), "A made a token acting as B");
    let for_team = attempt(&mut conn, a.user_id, insert, &[a.user_id, bot, team], false).await;
    assert_eq!(for_team.as_deref(), Some("42501"), "a team token outside the definer function");
    // The definer function makes team tokens for owners only.
    let make = "select private.create_team_token(gen_random_uuid(), $2, gen_random_uuid(), 'x', 'member',
                array['tasks:read'], sha256(random()::text::bytea), 'tfp_abcdef', now() + interval '1 day')";
    let by_admin = attempt(&mut conn, admin.user_id, make, &[admin.user_id, team], false).await;
    assert_eq!(by_admin.as_deref(), Some("42501"), "an admin made a service token");
    let as_admin_role = make.replace("'member'", "'admin'");
    let too_high = attempt(&mut conn, a.user_id, &as_admin_role, &[a.user_id, team], false).await;
    assert_eq!(too_high.as_deref(), Some("22023"), "a service account above member");
    assert_eq!(attempt(&mut conn, a.user_id, make, &[a.user_id, team], false).await, None, "the owner may");
    let revoke = "select private.revoke_team_token($2, gen_random_uuid()) where $1::uuid is not null";
    assert_eq!(
        attempt(&mut conn, admin.user_id, revoke, &[admin.user_id, team], false).await.as_deref(),
        Some("42501")
    );
}
