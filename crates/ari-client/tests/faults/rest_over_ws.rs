//! REST over the event WebSocket: same answers as HTTP, and honest errors when the socket
//! breaks (*outcome unknown* once sent, *not sent* while reconnecting).

use std::time::{Duration, Instant};

use ari_client::events::EventStream;
use ari_client::{Client, Method, RawResponse};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::support::{
    APP, DEADLINE, FakeAri, HttpReply, Upgrade, WsConn, assert_error_has_no_secret, expect_event,
    test_event,
};

/// Starts `request` on `client` in the background.
fn spawn_request(
    client: &Client,
    method: Method,
    path: &'static str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> JoinHandle<ari_client::Result<RawResponse>> {
    let client = client.clone();
    let query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::spawn(async move { client.request(method, path, &query, body).await })
}

async fn finish(
    call: JoinHandle<ari_client::Result<RawResponse>>,
) -> ari_client::Result<RawResponse> {
    tokio::time::timeout(DEADLINE, call)
        .await
        .unwrap_or_else(|_| panic!("the request did not finish within {DEADLINE:?}"))
        .unwrap()
}

/// The `RESTResponse` Asterisk would send for `request`.
fn response(request: &Value, status: u16, reason: &str, body: Option<&str>) -> Value {
    let mut frame = json!({
        "type": "RESTResponse",
        "transaction_id": request["transaction_id"],
        "request_id": request["request_id"],
        "status_code": status,
        "reason_phrase": reason,
    });
    if let Some(body) = body {
        frame["content_type"] = "application/json".into();
        frame["message_body"] = body.into();
    }
    frame
}

