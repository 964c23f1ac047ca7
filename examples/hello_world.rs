//! Hello world: a call arrives in the Stasis application, which answers it, plays
//! `sound:hello-world`, and hangs up.
//!
//! Run: `cargo run -p ari-examples --example hello_world` (as root: it brings the local sandbox
//! up; or point it elsewhere with ARI_URL, ARI_USER, ARI_PASSWORD). In the sandbox the call is
//! placed by the example itself, through the dialplan (`Local/<app>@stasis`).

use ari_client::events::Message;
use ari_client::{Client, Event};
use futures_util::StreamExt as _;

/// Places one call into `app` and handles it; returns the events the call produced, in order.
pub async fn run(client: &Client, app: &str) -> anyhow::Result<Vec<String>> {
    let router = client.events([app]).connect_router().await?;
    let mut calls = router.subscribe(ari_client::events::Filter::EventType("StasisStart".into()));

    // The caller: enters `app` through the dialplan, unanswered, as a real call would.
    client
        .channels()
        .originate(format!("Local/{app}@stasis"))
        .context("sandbox")
        .extension("wait")
        .await?;

    let start = loop {
        match calls.next().await {
            Some(Ok(Message::Event(Event::StasisStart(start)))) => break start,
            Some(Ok(_)) => continue,
            Some(Err(err)) => return Err(err.into()),
            None => anyhow::bail!("the event stream ended"),
        }
    };
    let mut call = router.channel(start.channel.id.clone());
    call.answer().await?;
    // The playback's own stream ends when it has finished.
    let mut playback = call.play(["sound:hello-world"]).await?;
    while let Some(item) = playback.next().await {
        item?;
    }
    call.hangup().await?;
    // The call's stream has everything about the channel since the handle was made, and ends
    // when the channel leaves the application.
    let mut seen = vec!["StasisStart".to_owned()];
    while let Some(item) = call.next().await {
        if let Message::Event(event) = item? {
            seen.push(event.event_type().to_owned());
        }
    }
    Ok(seen)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = ari_examples::connect().await?;
    let events = run(&client, &ari_examples::app_name("hello")).await?;
    println!("the call went through: {}", events.join(" → "));
    Ok(())
}
