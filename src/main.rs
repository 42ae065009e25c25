use clap::Parser;
use taskflow::cli::{run, Cli};
use taskflow::telemetry;

/// glibc raises its mmap threshold after the first large free, so the 19 MiB
/// argon2 blocks then come from per-thread arenas and stay resident (measured:
/// 660 MiB after 1,000 sign-ins). A fixed threshold keeps every block over
/// 1 MiB on mmap, returned to the kernel when freed (12 MiB idle, flat after).
fn pin_malloc_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it is called before any
    // large allocation, and glibc serialises it internally.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    pin_malloc_mmap_threshold();
    let cli = Cli::parse();
    if let Err(e) = telemetry::init(telemetry::subscriber("taskflow", "info", std::io::stdout)) {
        eprintln!("taskflow: cannot initialise logging: {e}");
        return std::process::ExitCode::FAILURE;
    }
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "taskflow failed");
            eprintln!("taskflow: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
