//! Plain HTTP requests against a server that stalls, dawdles or says no.

use std::time::Duration;

use ari_client::Method;
use serde_json::json;

use crate::support::{DEADLINE, FakeAri, HttpReply, assert_error_has_no_secret};

fn with_timeout(server: &FakeAri, timeout: Duration) -> ari_client::Client {
    server.builder().request_timeout(timeout).build().unwrap()
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = FakeAri::start().await;
    server.on_http(|_| HttpReply::Hang);
    let client = with_timeout(&server, Duration::from_millis(300));

    let err = tokio::time::timeout(
        DEADLINE,
        client.request(Method::Get, "asterisk/info", &[], None),
    )
    .await
    .expect("the request timeout did not fire")
    .expect_err("a request to a mute server succeeded");

    assert!(err.is_timeout(), "{err:?}");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(server.http_requests(), 1);
    assert_error_has_no_secret(&err);
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_times_out() {
    let server = FakeAri::start().await;
    server.on_http(|_| HttpReply::json(200, "{}").delayed(Duration::from_secs(3)));
    let client = with_timeout(&server, Duration::from_millis(300));

    let err = tokio::time::timeout(
        DEADLINE,
        client.request(Method::Get, "asterisk/info", &[], None),
    )
    .await
    .expect("the request timeout did not fire")
    .expect_err("a request slower than its timeout succeeded");

    assert!(err.is_timeout(), "{err:?}");
    assert_error_has_no_secret(&err);
}

#[tokio::test]
async fn an_answer_within_the_timeout_arrives() {
    let server = FakeAri::start().await;
    server.on_http(|_| HttpReply::json(200, r#"{"ok":true}"#).delayed(Duration::from_millis(50)));
    let client = with_timeout(&server, Duration::from_secs(2));

    let response = client
        .request(Method::Get, "asterisk/info", &[], None)
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.json().unwrap(), json!({"ok": true}));
}

#[tokio::test]
async fn a_connection_reset_after_the_request_was_sent_has_an_unknown_outcome() {
    let server = FakeAri::start().await;
    server.on_http(|_| HttpReply::Reset);

    let err = tokio::time::timeout(
        DEADLINE,
        server
            .client()
            .request(Method::Post, "channels/c1/answer", &[], None),
    )
    .await
    .expect("a reset connection hung the request")
    .expect_err("a request whose connection was reset succeeded");

    assert!(err.is_connect(), "{err:?}");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(!err.is_timeout(), "{err:?}");
    assert_eq!(server.http_requests(), 1, "a POST must not be retried");
    assert_error_has_no_secret(&err);
}

#[tokio::test]
async fn a_success_whose_body_is_not_json_keeps_the_body() {
    let server = FakeAri::start().await;
    server.on_http(|_| HttpReply::json(200, "{\"id\": truncated"));

    let response = server
        .client()
        .request(Method::Get, "channels/c1", &[], None)
        .await
        .unwrap();
    let err = response.json().expect_err("garbage parsed as JSON");
    assert!(err.is_decode(), "{err:?}");
    match err.kind() {
        ari_client::ErrorKind::Decode { body, .. } => assert_eq!(body, "{\"id\": truncated"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_404_carries_asterisks_message() {
    let server = FakeAri::start().await;
    server.on_http(|_| HttpReply::json(404, r#"{"message":"Channel not found"}"#));

    let err = server
        .client()
        .request(Method::Post, "channels/gone/answer", &[], None)
        .await
        .expect_err("a 404 was taken for success");

    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.message(), Some("Channel not found"));
    assert!(!err.is_outcome_unknown());
    assert_error_has_no_secret(&err);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].target, "channels/gone/answer");
}

#[tokio::test]
async fn a_500_with_a_plain_text_body_keeps_the_text() {
    let server = FakeAri::start().await;
    server.on_http(|_| HttpReply::text(500, "internal meltdown: dialplan on fire\n"));

    let err = server
        .client()
        .request(Method::Get, "asterisk/info", &[], None)
        .await
        .expect_err("a 500 was taken for success");

    assert_eq!(err.status(), Some(500));
    assert!(!err.is_not_found());
    assert_eq!(err.message(), Some("internal meltdown: dialplan on fire"));
    assert!(err.to_string().contains("internal meltdown"), "{err}");
    assert_error_has_no_secret(&err);
}

#[tokio::test]
async fn query_and_body_reach_the_server() {
    let server = FakeAri::start().await;
    server.on_http(|_| HttpReply::json(200, r#"{"id":"c1"}"#));

    let response = server
        .client()
        .request(
            Method::Post,
            "/channels",
            &[
                ("endpoint".to_owned(), "PJSIP/101".to_owned()),
                ("app".to_owned(), "faults test".to_owned()),
            ],
            Some(json!({"variables": {"X": "1"}})),
        )
        .await
        .unwrap();
    assert_eq!(response.json().unwrap(), json!({"id": "c1"}));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].target,
        "channels?endpoint=PJSIP%2F101&app=faults+test"
    );
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body, json!({"variables": {"X": "1"}}));
}

#[tokio::test]
async fn a_refused_tcp_connection_is_a_connect_error_that_was_not_sent() {
    // Bind a port, then free it: nothing listens there any more.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = ari_client::Client::builder()
        .base_url(format!("http://127.0.0.1:{port}/ari"))
        .credentials(crate::support::USER, crate::support::PASSWORD)
        .build()
        .unwrap();

    let err = tokio::time::timeout(
        DEADLINE,
        client.request(Method::Get, "asterisk/info", &[], None),
    )
    .await
    .expect("connecting to a closed port hung")
    .expect_err("a request to a closed port succeeded");
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.is_outcome_unknown(), "{err:?}");
    assert_error_has_no_secret(&err);
    // Its sources say what to check, on HTTP and on the event WebSocket.
    let says_is_asterisk_running = |err: &ari_client::Error| {
        let source = std::error::Error::source(err).map(ToString::to_string);
        source.is_some_and(|text| text.contains("is Asterisk running"))
    };
    assert!(says_is_asterisk_running(&err), "{err:?}");
    let err = client.events(["faults"]).connect().await.unwrap_err();
    assert!(says_is_asterisk_running(&err), "{err:?}");
}
