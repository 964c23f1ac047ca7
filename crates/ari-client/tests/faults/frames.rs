//! Frames the library does not understand: kept raw, never fatal.

use ari_client::Event;
use serde_json::json;

use crate::support::{APP, FakeAri, expect_event, next_message, test_event};

#[tokio::test]
async fn malformed_and_unknown_frames_are_kept_raw_and_the_stream_goes_on() {
    let server = FakeAri::start().await;
    let mut stream = server.client().events([APP]).connect().await.unwrap();
    let conn = server.next_ws().await;

    let malformed = r#"{"type":"StasisStart","channel":{"id":"#;
    conn.send(malformed);
    conn.send(r#"{"type":"BrandNewEvent","application":"faults","detail":{"x":1}}"#);
    conn.send("[1,2,3]");
    conn.send("");
    // A known type that does not fit its shape (no channel).
    conn.send(r#"{"type":"StasisStart","application":"faults","args":[]}"#);
    conn.send(test_event(1));

    match next_message(&mut stream).await.into_event() {
        Some(Event::Unknown(serde_json::Value::String(raw))) => assert_eq!(raw, malformed),
        other => panic!("expected the malformed frame kept as raw text, got {other:?}"),
    }
    match next_message(&mut stream).await.into_event() {
        Some(Event::Unknown(raw)) => {
            assert_eq!(raw["type"], "BrandNewEvent");
            assert_eq!(raw["detail"], json!({"x": 1}));
        }
        other => panic!("expected the unknown event kept as raw JSON, got {other:?}"),
    }
    match next_message(&mut stream).await.into_event() {
        Some(Event::Unknown(raw)) => assert_eq!(raw, json!([1, 2, 3])),
        other => panic!("expected a non-object frame kept raw, got {other:?}"),
    }
    match next_message(&mut stream).await.into_event() {
        Some(Event::Unknown(raw)) => assert_eq!(raw, json!("")),
        other => panic!("expected an empty frame kept raw, got {other:?}"),
    }
    match next_message(&mut stream).await.into_event() {
        Some(Event::Unknown(raw)) => {
            assert_eq!(
                raw,
                json!({"type": "StasisStart", "application": "faults", "args": []})
            );
        }
        other => panic!("expected a misshapen known event kept raw, got {other:?}"),
    }
    expect_event(&mut stream, 1).await;
}

#[tokio::test]
async fn a_stray_rest_response_does_not_break_the_stream() {
    let server = FakeAri::start().await;
    let mut stream = server.client().events([APP]).connect().await.unwrap();
    let conn = server.next_ws().await;

    // An answer to a request this client never made: delivered like any other frame.
    conn.send_json(json!({
        "type": "RESTResponse",
        "transaction_id": "nobody-asked",
        "request_id": "nobody-asked",
        "status_code": 200,
        "reason_phrase": "OK",
        "message_body": "{}",
    }));
    conn.send(test_event(2));

    let message = next_message(&mut stream).await;
    assert!(message.as_event().is_some(), "{message:?}");
    expect_event(&mut stream, 2).await;
}

/// The router reads most frames' keys without decoding them; the others (an unknown type, an
/// escaped id, malformed text) it decodes itself. Either way each subscriber gets what its
/// filter selects, in order, and a frame that does not fit its type still reaches the channel
/// it names.
#[tokio::test]
async fn the_router_routes_frames_it_cannot_read_fast_as_well_as_the_others() {
    use ari_client::events::{Filter, Message, Subscription};
    use ari_client::ids::ChannelId;
    use futures_util::StreamExt as _;

    async fn next(subscription: &mut Subscription) -> Message {
        match tokio::time::timeout(crate::support::DEADLINE, subscription.next()).await {
            Ok(Some(Ok(message))) => message,
            other => panic!("expected a message, got {other:?}"),
        }
    }
    fn channel_of(message: &Message) -> Option<String> {
        message.as_event()?.channel_id().map(ToString::to_string)
    }
    fn type_of(message: &Message) -> String {
        match message.as_event() {
            Some(Event::Unknown(serde_json::Value::String(_))) => "<text>".to_owned(),
            Some(event) => event.event_type().to_owned(),
            None => format!("{message:?}"),
        }
    }
    async fn types(subscription: &mut Subscription, count: usize) -> Vec<String> {
        let mut seen = Vec::new();
        for _ in 0..count {
            seen.push(type_of(&next(subscription).await));
        }
        seen
    }

    let server = FakeAri::start().await;
    let router = server
        .client()
        .events([APP])
        .connect_router()
        .await
        .unwrap();
    let mut all = router.subscribe(Filter::All);
    let mut app = router.subscribe(Filter::Application(APP.to_owned()));
    let mut channel = router.subscribe(Filter::Channel(ChannelId::new("c1")));
    let conn = server.next_ws().await;

    let dtmf = include_str!("../fixtures/events/channel_dtmf_received.json")
        .replace("1763926530.17", "c1")
        .replace(r#""application":"hello""#, r#""application":"faults""#);
    let escaped = dtmf.replace(r#""id":"c1""#, r#""id":"c\u0031""#);
    assert_ne!(escaped, dtmf);
    let frames = [
        r#"{"type":"StasisStart","channel":{"id":"#.to_owned(),
        r#"{"type":"BrandNewEvent","application":"faults","channel":{"id":"c1"}}"#.to_owned(),
        escaped,
        r#"{"type":"ChannelDtmfReceived","application":"faults","channel":{"id":"c1"}}"#.to_owned(),
        dtmf,
        test_event(1),
    ];
    for frame in frames {
        conn.send(frame);
    }

    assert_eq!(
        types(&mut all, 6).await,
        [
            "<text>",
            "BrandNewEvent",
            "ChannelDtmfReceived",
            "ChannelDtmfReceived",
            "ChannelDtmfReceived",
            "FaultTest"
        ]
    );
    assert_eq!(
        types(&mut app, 5).await,
        [
            "BrandNewEvent",
            "ChannelDtmfReceived",
            "ChannelDtmfReceived",
            "ChannelDtmfReceived",
            "FaultTest"
        ]
    );
    // The escaped id, decoded by the router; the misfit, routed by the id it carries and
    // handed over raw; the plain frame, decoded by the subscriber.
    let escaped = next(&mut channel).await;
    assert_eq!(channel_of(&escaped).as_deref(), Some("c1"));
    let misfit = next(&mut channel).await;
    assert!(matches!(misfit.as_event(), Some(Event::Unknown(raw)) if raw["channel"]["id"] == "c1"));
    let plain = next(&mut channel).await;
    assert!(matches!(plain.as_event(), Some(Event::ChannelDtmfReceived(e)) if e.digit == "#"));
    assert_eq!(escaped.as_event(), plain.as_event());
}
