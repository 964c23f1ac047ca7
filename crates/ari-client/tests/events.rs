//! Decoding a hand-written corpus of event frames, as Asterisk 22 writes them, into typed
//! events; encoding them back.

use ari_client::events::{decode_event, try_decode_event};
use ari_client::models::{ChannelState, DeviceStateValue, PlaybackState};
use ari_client::{Event, inventory};
use serde_json::Value;

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("fixtures/events/", $name, ".json")),
        )
    };
}

/// Frames of known types whose every field is known to this version.
const TYPED: &[(&str, &str)] = &[
    fixture!("stasis_start"),
    fixture!("stasis_end"),
    fixture!("channel_state_change"),
    fixture!("channel_dtmf_received"),
    fixture!("channel_hangup_request"),
    fixture!("channel_destroyed"),
    fixture!("channel_varset_global"),
    fixture!("bridge_created"),
    fixture!("channel_entered_bridge"),
    fixture!("playback_finished"),
    fixture!("recording_finished"),
    fixture!("dial"),
    fixture!("channel_transfer"),
    fixture!("device_state_changed"),
    fixture!("endpoint_state_change"),
    fixture!("channel_userevent"),
    fixture!("application_replaced"),
    fixture!("channel_talking_finished"),
];

const UNKNOWN_TYPE: &str = include_str!("fixtures/events/unknown_type.json");
const EXTRA_FIELDS: &str = include_str!("fixtures/events/extra_fields.json");
const MISFIT: &str = include_str!("fixtures/events/known_type_misfit.json");

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad fixture: {e}"))
}

#[test]
fn every_fixture_decodes_to_its_typed_variant() {
    for (name, text) in TYPED {
        let event = try_decode_event(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!event.is_unknown(), "{name} decoded as Unknown");
        assert_eq!(event.event_type(), json(text)["type"], "{name}");
        assert_eq!(event.application(), Some("hello"), "{name}");
        assert_eq!(event.asterisk_id(), Some("02:42:ac:11:00:02"), "{name}");
        let timestamp = event
            .timestamp()
            .unwrap_or_else(|| panic!("{name}: no timestamp"));
        assert_eq!(json(text)["timestamp"], timestamp.to_string(), "{name}");
        assert!(
            inventory::EVENT_TYPES.contains(&event.event_type()),
            "{name}"
        );
    }
}

