// A failed setup step in a test should stop that test loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod auth;
mod errors;
mod health;
mod helpers;
mod logs;
mod me;
mod tasks;
mod teams;
mod tokens;
