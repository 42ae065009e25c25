//! `taskflow smoke` against a live server, as CI and the deploy guide run it.

use std::process::Command;

use crate::helpers::spawn_app;

#[tokio::test]
async fn smoke_passes_against_a_running_server() {
    let app = spawn_app().await;
    let out = tokio::task::spawn_blocking({
        let base = app.address.clone();
        move || Command::new(env!("CARGO_BIN_EXE_taskflow")).args(["smoke", "--base-url", &base]).output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "smoke failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ok   create task"), "{stdout}");
    assert!(stdout.contains("smoke test passed: 14 steps"), "{stdout}");
}

#[tokio::test]
async fn smoke_fails_clearly_when_nothing_answers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_taskflow"))
            .args(["smoke", "--base-url", &format!("http://127.0.0.1:{port}")])
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("smoke test failed at liveness"), "{stderr}");
}
