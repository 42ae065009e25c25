//! Seed data from `seeds/`, compiled into the binary so the container can seed
//! staging without the source tree. Idempotent: existing emails are skipped.

use secrecy::SecretString;
use serde::Deserialize;
use sqlx::PgPool;

use crate::auth::account::{self, NewAccount};
use crate::auth::AuthError;
use crate::db::DbError;
use crate::domain::user::{DisplayName, Email, GlobalRole, Password};

const DEMO: &str = include_str!("../seeds/demo.yaml");

#[derive(Deserialize)]
struct SeedFile {
    password: String,
    users: Vec<SeedUser>,
}

#[derive(Deserialize)]
struct SeedUser {
    email: String,
    display_name: String,
    role: GlobalRole,
}

pub async fn run(pool: &PgPool, profile: &str) -> anyhow::Result<String> {
    let source = match profile {
        "demo" => DEMO,
        other => anyhow::bail!("unknown seed profile '{other}'; available: demo"),
    };
    let file: SeedFile = serde_yaml::from_str(source)?;
    let mut created = 0;
    let mut report = String::from("demo logins (password for all: ");
    report.push_str(&file.password);
    report.push_str("):\n");
    for user in &file.users {
        let account = NewAccount {
            email: Email::parse(&user.email).map_err(|m| anyhow::anyhow!("seed email {m}"))?,
            password: Password::parse(SecretString::from(file.password.clone()))
                .map_err(|m| anyhow::anyhow!("seed password {m}"))?,
            display_name: DisplayName::parse(&user.display_name).map_err(|m| anyhow::anyhow!("seed name {m}"))?,
        };
        let outcome = match user.role {
            GlobalRole::Admin => account::ensure_admin(pool, account).await.map(|(_, c)| c),
            GlobalRole::Member => account::register(pool, account, GlobalRole::Member).await.map(|_| true),
        };
        match outcome {
            Ok(true) => created += 1,
            Ok(false) | Err(AuthError::Db(DbError::UniqueViolation(_))) => {}
            Err(e) => return Err(e.into()),
        }
        report.push_str(&format!("  {} ({})\n", user.email, user.role.as_str()));
    }
    report.push_str(&format!("{created} account(s) created"));
    Ok(report)
}
