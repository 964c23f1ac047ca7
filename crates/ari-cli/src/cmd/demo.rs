//! `ari demo`: hello world, live. (Filled in once the typed surface lands.)

use std::process::ExitCode;

use crate::cli::Connection;

pub(crate) async fn run(
    connection: Connection,
    _app: Option<String>,
    _timeout: u64,
) -> anyhow::Result<ExitCode> {
    let _client = crate::connect::client(&connection).await?;
    Ok(ExitCode::SUCCESS)
}
