//! Early-bridged dial: the caller is put in a bridge first; then the outgoing leg is created
//! (not yet dialled), given its variables, added to the same bridge, and only then dialled,
//! so the caller hears the far end from its first ringing on, and nothing is ever unbridged.
//!
//! Run: `cargo run -p ari-examples --example early_bridge_dial` (as root, for the sandbox; or
//! with ARI_URL, ARI_USER, ARI_PASSWORD).

use ari_client::events::Message;
use ari_client::models::ChannelState;
use ari_client::{Client, Event};
use futures_util::StreamExt as _;

/// What happened, for the caller to check.
#[derive(Debug)]
pub struct Outcome {
    /// The variable read back from the outgoing leg before it was dialled.
    pub variable_on_callee: String,
    /// The states the outgoing leg went through, in order.
    pub callee_states: Vec<String>,
    /// The `dialstatus` values of the Dial events, in order.
    pub dial_statuses: Vec<String>,
}

/// Answers a caller in `app`, then reaches `Local/wait@sandbox` through an early bridge.
pub async fn run(client: &Client, app: &str) -> anyhow::Result<Outcome> {
    let router = client.events([app]).connect_router().await?;
    let mut caller = router.originate("Local/wait@sandbox", |r| r).await?;
    while let Some(item) = caller.next().await {
        if let Message::Event(Event::StasisStart(_)) = item? {
            break;
        }
    }
    caller.answer().await?;

    // 1. A bridge, with the caller in it.
    let bridge = router.create_bridge(["mixing"]).await?;
    bridge.add([caller.id().clone()]).await?;

    // 2. The outgoing leg, created but not dialled, with an id of our own.
    let mut callee = router.channel(format!("{}-callee", caller.id()));
    client
        .channels()
        .create("Local/wait@sandbox", app)
        .channel_id(callee.id().clone())
        .await?;
    // The created channel joins the application a moment after the request returns; operations
    // on it before its StasisStart may be refused (409).
    loop {
        match callee.next().await {
            Some(Ok(Message::Event(Event::StasisStart(_)))) => break,
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err.into()),
            None => anyhow::bail!("the outgoing leg went away"),
        }
    }
    // 3. Its variables, before anything happens on it.
    client
        .channels()
        .set_channel_var(callee.id().clone(), "CALL_REASON")
        .value("early-bridge example")
        .await?;
    let variable = client
        .channels()
        .get_channel_var(callee.id().clone(), "CALL_REASON")
        .await?;
    // 4. Into the bridge, then dial.
    bridge.add([callee.id().clone()]).await?;
    client
        .channels()
        .dial(callee.id().clone())
        .caller(caller.id().clone())
        .await?;

    // Until the far end answered: its state is Up and the dial reported its outcome.
    let mut callee_states = Vec::new();
    let mut dial_statuses = Vec::new();
    let answered = |states: &[String], statuses: &[String]| {
        states.iter().any(|s| *s == ChannelState::Up.to_string()) && !statuses.is_empty()
    };
    while !answered(&callee_states, &dial_statuses) {
        match callee.next().await {
            Some(Ok(Message::Event(Event::ChannelStateChange(change)))) => {
                callee_states.push(change.channel.state.to_string());
            }
            Some(Ok(Message::Event(Event::Dial(dial)))) if !dial.dialstatus.is_empty() => {
                dial_statuses.push(dial.dialstatus.clone());
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(err.into()),
            None => anyhow::bail!("the outgoing leg went away"),
        }
    }
    caller.hangup().await?;
    callee.hangup().await?;
    bridge.destroy().await?;
    Ok(Outcome {
        variable_on_callee: variable.value,
        callee_states,
        dial_statuses,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = ari_examples::connect().await?;
    let outcome = run(&client, &ari_examples::app_name("early")).await?;
    println!(
        "callee had CALL_REASON={:?} before dialling; it went {}; dial status {}",
        outcome.variable_on_callee,
        outcome.callee_states.join(" → "),
        outcome.dial_statuses.join(", ")
    );
    Ok(())
}
