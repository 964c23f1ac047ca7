//! Bridging two calls: two channels enter the application, a mixing bridge joins them, a
//! sound is played to both at once, then both are hung up and the bridge destroyed.
//!
//! Run: `cargo run -p ari-examples --example bridge_two_calls` (as root, for the sandbox; or
//! with ARI_URL, ARI_USER, ARI_PASSWORD).

use ari_client::events::Message;
use ari_client::{Client, Event};
use futures_util::StreamExt as _;

/// What happened, for the caller to check.
#[derive(Debug)]
pub struct Outcome {
    /// How many channels Asterisk reported in the bridge once both had entered.
    pub channels_in_bridge: usize,
    /// The events the bridge produced, in order.
    pub bridge_events: Vec<String>,
}

/// Bridges two calls originated into `app`.
pub async fn run(client: &Client, app: &str) -> anyhow::Result<Outcome> {
    let router = client.events([app]).connect_router().await?;
    // Ids are made here and subscribed before each request: no event can be missed.
    let mut alice = router.originate("Local/wait@sandbox", |r| r).await?;
    let mut bob = router.originate("Local/wait@sandbox", |r| r).await?;
    for call in [&mut alice, &mut bob] {
        while let Some(item) = call.next().await {
            if let Message::Event(Event::StasisStart(_)) = item? {
                break;
            }
        }
        call.answer().await?;
    }

    let mut bridge = router.create_bridge(["mixing"]).await?;
    bridge.add([alice.id().clone(), bob.id().clone()]).await?;
    let mut bridge_events = Vec::new();
    let mut entered = 0;
    while entered < 2 {
        match bridge.next().await {
            Some(Ok(Message::Event(event))) => {
                if matches!(event, Event::ChannelEnteredBridge(_)) {
                    entered += 1;
                }
                bridge_events.push(event.event_type().to_owned());
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err.into()),
            None => anyhow::bail!("the bridge went away"),
        }
    }
    let snapshot = client.bridges().get(bridge.id().clone()).await?;
    client
        .bridges()
        .play(bridge.id().clone(), ["sound:beep"])
        .await?;

    alice.hangup().await?;
    bob.hangup().await?;
    bridge.destroy().await?;
    while let Some(item) = bridge.next().await {
        if let Message::Event(event) = item? {
            bridge_events.push(event.event_type().to_owned());
        }
    }
    Ok(Outcome {
        channels_in_bridge: snapshot.channels.len(),
        bridge_events,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = ari_examples::connect().await?;
    let outcome = run(&client, &ari_examples::app_name("bridge")).await?;
    println!(
        "{} channels were bridged; the bridge saw: {}",
        outcome.channels_in_bridge,
        outcome.bridge_events.join(" → ")
    );
    Ok(())
}
