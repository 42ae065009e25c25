use crate::helpers::spawn_app;

#[tokio::test]
async fn staging_seed_is_idempotent_and_its_logins_work() {
    let app = spawn_app().await;
    let first = taskflow::service::seed::run(&app.pool, "staging").await.unwrap();
    let [users, teams, members, tasks, comments, entries] = first.inserted;
    assert!(users >= 50 && teams >= 20 && tasks >= 100, "{first}");
    assert!(members > teams && comments > 0 && entries > 0, "{first}");
    let second = taskflow::service::seed::run(&app.pool, "staging").await.unwrap();
    assert_eq!(second.inserted, [0; 6], "a second run added rows: {second}");

    let (email, _) = &first.logins[1];
    let login = app.login(email, &first.password).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let token = login.json["access_token"].as_str().unwrap();
    let teams = app.get("/api/v1/teams", Some(token)).await;
    assert!(!teams.json["items"].as_array().unwrap().is_empty());
    let tasks = app.get("/api/v1/tasks", Some(token)).await;
    assert!(!tasks.json["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn demo_seed_keeps_accounts_that_already_exist() {
    let app = spawn_app().await;
    // Bob registered before anyone seeded.
    let r = app.register("bob@demo.taskflow.test", "bob's own passphrase").await;
    assert_eq!(r.status, 201);
    let report = taskflow::service::seed::run(&app.pool, "demo").await.unwrap();
    assert!(report.inserted[3] > 0, "{report}");
    let login = app.login("bob@demo.taskflow.test", "bob's own passphrase").await;
    let token = login.json["access_token"].as_str().unwrap();
    assert!(!app.get("/api/v1/teams", Some(token)).await.json["items"].as_array().unwrap().is_empty());
    let admin = app.login("alice@demo.taskflow.test", &report.password).await;
    let me = app.me(admin.json["access_token"].as_str().unwrap()).await;
    assert_eq!(me.json["role"], "admin");
}
