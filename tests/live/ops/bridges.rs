//! `bridges`: mixing bridges with their variables, channels in and out, music on hold,
//! playback and recording into the bridge, and the video source of a single-source bridge.

use std::time::Duration;

use ari_client::Event;
use ari_client::ids::{BridgeId, PlaybackId, RecordingName};
use ari_client::models::BridgeType;

use super::support::{Ctx, assert_recording_dir, assert_status, both_transports};

pub(super) const CALLS: &[&str] = &[
    "bridges.list",
    "bridges.create",
    "bridges.createWithId",
    "bridges.get",
    "bridges.destroy",
    "bridges.getBridgeVar",
    "bridges.setBridgeVar",
    "bridges.getBridgeVars",
    "bridges.setBridgeVars",
    "bridges.addChannel",
    "bridges.removeChannel",
    "bridges.setVideoSource",
    "bridges.clearVideoSource",
    "bridges.startMoh",
    "bridges.stopMoh",
    "bridges.play",
    "bridges.playWithId",
    "bridges.record",
];

both_transports!("bridges");

async fn exercise(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let bridges = client.bridges();
    let mixing = BridgeId::new(ctx.id("mixing"));
    let video = BridgeId::new(ctx.id("video"));

    // Created both ways, read back, listed.
    let created = bridges
        .create()
        .bridge_id(mixing.clone())
        .bridge_type("mixing")
        .name("first")
        .await
        .unwrap();
    assert_eq!(created.id, mixing);
    assert_eq!(created.bridge_type, BridgeType::Mixing);
    assert_eq!(created.name, "first");
    assert_eq!(created.bridge_class, "stasis");
    let created = bridges
        .create_with_id(video.clone())
        .bridge_type("mixing,video_single")
        .name("second")
        .await
        .unwrap();
    assert_eq!(created.id, video);
    let got = bridges.get(&video).await.unwrap();
    assert_eq!(got.name, "second");
    assert_eq!(got.video_mode.as_deref(), Some("single"));
    let listed = bridges.list().await.unwrap();
    for id in [&mixing, &video] {
        assert!(listed.iter().any(|b| b.id == *id), "{id} not listed");
    }
    assert_status(bridges.get(ctx.id("none")).await, 404);
    // Subscribed, the application hears of the bridges even when none of its channels is in.
    client
        .applications()
        .subscribe(
            ctx.app.as_str(),
            [format!("bridge:{mixing}"), format!("bridge:{video}")],
        )
        .await
        .unwrap();

    // Bridge variables.
    bridges
        .set_bridge_var(&mixing, "T_BV")
        .value("one")
        .await
        .unwrap();
    assert_eq!(
        bridges.get_bridge_var(&mixing, "T_BV").await.unwrap().value,
        "one"
    );
    bridges
        .set_bridge_vars(&mixing, [("T_A", "a"), ("T_B", "b b")])
        .await
        .unwrap();
    let vars = bridges
        .get_bridge_vars(&mixing, ["T_A", "T_B", "T_BV"])
        .await
        .unwrap();
    assert_eq!(vars.variables["T_A"], "a");
    assert_eq!(vars.variables["T_B"], "b b");
    assert_eq!(vars.variables["T_BV"], "one");
    assert_status(bridges.get_bridge_var(&mixing, "T_NONE").await, 404);

    // Two channels in.
    let first = ctx.originate_into_app("one", "wait").await;
    let second = ctx.originate_into_app("two", "wait").await;
    bridges
        .add_channel(&mixing, [&first, &second])
        .role("participant")
        .await
        .unwrap();
    for channel in [&first, &second] {
        ctx.wait("ChannelEnteredBridge", |e| {
            matches!(e, Event::ChannelEnteredBridge(b)
                if b.bridge.id == mixing && b.channel.as_ref().is_some_and(|c| c.id == *channel))
        })
        .await;
    }
    let got = bridges.get(&mixing).await.unwrap();
    assert!(got.channels.contains(&first) && got.channels.contains(&second));

    // Music on hold: on, then off; a second off finds none playing.
    bridges
        .start_moh(&mixing)
        .moh_class("default")
        .await
        .unwrap();
    bridges.stop_moh(&mixing).await.unwrap();
    let message = assert_status(bridges.stop_moh(&mixing).await, 409);
    assert_eq!(message, "Bridge isn't playing music");

    // Playbacks into the bridge.
    let beep = PlaybackId::new(ctx.id("beep"));
    let playback = bridges
        .play(&mixing, ["sound:beep"])
        .playback_id(beep.clone())
        .await
        .unwrap();
    assert_eq!(playback.target_uri, format!("bridge:{mixing}"));
    let again = PlaybackId::new(ctx.id("beep2"));
    bridges
        .play_with_id(&mixing, again.clone(), ["sound:beep"])
        .await
        .unwrap();
    for id in [&beep, &again] {
        ctx.wait("PlaybackFinished in the bridge", |e| {
            matches!(e, Event::PlaybackFinished(p)
                if p.playback.id == *id && p.playback.target_uri == format!("bridge:{mixing}"))
        })
        .await;
    }

    // A recording of the bridge, one second long.
    assert_recording_dir().await;
    let name = RecordingName::new(ctx.id("bridge-rec"));
    let recording = bridges
        .record(&mixing, name.clone(), "wav")
        .max_duration_seconds(Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(recording.target_uri, format!("bridge:{mixing}"));
    ctx.wait(
        "RecordingStarted of the bridge",
        |e| matches!(e, Event::RecordingStarted(r) if r.recording.name == name),
    )
    .await;
    ctx.wait(
        "RecordingFinished of the bridge",
        |e| matches!(e, Event::RecordingFinished(r) if r.recording.name == name),
    )
    .await;
    let stored = client.recordings().get_stored(&name).await.unwrap();
    assert_eq!(stored.format, "wav");
    client.recordings().delete_stored(&name).await.unwrap();

    // One channel over to the single-source video bridge; made its video source, and cleared.
    bridges.remove_channel(&mixing, [&first]).await.unwrap();
    ctx.wait("ChannelLeftBridge", |e| {
        matches!(e, Event::ChannelLeftBridge(b) if b.bridge.id == mixing && b.channel.id == first)
    })
    .await;
    assert!(
        !bridges
            .get(&mixing)
            .await
            .unwrap()
            .channels
            .contains(&first)
    );
    assert_status(bridges.remove_channel(&mixing, [&first]).await, 422);
    bridges.add_channel(&video, [&first]).await.unwrap();
    ctx.wait(
        "ChannelEnteredBridge (video)",
        |e| matches!(e, Event::ChannelEnteredBridge(b) if b.bridge.id == video),
    )
    .await;
    bridges.set_video_source(&video, &first).await.unwrap();
    ctx.wait("BridgeVideoSourceChanged to the channel", |e| {
        matches!(e, Event::BridgeVideoSourceChanged(v)
            if v.bridge.id == video && v.bridge.video_source_id.as_ref() == Some(&first))
    })
    .await;
    assert_eq!(
        bridges.get(&video).await.unwrap().video_source_id,
        Some(first.clone())
    );
    // Cleared, the bridge follows the talker instead of one fixed source. Asterisk answers
    // `GET /bridges/{id}` from its last published snapshot, and clearing publishes none: the
    // change shows once the bridge changes otherwise (a channel joins).
    bridges.clear_video_source(&video).await.unwrap();
    bridges.remove_channel(&mixing, [&second]).await.unwrap();
    bridges.add_channel(&video, [&second]).await.unwrap();
    ctx.wait("the second channel in the video bridge", |e| {
        matches!(e, Event::ChannelEnteredBridge(b)
            if b.bridge.id == video && b.channel.as_ref().is_some_and(|c| c.id == second))
    })
    .await;
    let got = bridges.get(&video).await.unwrap();
    assert_eq!(got.video_mode.as_deref(), Some("talker"), "{got:?}");

    // Destroyed: gone, and the channels out of them.
    for id in [&mixing, &video] {
        bridges.destroy(id).await.unwrap();
        ctx.wait(
            "BridgeDestroyed",
            |e| matches!(e, Event::BridgeDestroyed(b) if b.bridge.id == *id),
        )
        .await;
        assert_status(bridges.get(id).await, 404);
    }
    assert_status(bridges.destroy(&mixing).await, 404);
    ctx.hang_up(&[&first, &second]).await;
}
