//! Bunyan JSON logs on stdout, one line per event, and the helpers that keep
//! secrets and personal data out of them.

use tokio::task::JoinHandle;
use tracing::subscriber::set_global_default;
use tracing::Subscriber;
use tracing_bunyan_formatter::{BunyanFormattingLayer, JsonStorageLayer};
use tracing_log::LogTracer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{layer::SubscriberExt, EnvFilter, Registry};

/// A subscriber writing bunyan JSON to `sink`; `RUST_LOG` overrides `default_filter`.
pub fn subscriber<Sink>(name: &str, default_filter: &str, sink: Sink) -> impl Subscriber + Send + Sync
where
    Sink: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    Registry::default().with(filter).with(JsonStorageLayer).with(BunyanFormattingLayer::new(name.into(), sink))
}

/// Installs the subscriber process-wide, and routes `log` records through it.
pub fn init(subscriber: impl Subscriber + Send + Sync) -> anyhow::Result<()> {
    LogTracer::init()?;
    set_global_default(subscriber)?;
    Ok(())
}

/// Runs blocking work (argon2) on the blocking pool inside the caller's span.
pub fn spawn_blocking_with_tracing<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}

/// `alice@example.com` -> `a***@example.com`: enough to tell accounts apart in
/// a log, not enough to collect addresses from one.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// For the audit log, which outlives logs: the domain is masked too, so a
/// row does not say where a person has an account.
pub fn mask_email_fully(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let (l, d): (String, String) = (local.chars().take(1).collect(), domain.chars().take(1).collect());
            format!("{l}***@{d}***")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{mask_email, mask_email_fully};

    #[test]
    fn the_audit_form_masks_the_domain_too() {
        assert_eq!(mask_email_fully("alice@example.com"), "a***@e***");
        assert_eq!(mask_email_fully("not-an-email"), "***");
    }

    #[test]
    fn masks_the_local_part_of_an_email() {
        assert_eq!(mask_email("alice@example.com"), "a***@example.com");
        assert_eq!(mask_email("not-an-email"), "***");
    }

    #[rstest::rstest]
    #[case("alice@example.com", "a***@example.com", "a***@e***")]
    #[case("élodie@exemple.fr", "é***@exemple.fr", "é***@e***")]
    #[case("@example.com", "***@example.com", "***@e***")]
    #[case("no-at-sign", "***", "***")]
    #[case("a@b", "a***@b", "a***@b***")]
    fn email_masks(#[case] email: &str, #[case] for_logs: &str, #[case] for_audit: &str) {
        assert_eq!(mask_email(email), for_logs);
        assert_eq!(mask_email_fully(email), for_audit);
    }
}
