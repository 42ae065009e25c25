//! argon2id hashing, always on the blocking pool.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::telemetry::spawn_blocking_with_tracing;

/// Hashing itself failed (bad parameters, a stored hash that is not PHC, the
/// blocking pool gone): a server fault, never a wrong password.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn fault(e: impl std::fmt::Display) -> HashError {
    HashError(e.to_string())
}

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn argon2() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(fault)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_sync(password: &SecretString) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?.hash_password(password.expose_secret().as_bytes(), &salt).map(|h| h.to_string()).map_err(fault)
}

/// A real hash of a random password, verified against when the account does not
/// exist, so unknown emails cost the same time as wrong passwords.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let random = uuid::Uuid::new_v4().to_string();
    hash_sync(&SecretString::from(random)).ok()
});

/// Each hash holds 19 MiB for tens of milliseconds. Unbounded, a burst of
/// sign-ins multiplies that by the burst (the blocking pool has 512 threads)
/// and oversubscribes the cores; bounded to the cores, memory stays flat and
/// the burst queues instead.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)));

async fn on_hashing_pool<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Result<R, HashError> {
    let permit = HASHING.acquire().await.map_err(fault)?;
    // The permit moves into the thread: a caller that gives up early does not
    // free a slot while its hash still runs.
    spawn_blocking_with_tracing(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(fault)
}

pub async fn hash(password: SecretString) -> Result<String, HashError> {
    on_hashing_pool(move || hash_sync(&password)).await?
}

/// Verifies `password` against `stored`, or against the dummy hash when there is
/// no stored hash; false in the latter case whatever the password.
pub async fn verify(password: SecretString, stored: Option<String>) -> Result<bool, HashError> {
    on_hashing_pool(move || {
        let (phc, real) = match stored {
            Some(h) => (h, true),
            None => (DUMMY_HASH.clone().unwrap_or_default(), false),
        };
        let parsed = PasswordHash::new(&phc).map_err(fault)?;
        let ok = argon2()?.verify_password(password.expose_secret().as_bytes(), &parsed).is_ok();
        Ok(ok && real)
    })
    .await?
}

/// Computes the dummy hash ahead of the first login.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_there_are_cores() -> Result<(), HashError> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs: Vec<_> = (0..cores * 4)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(on_hashing_pool(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for job in jobs {
            job.await.map_err(fault)??;
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak >= 1 && peak <= cores, "{peak} hashes ran at once on {cores} cores");
        Ok(())
    }

    #[tokio::test]
    async fn hash_is_argon2id_with_the_owasp_parameters_and_verifies() -> Result<(), HashError> {
        let h = hash(SecretString::from("correct horse battery")).await?;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(SecretString::from("correct horse battery"), Some(h.clone())).await?);
        assert!(!verify(SecretString::from("wrong horse battery"), Some(h)).await?);
        Ok(())
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() -> Result<(), HashError> {
        assert!(!verify(SecretString::from("anything at all"), None).await?);
        Ok(())
    }
}
