// A failed setup step in a test should stop that test loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod admin;
mod audit;
mod auth;
mod cache;
mod comments;
mod errors;
mod health;
mod helpers;
mod injection;
mod logs;
mod me;
mod metrics;
mod mfa;
mod oidc;
mod openapi;
mod privacy;
mod replicas;
mod resilience;
mod security;
mod seed;
mod smoke;
mod tasks;
mod teams;
mod time;
mod tokens;
