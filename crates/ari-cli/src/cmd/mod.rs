//! One module per subcommand.

mod demo;
mod events;
mod sandbox;

use std::process::ExitCode;

use crate::cli::{Args, Command};

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Sandbox { action, target } => sandbox::run(action, target).await,
        Command::Demo {
            connection,
            app,
            endpoint,
            timeout,
        } => demo::run(connection, app, endpoint, timeout).await,
        Command::Events { action } => events::run(action).await,
    }
}

/// A number that differs between runs, for fresh Stasis application names.
pub(crate) fn rand_u32() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    nanos ^ std::process::id().rotate_left(16)
}
