//! Turning the connection flags into a client: a given URL, or the local sandbox.

use anyhow::Context as _;
use ari_client::Client;
use ari_sandbox::{Ports, Sandbox};

use crate::cli::Connection;

/// A client for `--url`, or for the sandbox instance (brought up when it is not running).
pub(crate) async fn client(connection: &Connection) -> anyhow::Result<Client> {
    if let Some(url) = &connection.url {
        let user = connection
            .user
            .as_deref()
            .context("--url needs --user (or ARI_USER)")?;
        let password = connection
            .password
            .as_deref()
            .context("--url needs --password (or ARI_PASSWORD)")?;
        let mut builder = Client::builder().base_url(url).credentials(user, password);
        if let Some(ca) = &connection.ca_file {
            builder = builder.ca_file(ca);
        }
        return Ok(builder.build()?);
    }
    let sandbox = Sandbox::new(&connection.sandbox)?;
    let status = tokio::task::spawn_blocking(move || {
        sandbox.up(Ports::default(), &|step| eprintln!("ari sandbox: {step}"))
    })
    .await
    .context("the sandbox task failed")??;
    Ok(Client::builder()
        .base_url(status.ari_url())
        .credentials(&status.settings.user, &status.settings.password)
        .build()?)
}
