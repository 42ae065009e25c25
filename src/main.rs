use clap::Parser;
use taskflow::cli::{run, Cli};
use taskflow::telemetry;

#[tokio::main]
async fn main() -> std::process::ExitCode {
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
