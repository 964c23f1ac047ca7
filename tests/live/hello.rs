//! Hello world, asserted from what Asterisk really sent.

use ari_client::Event;
use ari_client::ids::PlaybackId;
use ari_client::models::{ChannelState, PlaybackState};
use ari_testkit::{EVENT_TIMEOUT, EventLog, unique_app};

#[tokio::test]
async fn hello_world_answers_plays_and_hangs_up_in_order() {
    let client = ari_testkit::client();
    let app = unique_app("hello");
    let mut log = EventLog::connect(&client, &app).await;

    // Into Stasis through the dialplan, unanswered, as a real incoming call arrives.
    client
        .channels()
        .originate(format!("Local/{app}@stasis"))
        .context("sandbox")
        .extension("wait")
        .variable("ARI_ARGS", "first,second arg")
        .await
        .unwrap();
    let Event::StasisStart(start) = log.wait_type("StasisStart").await else {
        unreachable!()
    };
    assert_eq!(start.args, ["first", "second arg"]);
    assert_eq!(start.channel.state, ChannelState::Ring, "not answered yet");
    assert_eq!(
        start.application.as_ref().map(|a| a.as_str()),
        Some(app.as_str())
    );
    let channel = start.channel.id.clone();
    client
        .applications()
        .subscribe(app.as_str(), [format!("channel:{channel}")])
        .await
        .unwrap();

    client.channels().answer(channel.clone()).await.unwrap();
    log.wait_for("ChannelStateChange to Up", EVENT_TIMEOUT, |e| {
        matches!(e, Event::ChannelStateChange(c) if c.channel.id == channel && c.channel.state == ChannelState::Up)
    })
    .await;

    let playback_id = PlaybackId::new(format!("{channel}-hello"));
    let playback = client
        .channels()
        .play(channel.clone(), ["sound:hello-world"])
        .playback_id(playback_id.clone())
        .await
        .unwrap();
    assert_eq!(playback.id, playback_id);
    log.wait_for(
        "PlaybackStarted",
        EVENT_TIMEOUT,
        |e| matches!(e, Event::PlaybackStarted(p) if p.playback.id == playback_id),
    )
    .await;
    let Event::PlaybackFinished(finished) = log
        .wait_for(
            "PlaybackFinished",
            EVENT_TIMEOUT,
            |e| matches!(e, Event::PlaybackFinished(p) if p.playback.id == playback_id),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(finished.playback.state, PlaybackState::Done);

    client.channels().hangup(channel.clone()).await.unwrap();
    log.wait_for(
        "StasisEnd",
        EVENT_TIMEOUT,
        |e| matches!(e, Event::StasisEnd(s) if s.channel.id == channel),
    )
    .await;
    let Event::ChannelDestroyed(destroyed) = log
        .wait_for(
            "ChannelDestroyed",
            EVENT_TIMEOUT,
            |e| matches!(e, Event::ChannelDestroyed(d) if d.channel.id == channel),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(destroyed.cause_txt, "Normal Clearing");

    // The order, as Asterisk sent it, of this channel's milestones.
    let milestones: Vec<&str> = log
        .seen()
        .iter()
        .filter(|e| match e {
            Event::StasisStart(_) | Event::StasisEnd(_) | Event::ChannelDestroyed(_) => {
                e.channel_id() == Some(&channel)
            }
            Event::ChannelStateChange(c) => c.channel.id == channel,
            Event::PlaybackStarted(p) => p.playback.id == playback_id,
            Event::PlaybackFinished(p) => p.playback.id == playback_id,
            _ => false,
        })
        .map(Event::event_type)
        .collect();
    assert_eq!(
        milestones,
        [
            "StasisStart",
            "ChannelStateChange",
            "PlaybackStarted",
            "PlaybackFinished",
            "StasisEnd",
            "ChannelDestroyed"
        ]
    );
    // And the state Asterisk reached: the channel is gone.
    let err = client.channels().get(channel.clone()).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
}
