//! `events`: the event WebSocket itself, user events, and claiming a channel that
//! `StasisBroadcast()` offers to the applications.

use ari_client::Event;
use ari_client::ids::ChannelId;

use super::support::{Ctx, assert_status, both_transports, cli};

pub(super) const CALLS: &[&str] = &[
    "events.eventWebsocket",
    "events.userEvent",
    "events.claimChannel",
];

both_transports!("events");

async fn exercise(ctx: &mut Ctx) {
    // Every run reads its events from `GET /events`; here it carries the user events and the
    // broadcast below.
    ctx.exercised("events.eventWebsocket");
    user_events(ctx).await;
    claim_a_broadcast_channel(ctx).await;
}

async fn user_events(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let app = ctx.app.clone();
    client
        .events_api()
        .user_event("plain", app.as_str())
        .await
        .unwrap();
    ctx.wait("the plain user event", |e| {
        matches!(e, Event::ChannelUserevent(u) if u.eventname == "plain" && u.channel.is_none())
    })
    .await;

    // With variables, and a channel as its source: the event carries both.
    let channel = ctx.originate_into_app("source", "wait").await;
    client
        .events_api()
        .user_event("sourced", app.as_str())
        .source([format!("channel:{channel}")])
        .variable("colour", "green")
        .variable("size", "3")
        .await
        .unwrap();
    let Event::ChannelUserevent(event) = ctx
        .wait(
            "the sourced user event",
            |e| matches!(e, Event::ChannelUserevent(u) if u.eventname == "sourced"),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(event.channel.as_ref().map(|c| &c.id), Some(&channel));
    assert_eq!(event.userevent["colour"], "green");
    assert_eq!(event.userevent["size"], "3");

    // Unknown applications and sources are refused.
    assert_status(
        client
            .events_api()
            .user_event("lost", format!("{app}_none"))
            .await,
        404,
    );
    assert_status(
        client
            .events_api()
            .user_event("lost", app.as_str())
            .source(["channel:no-such-channel"])
            .await,
        422,
    );
    ctx.hang_up(&[&channel]).await;
}

async fn claim_a_broadcast_channel(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let app = ctx.app.clone();
    // No dialplan of the sandbox runs StasisBroadcast(): the CLI starts a call right in it,
    // offered (5 s at most) to this application only, with arguments for the winner and
    // CallClaimed notifications on.
    let output = cli(&format!(
        "channel originate Local/wait@sandbox application StasisBroadcast 5000,^{app}$,first:second,yes"
    ))
    .await;
    assert!(!output.contains("rror"), "{output}");
    let Event::CallBroadcast(broadcast) = ctx
        .wait("CallBroadcast", |e| matches!(e, Event::CallBroadcast(_)))
        .await
    else {
        unreachable!()
    };
    let channel: ChannelId = broadcast.channel.id.clone();
    assert_eq!(broadcast.channel.dialplan.app_name, "StasisBroadcast");

    client
        .events_api()
        .claim_channel(&channel, app.as_str())
        .await
        .unwrap();
    let Event::CallClaimed(claimed) = ctx
        .wait(
            "CallClaimed",
            |e| matches!(e, Event::CallClaimed(c) if c.channel.id == channel),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(claimed.winner_app, app.as_str());
    // Asterisk publishes CallClaimed and the StasisStart of the claimed call on different
    // paths: either may come first.
    let Event::StasisStart(start) = ctx
        .seen_or_wait(
            "StasisStart of the claimed call",
            |e| matches!(e, Event::StasisStart(s) if s.channel.id == channel),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(start.args, ["first", "second"]);
    // The channel is ours now: a second claim loses.
    let message = assert_status(
        client
            .events_api()
            .claim_channel(&channel, app.as_str())
            .await,
        409,
    );
    assert!(message.contains("already been claimed"), "{message}");
    assert_status(
        client
            .events_api()
            .claim_channel("no-such-channel", app.as_str())
            .await,
        404,
    );
    client.channels().hangup(&channel).await.unwrap();
    ctx.wait_stasis_end(channel.as_str()).await;
}
