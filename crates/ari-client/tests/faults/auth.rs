//! Refused credentials: reported as such, at once, and never retried.

use std::time::{Duration, Instant};

use ari_client::Method;

use crate::support::{
    APP, FakeAri, assert_error_has_no_secret, expect_end, expect_event, next_item, test_event,
};

#[tokio::test]
async fn wrong_password_at_the_websocket_upgrade_fails_at_once_without_retrying() {
    let server = FakeAri::start().await;
    let client = server
        .builder_with_password("not-the-password")
        .build()
        .unwrap();

    let started = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(5), client.events([APP]).connect())
        .await
        .expect("connect() hung")
        .expect_err("connect() succeeded with a wrong password");

    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.upgrade_attempts(), 1);
    assert_error_has_no_secret(&err);
}

#[tokio::test]
async fn wrong_password_on_http_is_an_auth_error_after_one_request() {
    let server = FakeAri::start().await;
    let client = server
        .builder_with_password("not-the-password")
        .build()
        .unwrap();

    let err = client
        .request(Method::Get, "asterisk/info", &[], None)
        .await
        .expect_err("request succeeded with a wrong password");

    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.http_requests(), 1);
    assert_error_has_no_secret(&err);
}

#[tokio::test]
async fn password_changed_while_reconnecting_ends_the_stream_with_an_auth_error() {
    let server = FakeAri::start().await;
    let mut stream = server
        .client()
        .events([APP])
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
        .connect()
        .await
        .unwrap();
    let conn = server.next_ws().await;
    conn.send(test_event(1));
    expect_event(&mut stream, 1).await;

    server.set_password("rotated-password");
    conn.reset();

    let err = next_item(&mut stream)
        .await
        .expect_err("expected an error after the password changed");
    assert!(err.is_auth(), "{err:?}");
    assert_error_has_no_secret(&err);
    expect_end(&mut stream).await;
    // One refused attempt, no retries with credentials known to be wrong.
    assert_eq!(server.upgrade_attempts(), 2);
}
