//! `recordings`: a live recording of a bridge playing a tone, paused, muted and stopped; the
//! stored file read back (the muted stretch is digital silence), copied and deleted; a
//! cancelled recording; and a failed one.

use std::time::Duration;

use ari_client::Event;
use ari_client::ids::{BridgeId, PlaybackId, RecordingName};
use ari_client::models::{RecordingState, StoredRecording};

use super::support::{
    Ctx, Transport, assert_recording_dir, assert_status, both_transports, instance_dir,
};

pub(super) const CALLS: &[&str] = &[
    "recordings.getLive",
    "recordings.pause",
    "recordings.unpause",
    "recordings.mute",
    "recordings.unmute",
    "recordings.stop",
    "recordings.cancel",
    "recordings.listStored",
    "recordings.getStored",
    "recordings.getStoredFile",
    "recordings.copyStored",
    "recordings.deleteStored",
];

both_transports!("recordings");

/// The samples (16-bit, 8 kHz) of a WAV file, or why it is not one.
fn wav_samples(file: &[u8]) -> Result<Vec<i16>, String> {
    if file.len() < 12 || &file[..4] != b"RIFF" || &file[8..12] != b"WAVE" {
        return Err(format!(
            "not a WAV file ({} bytes, starting {:?})",
            file.len(),
            String::from_utf8_lossy(&file[..file.len().min(16)])
        ));
    }
    let mut at = 12;
    while at + 8 <= file.len() {
        let id = &file[at..at + 4];
        let len = u32::from_le_bytes([file[at + 4], file[at + 5], file[at + 6], file[at + 7]]);
        let len = usize::try_from(len).map_err(|e| e.to_string())?;
        let body = &file[at + 8..file.len().min(at + 8 + len)];
        if id == b"data" {
            return Ok(body
                .chunks_exact(2)
                .map(|s| i16::from_le_bytes([s[0], s[1]]))
                .collect());
        }
        at += 8 + len + (len & 1);
    }
    Err("no data chunk".to_owned())
}

