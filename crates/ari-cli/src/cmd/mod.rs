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
