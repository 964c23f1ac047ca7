//! Presence monitor: a table of endpoints with their state and their channels, kept up to date
//! from `EndpointStateChange` and channel events (the mirror resyncs it after any gap).
//!
//! Run: `cargo run -p ari-examples --example presence_monitor -- [SECONDS]` (as root, for the
//! sandbox; or with ARI_URL, ARI_USER, ARI_PASSWORD). It redraws the table whenever something
//! changes, for SECONDS (default 30).

use std::time::Duration;

use ari_client::Client;
use ari_client::events::{Filter, Message};
use futures_util::StreamExt as _;

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `technology/resource`, e.g. `PJSIP/101`.
    pub endpoint: String,
    /// Its state (`online`, `offline`, `unknown`).
    pub state: String,
    /// How many channels it has.
    pub channels: usize,
}

/// The table as the mirror holds it now.
pub fn table(mirror: &ari_client::mirror::Mirror) -> Vec<Row> {
    mirror
        .snapshot()
        .endpoints
        .into_iter()
        .map(|(key, endpoint)| Row {
            endpoint: key,
            state: endpoint
                .state
                .map_or_else(|| "unknown".to_owned(), |s| s.to_string()),
            channels: endpoint.channel_ids.len(),
        })
        .collect()
}

fn print(rows: &[Row]) {
    println!("{:<16} {:<10} {:>8}", "endpoint", "state", "channels");
    for row in rows {
        println!("{:<16} {:<10} {:>8}", row.endpoint, row.state, row.channels);
    }
    println!();
}

/// Watches the endpoints for `duration`, printing the table on every change; returns the last.
pub async fn run(client: &Client, app: &str, duration: Duration) -> anyhow::Result<Vec<Row>> {
    let router = client.events([app]).connect_router().await?;
    let mirror = router.mirror().await?;
    // Endpoint events reach an application only when it subscribes to them.
    let sources: Vec<String> = table(&mirror)
        .iter()
        .map(|row| format!("endpoint:{}", row.endpoint))
        .collect();
    if !sources.is_empty() {
        client.applications().subscribe(app, sources).await?;
    }
    let mut changes = router.subscribe(Filter::All);
    let mut rows = table(&mirror);
    print(&rows);
    let deadline = tokio::time::Instant::now() + duration;
    while let Ok(Some(item)) = tokio::time::timeout_at(deadline, changes.next()).await {
        if let Message::Event(_) | Message::Reconnected { .. } = item? {
            let now = table(&mirror);
            if now != rows {
                rows = now;
                print(&rows);
            }
        }
    }
    Ok(rows)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| anyhow::anyhow!("SECONDS must be a whole number, not {arg:?}"))?,
        None => 30,
    };
    let client = ari_examples::connect().await?;
    run(
        &client,
        &ari_examples::app_name("presence"),
        Duration::from_secs(seconds),
    )
    .await?;
    Ok(())
}