/// The longest run of exact zeros.
fn longest_silence(samples: &[i16]) -> usize {
    let (mut longest, mut run) = (0, 0);
    for sample in samples {
        run = if *sample == 0 { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

async fn exercise(ctx: &mut Ctx) {
    assert_recording_dir().await;
    let client = ctx.client.clone();
    let recordings = client.recordings();
    let bridge = BridgeId::new(ctx.id("tone"));
    client
        .bridges()
        .create_with_id(bridge.clone())
        .bridge_type("mixing")
        .await
        .unwrap();
    client
        .applications()
        .subscribe(ctx.app.as_str(), [format!("bridge:{bridge}")])
        .await
        .unwrap();
    // A steady 1 kHz tone into the bridge, until stopped.
    let tone = PlaybackId::new(ctx.id("tone"));
    client
        .bridges()
        .play_with_id(&bridge, tone.clone(), ["tone:1000"])
        .await
        .unwrap();
    ctx.wait(
        "the tone playing",
        |e| matches!(e, Event::PlaybackStarted(p) if p.playback.id == tone),
    )
    .await;

    // Recorded: read live, muted for a while, paused, stopped. The durations are the media's
    // own: nothing tells when enough of a tone has been recorded.
    let name = RecordingName::new(ctx.id("take"));
    client
        .bridges()
        .record(&bridge, name.clone(), "wav")
        .max_duration_seconds(Duration::from_secs(30))
        .await
        .unwrap();
    ctx.wait(
        "RecordingStarted",
        |e| matches!(e, Event::RecordingStarted(r) if r.recording.name == name),
    )
    .await;
    let live = recordings.get_live(&name).await.unwrap();
    assert_eq!(live.state, RecordingState::Recording);
    assert_eq!(live.target_uri, format!("bridge:{bridge}"));
    assert_eq!(live.format, "wav");
    tokio::time::sleep(Duration::from_millis(400)).await;
    recordings.mute(&name).await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    recordings.unmute(&name).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    recordings.pause(&name).await.unwrap();
    assert_eq!(
        recordings.get_live(&name).await.unwrap().state,
        RecordingState::Paused
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    recordings.unpause(&name).await.unwrap();
    assert_eq!(
        recordings.get_live(&name).await.unwrap().state,
        RecordingState::Recording
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    recordings.stop(&name).await.unwrap();
    let Event::RecordingFinished(finished) = ctx
        .wait(
            "RecordingFinished",
            |e| matches!(e, Event::RecordingFinished(r) if r.recording.name == name),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(finished.recording.state, RecordingState::Done);
    assert_status(recordings.get_live(&name).await, 404);
    // (The bridge's tone ends with the recording: Asterisk 22.10.1 finishes a bridge's
    // playback when its recording stops.) Stopped here should it still play.
    match client.playbacks().stop(&tone).await {
        Ok(()) => {}
        Err(err) if err.is_not_found() => {}
        Err(err) => panic!("stopping the tone: {err}"),
    }
    ctx.wait(
        "the tone finished",
        |e| matches!(e, Event::PlaybackFinished(p) if p.playback.id == tone),
    )
    .await;

    // Stored: listed, read, its file downloaded.
    let stored = recordings.list_stored().await.unwrap();
    assert!(
        stored.iter().any(|r| r.name == name && r.format == "wav"),
        "{stored:?}"
    );
    let got: StoredRecording = recordings.get_stored(&name).await.unwrap();
    assert_eq!(got.format, "wav");
    let file = recordings.get_stored_file(&name).await;
    let file = match ctx.transport {
        Transport::Http => file.unwrap(),
        // Over the WebSocket there is no file: a `RESTResponse` carries a text body only,
        // and Asterisk 22.10.1 answers a binary resource `406 Not Acceptable`. The take is
        // checked from the recording directory instead.
        Transport::WebSocket => {
            assert_status(file, 406);
            let dir = instance_dir("Spool directory").await.join("recording");
            std::fs::read(dir.join(format!("{name}.wav"))).unwrap()
        }
    };
    check_take(&file);

    // Copied: a second stored recording with the same file.
    let copy = RecordingName::new(ctx.id("copy"));
    let copied = recordings.copy_stored(&name, copy.clone()).await.unwrap();
    assert_eq!(copied.name, copy);
    assert_eq!(recordings.get_stored(&copy).await.unwrap().format, "wav");
    assert_status(recordings.copy_stored(&name, copy.clone()).await, 409);
    if ctx.transport == Transport::Http {
        assert_eq!(
            recordings.get_stored_file(&copy).await.unwrap(),
            recordings.get_stored_file(&name).await.unwrap()
        );
    }

    // Deleted: gone.
    for recording in [&name, &copy] {
        recordings.delete_stored(recording).await.unwrap();
        assert_status(recordings.get_stored(recording).await, 404);
    }
    let stored = recordings.list_stored().await.unwrap();
    assert!(!stored.iter().any(|r| r.name == name || r.name == copy));
    assert_status(recordings.delete_stored(&name).await, 404);

    // Cancelled: the recording ends and leaves no file.
    let cancelled = RecordingName::new(ctx.id("cancelled"));
    client
        .bridges()
        .record(&bridge, cancelled.clone(), "wav")
        .await
        .unwrap();
    ctx.wait(
        "RecordingStarted (to cancel)",
        |e| matches!(e, Event::RecordingStarted(r) if r.recording.name == cancelled),
    )
    .await;
    recordings.cancel(&cancelled).await.unwrap();
    let ended = ctx
        .wait("the cancelled recording's end", |e| {
            matches!(e, Event::RecordingFinished(r) if r.recording.name == cancelled)
                || matches!(e, Event::RecordingFailed(r) if r.recording.name == cancelled)
        })
        .await;
    assert!(
        matches!(ended, Event::RecordingFinished(_)),
        "a cancelled recording should finish: {ended:?}"
    );
    // (Asterisk 22.10.1 reports it "done", not "canceled": the state set by the cancel is
    // overwritten when the recording ends.) Its file is deleted.
    assert_status(recordings.get_stored(&cancelled).await, 404);
    assert_status(recordings.cancel(&cancelled).await, 404);

    // Failed: a channel in a bridge cannot be recorded by itself.
    let channel = ctx.originate_into_app("bridged", "wait").await;
    client
        .bridges()
        .add_channel(&bridge, [&channel])
        .await
        .unwrap();
    let doomed = RecordingName::new(ctx.id("doomed"));
    client
        .channels()
        .record(&channel, doomed.clone(), "wav")
        .await
        .unwrap();
    let Event::RecordingFailed(failed) = ctx
        .wait(
            "RecordingFailed",
            |e| matches!(e, Event::RecordingFailed(r) if r.recording.name == doomed),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(failed.recording.state, RecordingState::Failed);
    assert_eq!(
        failed.recording.cause.as_deref(),
        Some("Cannot record channel while in bridge")
    );

    client.bridges().destroy(&bridge).await.unwrap();
    ctx.hang_up(&[&channel]).await;
}

/// The file of the take: a WAV of the tone with the muted stretch (0.8 s) as digital
/// silence, and the tone around it.
fn check_take(file: &[u8]) {
    let samples = wav_samples(file).unwrap_or_else(|why| panic!("{why}"));
    let seconds = samples.len() as f64 / 8000.0;
    // 0.4 + 0.8 + 0.4 + 0.3 s recorded (the 0.3 s paused are not), give or take.
    assert!((1.4..3.5).contains(&seconds), "{seconds} s recorded");
    let silence = longest_silence(&samples);
    assert!(
        (4000..=9600).contains(&silence),
        "the muted 0.8 s should be silence: the longest silence is {silence} samples"
    );
    let loud = samples.iter().filter(|s| s.unsigned_abs() > 1000).count();
    assert!(loud > 4000, "only {loud} loud samples: where is the tone?");
}
