//! `playbacks`: a playback's state, controlled while it plays, and stopped.

use ari_client::Event;
use ari_client::ids::PlaybackId;
use ari_client::models::{PlaybackOperation, PlaybackState};

use ari_testkit::EVENT_TIMEOUT;

use super::support::{Ctx, assert_status, both_transports, eventually};

pub(super) const CALLS: &[&str] = &["playbacks.get", "playbacks.control", "playbacks.stop"];

both_transports!("playbacks");

async fn exercise(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let playbacks = client.playbacks();
    let channel = ctx.originate_into_app("listener", "wait").await;

    // A list of sounds: a PlaybackContinuing between them.
    let id = PlaybackId::new(ctx.id("list"));
    client
        .channels()
        .play(&channel, ["sound:beep", "sound:hello-world"])
        .playback_id(id.clone())
        .await
        .unwrap();
    ctx.wait(
        "PlaybackStarted",
        |e| matches!(e, Event::PlaybackStarted(p) if p.playback.id == id),
    )
    .await;
    let Event::PlaybackContinuing(next) = ctx
        .wait(
            "PlaybackContinuing",
            |e| matches!(e, Event::PlaybackContinuing(p) if p.playback.id == id),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(next.playback.media_uri, "sound:beep");
    assert_eq!(
        next.playback.next_media_uri.as_deref(),
        Some("sound:hello-world")
    );
    ctx.wait("PlaybackStarted of the second sound", |e| {
        matches!(e, Event::PlaybackStarted(p)
            if p.playback.id == id && p.playback.media_uri == "sound:hello-world")
    })
    .await;

    // While hello-world plays: pause, read back, unpause, restart, skip around.
    let playing = playbacks.get(&id).await.unwrap();
    assert_eq!(playing.media_uri, "sound:hello-world");
    assert_eq!(playing.target_uri, format!("channel:{channel}"));
    playbacks
        .control(&id, PlaybackOperation::Pause)
        .await
        .unwrap();
    let paused = playbacks.get(&id).await.unwrap();
    assert_eq!(paused.state, PlaybackState::Other("paused".into()));
    playbacks
        .control(&id, PlaybackOperation::Unpause)
        .await
        .unwrap();
    assert_eq!(
        playbacks.get(&id).await.unwrap().state,
        PlaybackState::Playing
    );
    for operation in [
        PlaybackOperation::Restart,
        PlaybackOperation::Forward,
        PlaybackOperation::Reverse,
    ] {
        playbacks.control(&id, operation).await.unwrap();
    }
    assert_status(
        playbacks
            .control(&id, PlaybackOperation::Other("sideways".into()))
            .await,
        400,
    );

    playbacks.stop(&id).await.unwrap();
    let Event::PlaybackFinished(finished) = ctx
        .wait(
            "PlaybackFinished",
            |e| matches!(e, Event::PlaybackFinished(p) if p.playback.id == id),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(finished.playback.media_uri, "sound:hello-world");
    // Finished playbacks linger a moment before Asterisk forgets them.
    eventually("the stopped playback gone", EVENT_TIMEOUT, || async {
        playbacks.get(&id).await.err().filter(|e| e.is_not_found())
    })
    .await;
    assert_status(playbacks.stop(&id).await, 404);
    assert_status(playbacks.control(&id, PlaybackOperation::Pause).await, 404);
    ctx.hang_up(&[&channel]).await;
}
