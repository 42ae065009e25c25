//! The raw-SQL ceiling: the server's own query functions (`db::tasks::list`,
//! `db::tasks::find`) in a tight loop, inside the same `begin_as` transaction
//! with the same RLS identity, on a pool as large as the server's. No HTTP, no
//! JSON, no auth: what the API could do if everything but the database were free.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;
use sqlx::PgPool;
use taskflow::db::tasks::Reach;
use taskflow::db::{self, begin_as, Actor};
use taskflow::domain::task::{TaskFilter, TaskSort};
use taskflow::domain::user::{GlobalRole, UserId};

use crate::client::{Mix, Shared};
use crate::stats::Stats;

pub async fn run(pool: PgPool, shared: Arc<Shared>, concurrency: usize, mix: Mix, duration: Duration) -> Stats {
    let deadline = Instant::now() + duration;
    let name = if mix == Mix::GetOnly { "sql find task" } else { "sql list 50 tasks" };
    let handles: Vec<_> = (0..concurrency)
        .map(|n| {
            let (pool, shared) = (pool.clone(), shared.clone());
            tokio::spawn(async move {
                let mut stats = Stats::default();
                let mut rng = StdRng::seed_from_u64(n as u64);
                let mut turn = n;
                while Instant::now() < deadline {
                    let user = &shared.users[turn % shared.users.len()];
                    turn += concurrency;
                    let actor = Actor::Session {
                        user_id: UserId(user.user_id),
                        role: GlobalRole::Member,
                        session_id: user.session_id,
                    };
                    let task = shared.visible_task(user, &mut rng);
                    let started = Instant::now();
                    let outcome = async {
                        let mut tx = begin_as(&pool, &actor).await?;
                        if mix == Mix::GetOnly {
                            db::tasks::find(&mut tx, task).await?;
                        } else {
                            db::tasks::list(
                                &mut tx,
                                Reach::Member,
                                &TaskFilter::default(),
                                TaskSort::default(),
                                None,
                                50,
                            )
                            .await?;
                        }
                        tx.commit().await.map_err(db::DbError::from)
                    }
                    .await;
                    let error = outcome.err().map(|e| e.to_string());
                    stats.record(name, started.elapsed().as_micros() as u64, error);
                }
                stats
            })
        })
        .collect();
    Stats::gather(handles).await
}
