//! What the fault tests share: the fake server, waiting with deadlines, and a secret check.

mod fake_ari;

use std::time::Duration;

use ari_client::Event;
use ari_client::events::{EventStream, Message};
use base64::Engine as _;
use futures_util::StreamExt as _;

pub(crate) use fake_ari::{FakeAri, HttpReply, PASSWORD, USER, Upgrade, WsConn};

/// The longest a test waits for something that should happen.
pub(crate) const DEADLINE: Duration = Duration::from_secs(5);

/// The application name every test stream registers.
pub(crate) const APP: &str = "faults";

/// A small event of a type Asterisk does not have, numbered so order can be checked.
pub(crate) fn test_event(seq: u64) -> String {
    format!(r#"{{"type":"FaultTest","application":"faults","seq":{seq}}}"#)
}

/// The `seq` of a [`test_event`], if `message` is one.
pub(crate) fn seq_of(message: &Message) -> Option<u64> {
    match message.as_event()? {
        Event::Unknown(raw) if raw["type"] == "FaultTest" => raw["seq"].as_u64(),
        _ => None,
    }
}

/// The next item of the stream, failing the test after [`DEADLINE`] or at the end.
pub(crate) async fn next_item(stream: &mut EventStream) -> ari_client::Result<Message> {
    tokio::time::timeout(DEADLINE, stream.next())
        .await
        .unwrap_or_else(|_| panic!("the event stream yielded nothing within {DEADLINE:?}"))
        .expect("the event stream ended")
}

/// The next item, which must be `Ok`.
pub(crate) async fn next_message(stream: &mut EventStream) -> Message {
    match next_item(stream).await {
        Ok(message) => message,
        Err(err) => panic!("the event stream yielded an error: {err:#?}"),
    }
}

/// The next item, which must be the test event `seq`.
pub(crate) async fn expect_event(stream: &mut EventStream, seq: u64) {
    let message = next_message(stream).await;
    assert_eq!(
        seq_of(&message),
        Some(seq),
        "expected event {seq}, got {message:?}"
    );
}

/// The next item, which must be a reconnect marker; returns its attempts.
pub(crate) async fn expect_reconnected(stream: &mut EventStream) -> u32 {
    match next_message(stream).await {
        Message::Reconnected { attempts, .. } => attempts,
        other => panic!("expected a reconnect marker, got {other:?}"),
    }
}

/// Waits for the end of the stream, failing the test after [`DEADLINE`].
pub(crate) async fn expect_end(stream: &mut EventStream) {
    let end = tokio::time::timeout(DEADLINE, stream.next())
        .await
        .unwrap_or_else(|_| panic!("the event stream did not end within {DEADLINE:?}"));
    assert!(end.is_none(), "expected the end of the stream, got {end:?}");
}

/// Fails the test if the password (plain or inside a Basic header) shows up in `text`.
pub(crate) fn assert_no_secret(text: &str) {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    for secret in [PASSWORD, basic.as_str()] {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}

/// Checks every rendering of an error, and of its sources, for the password.
pub(crate) fn assert_error_has_no_secret(err: &ari_client::Error) {
    assert_no_secret(&format!("{err} | {err:#} | {err:?} | {err:#?}"));
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        assert_no_secret(&format!("{inner} | {inner:?}"));
        source = inner.source();
    }
}
