//! Losing the event WebSocket: noticed, retried with backoff, marked, or given up on.

use std::time::{Duration, Instant};

use ari_client::Method;
use ari_client::events::{EventStreamBuilder, Message};

use crate::support::{
    APP, FakeAri, Upgrade, assert_error_has_no_secret, expect_end, expect_event,
    expect_reconnected, next_item, test_event,
};

/// A stream that retries quickly, so the tests stay fast.
fn quick(server: &FakeAri) -> EventStreamBuilder {
    server
        .client()
        .events([APP])
        .backoff(Duration::from_millis(10), Duration::from_millis(40))
}

#[tokio::test]
async fn a_close_from_the_server_is_followed_by_a_marker_and_new_events() {
    let server = FakeAri::start().await;
    let mut stream = quick(&server).connect().await.unwrap();
    let conn = server.next_ws().await;
    conn.send(test_event(1));
    expect_event(&mut stream, 1).await;

    conn.close();
    assert!(expect_reconnected(&mut stream).await >= 1);
    let conn = server.next_ws().await;
    conn.send(test_event(2));
    expect_event(&mut stream, 2).await;
}

#[tokio::test]
async fn a_reset_connection_is_followed_by_a_marker_and_new_events() {
    let server = FakeAri::start().await;
    let mut stream = quick(&server).connect().await.unwrap();
    let conn = server.next_ws().await;

    conn.reset();
    assert!(expect_reconnected(&mut stream).await >= 1);
    let conn = server.next_ws().await;
    conn.send(test_event(7));
    expect_event(&mut stream, 7).await;
    assert_eq!(server.upgrade_attempts(), 2);
}

#[tokio::test]
async fn a_silent_peer_is_detected_by_the_idle_timeout() {
    let server = FakeAri::start().await;
    let mut stream = quick(&server)
        .ping_interval(Duration::from_millis(200))
        .idle_timeout(Duration::from_millis(600))
        .connect()
        .await
        .unwrap();
    let conn = server.next_ws().await;
    conn.send(test_event(1));
    expect_event(&mut stream, 1).await;

    let silent_since = Instant::now();
    conn.go_silent().await;
    // Within two idle periods in spirit; the deadline is generous for a loaded machine.
    assert!(expect_reconnected(&mut stream).await >= 1);
    let detected_after = silent_since.elapsed();
    // The last pong may have come up to a ping interval before the silence began.
    assert!(
        detected_after >= Duration::from_millis(300),
        "reconnected after {detected_after:?}, before the idle timeout could expire"
    );
    let conn = server.next_ws().await;
    conn.send(test_event(2));
    expect_event(&mut stream, 2).await;
}

#[tokio::test]
async fn a_silent_peer_is_detected_even_while_a_write_is_stuck() {
    // The peer stops reading, so a large REST request fills the TCP buffers and its write
    // cannot finish. The idle timeout must still end the connection.
    let server = FakeAri::start().await;
    let mut stream = quick(&server)
        .ping_interval(Duration::from_millis(200))
        .idle_timeout(Duration::from_millis(600))
        .connect()
        .await
        .unwrap();
    let conn = server.next_ws().await;
    conn.go_silent().await;
    let rest = stream.rest_client();
    let big = serde_json::Value::String("x".repeat(16 << 20));
    let call = tokio::spawn(async move {
        rest.request(Method::Post, "channels/abc/variable", &[], Some(big))
            .await
    });

    assert!(expect_reconnected(&mut stream).await >= 1);
    let err = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("the stuck request never finished")
        .unwrap()
        .expect_err("a request to a silent peer succeeded");
    // Part of it may have been written: its outcome is unknown (a timeout says the same).
    assert!(err.is_outcome_unknown(), "{err:?}");
}

#[tokio::test]
async fn a_long_outage_is_retried_until_the_server_is_back() {
    let server = FakeAri::start().await;
    let mut stream = quick(&server).connect().await.unwrap();
    let conn = server.next_ws().await;

    server.script_upgrades([Upgrade::Refuse; 5]);
    conn.reset();

    let (down_for, attempts) = match crate::support::next_message(&mut stream).await {
        Message::Reconnected { down_for, attempts } => (down_for, attempts),
        other => panic!("expected a reconnect marker, got {other:?}"),
    };
    assert_eq!(attempts, 6, "five refused attempts and the one that worked");
    // At least the five backoff waits of 10, 20, 40, 40 and 40 ms.
    assert!(
        down_for >= Duration::from_millis(150),
        "down for {down_for:?}"
    );
    assert_eq!(server.upgrade_attempts(), 7);
    let conn = server.next_ws().await;
    conn.send(test_event(3));
    expect_event(&mut stream, 3).await;
}

#[tokio::test]
async fn max_attempts_gives_up_with_an_error_after_that_many_failures() {
    let server = FakeAri::start().await;
    let mut stream = quick(&server).max_attempts(3).connect().await.unwrap();
    let conn = server.next_ws().await;

    server.set_default_upgrade(Upgrade::Refuse);
    conn.close();

    let err = next_item(&mut stream)
        .await
        .expect_err("expected an error once the attempts ran out");
    assert!(!err.is_auth(), "{err:?}");
    assert!(err.is_connect(), "{err:?}");
    assert_error_has_no_secret(&err);
    expect_end(&mut stream).await;
    assert_eq!(server.upgrade_attempts(), 1 + 3);
}

#[tokio::test]
async fn max_attempts_counts_hanging_handshakes_too() {
    let server = FakeAri::start().await;
    let client = server
        .builder()
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut stream = client
        .events([APP])
        .backoff(Duration::from_millis(10), Duration::from_millis(40))
        .max_attempts(2)
        .connect()
        .await
        .unwrap();
    let conn = server.next_ws().await;

    server.set_default_upgrade(Upgrade::Hang);
    conn.reset();

    let err = next_item(&mut stream)
        .await
        .expect_err("expected an error once the attempts ran out");
    assert!(err.is_timeout(), "{err:?}");
    expect_end(&mut stream).await;
    assert_eq!(server.upgrade_attempts(), 1 + 2);
}

#[tokio::test]
async fn connecting_to_a_server_that_never_answers_the_upgrade_times_out() {
    let server = FakeAri::start().await;
    server.set_default_upgrade(Upgrade::Hang);
    let client = server
        .builder()
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let err = tokio::time::timeout(Duration::from_secs(5), client.events([APP]).connect())
        .await
        .expect("connect() outlived its connect timeout")
        .expect_err("connected to a server that never answered");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(server.upgrade_attempts(), 1);
}

#[tokio::test]
async fn dropping_the_stream_closes_the_websocket() {
    let server = FakeAri::start().await;
    let stream = quick(&server).connect().await.unwrap();
    let mut conn = server.next_ws().await;

    drop(stream);
    conn.wait_closed().await;
    assert_eq!(server.upgrade_attempts(), 1);
}