async fn stream_of(client: &Client) -> EventStream {
    client
        .events([APP])
        .backoff(Duration::from_millis(10), Duration::from_millis(40))
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn answers_over_the_websocket_equal_those_over_http() {
    const CHANNEL: &str = r#"{"id":"c1","name":"PJSIP/101-00000001","state":"Up"}"#;
    let server = FakeAri::start().await;
    server.on_http(|req| match (req.method.as_str(), req.target.as_str()) {
        ("GET", "channels/c1") => HttpReply::json(200, CHANNEL),
        ("DELETE", "channels/c1?reason=normal") => HttpReply::Respond {
            status: 204,
            content_type: "application/json",
            body: String::new(),
            delay: Duration::ZERO,
        },
        _ => HttpReply::json(404, r#"{"message":"Channel not found"}"#),
    });
    let http = server.client();
    let stream = stream_of(&http).await;
    let mut conn = server.next_ws().await;
    let rest = stream.rest_client();
    assert!(rest.is_rest_over_websocket());
    assert!(!http.is_rest_over_websocket());

    // 200 with a body.
    let over_http = http
        .request(Method::Get, "channels/c1", &[], None)
        .await
        .unwrap();
    let call = spawn_request(&rest, Method::Get, "channels/c1", &[], None);
    let request = conn.recv_json().await;
    assert_eq!(request["type"], "RESTRequest");
    assert_eq!(request["method"], "GET");
    assert_eq!(request["uri"], "channels/c1");
    assert!(
        request["transaction_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    assert!(request.get("message_body").is_none(), "{request}");
    conn.send_json(response(&request, 200, "OK", Some(CHANNEL)));
    let over_ws = finish(call).await.unwrap();
    assert_eq!(
        (over_ws.status, &over_ws.body),
        (over_http.status, &over_http.body)
    );

    // 204 without a body, with a query.
    let over_http = http
        .request(
            Method::Delete,
            "channels/c1",
            &[("reason".to_owned(), "normal".to_owned())],
            None,
        )
        .await
        .unwrap();
    let call = spawn_request(
        &rest,
        Method::Delete,
        "channels/c1",
        &[("reason", "normal")],
        None,
    );
    let request = conn.recv_json().await;
    assert_eq!(request["method"], "DELETE");
    assert_eq!(request["uri"], "channels/c1?reason=normal");
    conn.send_json(response(&request, 204, "No Content", None));
    let over_ws = finish(call).await.unwrap();
    assert_eq!(
        (over_ws.status, &over_ws.body),
        (over_http.status, &over_http.body)
    );
    assert!(over_ws.body.is_empty());

    // 404 with Asterisk's message.
    let http_err = http
        .request(Method::Get, "channels/gone", &[], None)
        .await
        .unwrap_err();
    let call = spawn_request(&rest, Method::Get, "channels/gone", &[], None);
    let request = conn.recv_json().await;
    conn.send_json(response(
        &request,
        404,
        "Not Found",
        Some(r#"{"message":"Channel not found"}"#),
    ));
    let ws_err = finish(call).await.unwrap_err();
    for err in [&http_err, &ws_err] {
        assert!(err.is_not_found(), "{err:?}");
        assert_eq!(err.message(), Some("Channel not found"));
    }
    assert_eq!(ws_err.to_string(), http_err.to_string());

    // A body travels as a JSON string.
    let call = spawn_request(
        &rest,
        Method::Post,
        "channels/c1/variable",
        &[],
        Some(json!({"variable": "X", "value": "1"})),
    );
    let request = conn.recv_json().await;
    assert_eq!(request["content_type"], "application/json");
    let body: Value = serde_json::from_str(request["message_body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"variable": "X", "value": "1"}));
    conn.send_json(response(&request, 204, "No Content", None));
    assert_eq!(finish(call).await.unwrap().status, 204);

    // Only the HTTP requests reached the HTTP side.
    assert_eq!(server.http_requests(), 3);
}

#[tokio::test]
async fn a_request_sent_before_the_connection_drops_has_an_unknown_outcome() {
    let server = FakeAri::start().await;
    let client = server.client();
    let mut stream = stream_of(&client).await;
    let mut conn = server.next_ws().await;
    let rest = stream.rest_client();

    let call = spawn_request(&rest, Method::Post, "channels/c1/answer", &[], None);
    let request = conn.recv_json().await;
    assert_eq!(request["uri"], "channels/c1/answer");
    conn.reset();

    let err = finish(call)
        .await
        .expect_err("a request lost with its connection succeeded");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(
        !err.is_timeout(),
        "it must fail when the connection drops, not time out: {err:?}"
    );
    assert_error_has_no_secret(&err);

    // The stream itself recovers, and so does the REST channel.
    assert!(crate::support::expect_reconnected(&mut stream).await >= 1);
    let mut conn = server.next_ws().await;
    let call = spawn_request(&rest, Method::Post, "channels/c1/answer", &[], None);
    let request = conn.recv_json().await;
    conn.send_json(response(&request, 204, "No Content", None));
    assert_eq!(finish(call).await.unwrap().status, 204);
}

#[tokio::test]
async fn a_request_that_gets_no_answer_times_out() {
    let server = FakeAri::start().await;
    let client = server
        .builder()
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let stream = stream_of(&client).await;
    let mut conn = server.next_ws().await;
    let rest = stream.rest_client();

    let call = spawn_request(&rest, Method::Get, "channels/c1", &[], None);
    let unanswered = conn.recv_json().await;
    let err = finish(call)
        .await
        .expect_err("an unanswered request succeeded");
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.is_outcome_unknown(), "{err:?}");

    // A late answer is harmless, and the socket stays usable.
    let call = spawn_request(&rest, Method::Get, "channels/c1", &[], None);
    let request = conn.recv_json().await;
    conn.send_json(response(&unanswered, 200, "OK", Some("{}")));
    conn.send_json(response(&request, 200, "OK", Some(r#"{"id":"c1"}"#)));
    assert_eq!(finish(call).await.unwrap().body, br#"{"id":"c1"}"#);
}

#[tokio::test]
async fn answers_get_through_while_the_event_queue_is_full() {
    let server = FakeAri::start().await;
    let client = server.client();
    let mut stream = client.events([APP]).capacity(5).connect().await.unwrap();
    let mut conn = server.next_ws().await;
    let rest = stream.rest_client();

    let sent = conn.burst((0..100).map(test_event).collect());
    tokio::time::timeout(DEADLINE, sent).await.unwrap().unwrap();
    let call = spawn_request(&rest, Method::Get, "channels/c1", &[], None);
    let request = conn.recv_json().await;
    conn.send_json(response(&request, 200, "OK", Some(r#"{"id":"c1"}"#)));
    assert_eq!(finish(call).await.unwrap().body, br#"{"id":"c1"}"#);

    // The events queued before are still there, the overflow announced.
    for seq in 0..5 {
        expect_event(&mut stream, seq).await;
    }
    match crate::support::next_message(&mut stream).await {
        ari_client::events::Message::Lagged { missed } => assert_eq!(missed, 95),
        other => panic!("expected the gap, got {other:?}"),
    }
}

/// Asserts that a request made now fails at once as not sent.
async fn assert_refused_fast(rest: &Client) {
    let started = Instant::now();
    let err = finish(spawn_request(
        rest,
        Method::Post,
        "channels/c1/answer",
        &[],
        None,
    ))
    .await
    .expect_err("a request succeeded while the socket was down");
    let took = started.elapsed();
    assert!(!err.is_outcome_unknown(), "{err:?}");
    assert!(err.is_not_sent(), "{err:?}");
    assert!(err.is_connect(), "{err:?}");
    assert!(took < Duration::from_secs(1), "took {took:?} to refuse");
    assert_error_has_no_secret(&err);
}

#[tokio::test]
async fn a_request_while_reconnecting_fails_fast_as_not_sent() {
    let server = FakeAri::start().await;
    let client = server.client();
    let mut stream = stream_of(&client).await;
    let conn = server.next_ws().await;
    let rest = stream.rest_client();

    server.set_default_upgrade(Upgrade::Refuse);
    conn.reset();
    // Two refused attempts: the loss is known and the stream is between attempts.
    server.wait_upgrade_attempts(3).await;
    assert_refused_fast(&rest).await;

    server.set_default_upgrade(Upgrade::Accept);
    assert!(crate::support::expect_reconnected(&mut stream).await >= 3);
    let conn = server.next_ws().await;
    conn.send(test_event(1));
    expect_event(&mut stream, 1).await;
}

#[tokio::test]
async fn a_request_during_a_hanging_reconnect_fails_fast_as_not_sent() {
    let server = FakeAri::start().await;
    // Long enough that waiting for the handshake would be noticed.
    let client = server
        .builder()
        .connect_timeout(Duration::from_secs(4))
        .request_timeout(Duration::from_secs(4))
        .build()
        .unwrap();
    let stream = stream_of(&client).await;
    let conn = server.next_ws().await;
    let rest = stream.rest_client();

    server.set_default_upgrade(Upgrade::Hang);
    conn.reset();
    // The reconnect attempt has reached the server, which never answers it.
    server.wait_upgrade_attempts(2).await;
    assert_refused_fast(&rest).await;
}

#[tokio::test]
async fn a_request_after_the_stream_is_dropped_fails_as_not_sent() {
    let server = FakeAri::start().await;
    let client = server.client();
    let stream = stream_of(&client).await;
    let mut conn = server.next_ws().await;
    let rest = stream.rest_client();

    drop(stream);
    conn.wait_closed().await;
    assert_refused_fast(&rest).await;
}

/// Connects a pool of `N` sockets, answering each one's probe as Asterisk 22.4+ would.
async fn connect_pool<const N: usize>(
    server: &FakeAri,
    builder: ari_client::events::RestSocketsBuilder,
) -> (Client, [WsConn; N]) {
    let connecting = tokio::spawn(builder.sockets(N).connect());
    let mut sockets = Vec::with_capacity(N);
    for _ in 0..N {
        let mut conn = server.next_ws().await;
        let probe = conn.recv_json().await;
        assert_eq!(
            (&probe["method"], &probe["uri"]),
            (&json!("GET"), &json!("asterisk/ping"))
        );
        conn.send_json(response(&probe, 200, "OK", Some(r#"{"ping":"pong"}"#)));
        sockets.push(conn);
    }
    let pool = tokio::time::timeout(DEADLINE, connecting)
        .await
        .expect("the pool did not connect once its probes were answered")
        .unwrap()
        .unwrap();
    let Ok(sockets) = sockets.try_into() else {
        unreachable!("N sockets were collected")
    };
    (pool, sockets)
}

#[tokio::test]
async fn a_pool_of_no_sockets_or_of_too_many_is_refused_before_connecting() {
    let server = FakeAri::start().await;
    for sockets in [0, 65, usize::MAX] {
        let err = server
            .client()
            .rest_sockets()
            .sockets(sockets)
            .connect()
            .await
            .unwrap_err();
        assert!(
            matches!(err.kind(), ari_client::ErrorKind::Config { .. }),
            "{sockets}: {err:?}"
        );
    }
    assert_eq!(server.upgrade_attempts(), 0);
}

#[tokio::test]
async fn a_pool_whose_sockets_leave_requests_unanswered_fails_to_connect_as_unsupported() {
    // An Asterisk older than 22.4 accepts the socket and ignores what the client sends on it.
    // The wait is the probe's timeout, or the client's request timeout when that is shorter.
    let short = Duration::from_millis(300);
    let server = FakeAri::start().await;
    let builders = [
        server.client().rest_sockets().probe_timeout(short),
        server
            .builder()
            .request_timeout(short)
            .build()
            .unwrap()
            .rest_sockets(),
    ];
    for builder in builders {
        let connecting = tokio::spawn(builder.sockets(2).connect());
        let mut first = server.next_ws().await;
        let _second = server.next_ws().await;
        let probe = first.recv_json().await;
        first.send_json(response(&probe, 200, "OK", Some(r#"{"ping":"pong"}"#)));
        let err = tokio::time::timeout(DEADLINE, connecting)
            .await
            .expect("connect kept waiting past its probe timeout")
            .unwrap()
            .unwrap_err();
        assert!(err.is_unsupported(), "{err:?}");
        assert!(err.to_string().contains("22.4"), "{err}");
        assert_error_has_no_secret(&err);
        // The sockets it opened are closed again, the answered one included.
        first.wait_closed().await;
    }
}

#[tokio::test]
async fn a_pool_of_rest_sockets_sends_around_one_that_is_reconnecting() {
    let server = FakeAri::start().await;
    let (pool, [broken, mut working]) = connect_pool(
        &server,
        server
            .client()
            .rest_sockets()
            .backoff(Duration::from_millis(10), Duration::from_millis(40)),
    )
    .await;

    // Both sockets take requests while both are up.
    let mut seen_on_broken = broken;
    let calls: Vec<_> = (0..2)
        .map(|_| spawn_request(&pool, Method::Get, "channels/c1", &[], None))
        .collect();
    for conn in [&mut seen_on_broken, &mut working] {
        let request = conn.recv_json().await;
        conn.send_json(response(&request, 200, "OK", Some(r#"{"id":"c1"}"#)));
    }
    for call in calls {
        finish(call).await.unwrap();
    }

    server.set_default_upgrade(Upgrade::Refuse);
    seen_on_broken.reset();
    // Two refused attempts: that socket's loss is known and it is between attempts.
    server.wait_upgrade_attempts(4).await;
    for _ in 0..3 {
        let call = spawn_request(&pool, Method::Get, "channels/c1", &[], None);
        let request = working.recv_json().await;
        working.send_json(response(&request, 200, "OK", Some(r#"{"id":"c1"}"#)));
        assert_eq!(finish(call).await.unwrap().body, br#"{"id":"c1"}"#);
    }

    // With no socket up, requests fail as not sent (one may still meet the second socket
    // before its loss is noticed: its outcome is then unknown).
    working.reset();
    let refused = tokio::time::timeout(DEADLINE, async {
        loop {
            let err = finish(spawn_request(&pool, Method::Get, "channels/c1", &[], None))
                .await
                .unwrap_err();
            if err.is_not_sent() {
                return err;
            }
            assert!(err.is_outcome_unknown(), "{err:?}");
        }
    })
    .await
    .expect("requests kept reaching a socket after both were lost");
    assert!(refused.is_connect(), "{refused:?}");
}

#[tokio::test]
async fn many_concurrent_requests_each_get_their_own_answer() {
    let server = FakeAri::start().await;
    let client = server.client();
    let stream = stream_of(&client).await;
    let mut conn = server.next_ws().await;
    let rest = stream.rest_client();

    // Written together (the connection batches what is queued), answered in reverse order.
    let paths: Vec<&'static str> = (0..40)
        .map(|n| &*Box::leak(format!("channels/c{n}").into_boxed_str()))
        .collect();
    let calls: Vec<_> = paths
        .iter()
        .map(|path| spawn_request(&rest, Method::Get, path, &[], None))
        .collect();
    let mut requests = Vec::new();
    for _ in 0..paths.len() {
        requests.push(conn.recv_json().await);
    }
    for request in requests.iter().rev() {
        let id = request["uri"]
            .as_str()
            .unwrap()
            .trim_start_matches("channels/");
        let body = format!(r#"{{"id":"{id}"}}"#);
        conn.send_json(response(request, 200, "OK", Some(&body)));
    }
    for (n, call) in calls.into_iter().enumerate() {
        let answer = finish(call).await.unwrap();
        assert_eq!(answer.body, format!(r#"{{"id":"c{n}"}}"#).into_bytes());
    }
}

#[tokio::test]
async fn waits_too_long_for_the_clock_mean_no_timeout_rather_than_a_panic() {
    // `Duration::MAX` is how many say "never time out"; it must not overflow a deadline.
    let server = FakeAri::start().await;
    let client = server
        .builder()
        .request_timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .build()
        .unwrap();
    let mut stream = client
        .events([APP])
        .idle_timeout(Duration::MAX)
        .backoff(Duration::MAX, Duration::MAX)
        .connect()
        .await
        .unwrap();
    let mut conn = server.next_ws().await;
    conn.send(test_event(1));
    expect_event(&mut stream, 1).await;
    let call = spawn_request(
        &stream.rest_client(),
        Method::Get,
        "asterisk/ping",
        &[],
        None,
    );
    let request = conn.recv_json().await;
    conn.send_json(response(&request, 200, "OK", Some(r#"{"ping":"pong"}"#)));
    assert_eq!(finish(call).await.unwrap().status, 200);
}
