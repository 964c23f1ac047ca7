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
