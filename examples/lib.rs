//! What the examples share: a client for the Asterisk they run against.
//!
//! With `ARI_URL`, `ARI_USER` and `ARI_PASSWORD` set, that Asterisk; otherwise the local
//! sandbox, brought up if it is not running (as root; see `ari sandbox up`).
#![deny(missing_docs)]

use anyhow::Context as _;
use ari_client::Client;

/// A client for `ARI_URL` (with `ARI_USER`/`ARI_PASSWORD`), or for the local sandbox.
pub async fn connect() -> anyhow::Result<Client> {
    if let Ok(url) = std::env::var("ARI_URL") {
        let user = std::env::var("ARI_USER").context("ARI_URL is set: set ARI_USER too")?;
        let password =
            std::env::var("ARI_PASSWORD").context("ARI_URL is set: set ARI_PASSWORD too")?;
        return Ok(Client::builder()
            .base_url(url)
            .credentials(user, password)
            .build()?);
    }
    let status = tokio::task::spawn_blocking(|| {
        ari_sandbox::Sandbox::new(ari_sandbox::DEFAULT_INSTANCE)?
            .up(ari_sandbox::Ports::default(), &|step| {
                eprintln!("sandbox: {step}")
            })
    })
    .await??;
    Ok(Client::builder()
        .base_url(status.ari_url())
        .credentials(&status.settings.user, &status.settings.password)
        .build()?)
}

/// A Stasis application name for one run of an example: `<prefix>_<process id>`.
pub fn app_name(prefix: &str) -> String {
    format!("{prefix}_{}", std::process::id())
}
