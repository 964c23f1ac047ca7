//! The recorded corpus (`corpus/events.jsonl`, frames of a real Asterisk 22): every frame
//! decodes into its typed variant, and every event survives encoding and decoding again.
#![allow(
    clippy::unwrap_used,
    reason = "helpers of tests: a failed step is a failed test, with its message"
)]

use std::collections::BTreeMap;

use ari_client::events::{decode_event, try_decode_event};

fn corpus() -> Vec<String> {
    let frames = ari_benches::corpus().unwrap();
    assert!(frames.len() >= 5_000, "only {} frames", frames.len());
    frames
}

/// The `type` the frame declares.
fn declared_type(frame: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(frame).unwrap();
    value["type"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn every_frame_decodes_into_its_typed_variant() {
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    for (n, frame) in corpus().iter().enumerate() {
        let event = match try_decode_event(frame) {
            Ok(event) => event,
            Err(err) => panic!("frame {} does not fit its type: {err}\n{frame}", n + 1),
        };
        assert!(!event.is_unknown(), "frame {} is Unknown:\n{frame}", n + 1);
        assert_eq!(event.event_type(), declared_type(frame), "frame {}", n + 1);
        *types.entry(event.event_type().to_owned()).or_default() += 1;
    }
    assert!(
        types.len() >= 25,
        "only {} event types: {types:?}",
        types.len()
    );
}

#[test]
fn every_event_round_trips_through_json() {
    for (n, frame) in corpus().iter().enumerate() {
        let event = decode_event(frame);
        let encoded = serde_json::to_string(&event).unwrap();
        let again = decode_event(&encoded);
        assert_eq!(again, event, "frame {} changed:\n{frame}\n{encoded}", n + 1);
    }
}

#[test]
fn encoding_keeps_every_field_asterisk_sent() {
    for (n, frame) in corpus().iter().enumerate() {
        let sent: serde_json::Value = serde_json::from_str(frame).unwrap();
        let encoded = serde_json::to_value(decode_event(frame)).unwrap();
        assert_eq!(encoded, sent, "frame {} lost or changed a field", n + 1);
    }
}

/// The event of `frame` through serde: the derived `Deserialize` of its type's struct.
fn with_serde(event_type: &str, frame: &str) -> ari_client::Event {
    use ari_client::{Event, models};
    macro_rules! by_type {
        ($($name:ident),* $(,)?) => {
            match event_type {
                $(stringify!($name) => {
                    Event::$name(Box::new(serde_json::from_str::<models::$name>(frame).unwrap()))
                })*
                other => panic!("unexpected event type {other}"),
            }
        };
    }
    by_type!(
        DeviceStateChanged,
        PlaybackStarted,
        PlaybackContinuing,
        PlaybackFinished,
        RecordingStarted,
        RecordingFinished,
        RecordingFailed,
        ApplicationMoveFailed,
        ApplicationRegistered,
        ApplicationUnregistered,
        ApplicationReplaced,
        BridgeCreated,
        BridgeDestroyed,
        BridgeMerged,
        BridgeBlindTransfer,
        BridgeAttendedTransfer,
        BridgeVideoSourceChanged,
        ChannelCreated,
        ChannelDestroyed,
        ChannelEnteredBridge,
        ChannelLeftBridge,
        ChannelStateChange,
        ChannelDtmfReceived,
        ChannelDialplan,
        ChannelCallerId,
        ChannelUserevent,
        ChannelHangupRequest,
        ChannelVarset,
        ChannelToneDetected,
        ChannelTalkingStarted,
        ChannelTalkingFinished,
        ChannelHold,
        ChannelUnhold,
        ContactStatusChange,
        EndpointStateChange,
        Dial,
        StasisEnd,
        StasisStart,
        TextMessageReceived,
        ChannelConnectedLine,
        PeerStatusChange,
        ChannelTransfer,
        RESTResponse,
        CallBroadcast,
        CallClaimed,
    )
}

/// `decode_event` reads Asterisk's frames with its own fast reader; it must give exactly what
/// serde's derived `Deserialize` of the event's struct gives.
#[test]
fn decoding_gives_what_serde_gives() {
    for (n, frame) in corpus().iter().enumerate() {
        let event = decode_event(frame);
        let expected = with_serde(&declared_type(frame), frame);
        assert_eq!(
            event,
            expected,
            "frame {} decodes differently:\n{frame}",
            n + 1
        );
    }
}