#[test]
fn typed_fields_are_reachable() {
    let start = decode_event(TYPED[0].1);
    let Event::StasisStart(start) = start else {
        panic!("not a StasisStart: {start:?}")
    };
    assert_eq!(start.args, ["inbound", "7"]);
    assert_eq!(start.channel.id, "1763926530.17");
    assert_eq!(start.channel.state, ChannelState::Up);
    assert_eq!(start.channel.caller.number, "101");
    assert_eq!(start.channel.dialplan.priority, 2);
    assert_eq!(start.channel.tenantid, None);
    assert_eq!(
        start.channel.creationtime.to_datetime().timestamp_millis(),
        1_795_462_530_401
    );

    let dtmf = decode_event(fixture!("channel_dtmf_received").1);
    match &dtmf {
        Event::ChannelDtmfReceived(d) => {
            assert_eq!(d.digit, "#");
            assert_eq!(d.duration_ms, 160);
        }
        other => panic!("{other:?}"),
    }

    match decode_event(fixture!("channel_state_change").1) {
        Event::ChannelStateChange(change) => {
            assert_eq!(change.channel.state, ChannelState::Ringing);
            let vars = change.channel.channelvars.unwrap();
            assert_eq!(vars["CALLERID(num)"], "600");
        }
        other => panic!("{other:?}"),
    }

    match decode_event(fixture!("playback_finished").1) {
        Event::PlaybackFinished(p) => {
            assert_eq!(p.playback.state, PlaybackState::Done);
            assert_eq!(p.playback.id, "pb-6f1d");
            assert_eq!(p.playback.next_media_uri, None);
        }
        other => panic!("{other:?}"),
    }

    match decode_event(fixture!("device_state_changed").1) {
        Event::DeviceStateChanged(d) => {
            assert_eq!(d.device_state.state, DeviceStateValue::Inuse);
            assert_eq!(d.device_state.name, "Stasis:desk-1");
        }
        other => panic!("{other:?}"),
    }

    match decode_event(fixture!("channel_userevent").1) {
        Event::ChannelUserevent(u) => {
            assert_eq!(u.eventname, "score");
            assert_eq!(u.userevent["nested"]["a"][1], 2);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn channel_and_bridge_ids_are_found() {
    let ids = |name: &str| {
        let (_, text) = TYPED.iter().find(|(n, _)| *n == name).unwrap();
        let event = decode_event(text);
        (
            event.channel_id().map(|c| c.as_str().to_owned()),
            event.bridge_id().map(|b| b.as_str().to_owned()),
        )
    };
    assert_eq!(ids("stasis_start").0.as_deref(), Some("1763926530.17"));
    // No top-level channel: the channel that sent the REFER.
    assert_eq!(ids("channel_transfer").0.as_deref(), Some("1763926530.17"));
    // The dialed channel.
    assert_eq!(ids("dial").0.as_deref(), Some("1763926531.18"));
    // A global variable: no channel.
    assert_eq!(ids("channel_varset_global").0, None);
    assert_eq!(ids("device_state_changed").0, None);
    assert_eq!(
        ids("channel_entered_bridge").1.as_deref(),
        Some("b1d0c2a4-6f3e-4d5b-9c8a-1e2f3a4b5c6d")
    );
    assert_eq!(ids("stasis_start").1, None);
}

#[test]
fn channel_transfer_without_top_level_channel() {
    let event = decode_event(fixture!("channel_transfer").1);
    let Event::ChannelTransfer(transfer) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(transfer.state.as_deref(), Some("channel_progress"));
    assert_eq!(
        transfer
            .refer_to
            .requested_destination
            .destination
            .as_deref(),
        Some("sip:700@pbx.example")
    );
    assert_eq!(
        transfer.referred_by.source_channel.name,
        "PJSIP/alice-00000008"
    );
    assert_eq!(event.channel_id().unwrap(), "1763926530.17");
}

#[test]
fn encoding_round_trips() {
    for (name, text) in TYPED {
        let event = decode_event(text);
        let encoded = serde_json::to_string(&event).unwrap();
        // The same JSON as Asterisk sent: no field lost, timestamps in Asterisk's format.
        assert_eq!(json(&encoded), json(text), "{name}");
        // `type` comes first, so the fast path decodes our own output.
        assert!(encoded.starts_with("{\"type\":"), "{name}: {encoded}");
        assert_eq!(decode_event(&encoded), event, "{name}");
        // `Event: Deserialize` goes through the same path.
        let via_serde: Event = serde_json::from_str(&encoded).unwrap();
        assert_eq!(via_serde, event, "{name}");
        let via_value: Event = serde_json::from_value(json(text)).unwrap();
        assert_eq!(via_value, event, "{name}");
    }
}

#[test]
fn unknown_type_keeps_the_raw_json() {
    let event = decode_event(UNKNOWN_TYPE);
    assert_eq!(event, Event::Unknown(json(UNKNOWN_TYPE)));
    assert_eq!(event.event_type(), "ChannelHologramStarted");
    assert_eq!(event.application(), Some("hello"));
    assert_eq!(event.asterisk_id(), Some("02:42:ac:11:00:02"));
    assert_eq!(event.timestamp(), None);
    assert!(try_decode_event(UNKNOWN_TYPE).unwrap().is_unknown());
    assert_eq!(
        json(&serde_json::to_string(&event).unwrap()),
        json(UNKNOWN_TYPE)
    );
}

#[test]
fn extra_fields_and_new_enum_values_do_not_break_decoding() {
    let event = try_decode_event(EXTRA_FIELDS).unwrap();
    let Event::ChannelStateChange(change) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(
        change.channel.state,
        ChannelState::Other("Teleporting".to_owned())
    );
    assert_eq!(change.channel.state.as_str(), "Teleporting");
    assert_eq!(change.channel.tenantid.as_deref(), Some("acme"));
    // Re-encoding keeps the unknown enum value; unknown fields are dropped.
    let again = json(&serde_json::to_string(&event).unwrap());
    assert_eq!(again["channel"]["state"], "Teleporting");
    assert_eq!(again.get("sequence"), None);
}

#[test]
fn a_known_type_that_does_not_fit_is_not_lost() {
    let err = try_decode_event(MISFIT).unwrap_err();
    assert!(err.to_string().contains("channel"), "{err}");
    let event = decode_event(MISFIT);
    assert_eq!(event, Event::Unknown(json(MISFIT)));
    assert_eq!(event.event_type(), "StasisStart");
}

#[test]
fn event_structs_serialize_their_type() {
    let Event::ApplicationReplaced(replaced) = decode_event(fixture!("application_replaced").1)
    else {
        panic!()
    };
    let value = serde_json::to_value(&*replaced).unwrap();
    assert_eq!(value["type"], "ApplicationReplaced");
    assert_eq!(value["application"], "hello");
}
