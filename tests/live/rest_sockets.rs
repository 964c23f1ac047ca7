//! REST over WebSockets of their own (`Client::rest_sockets`): the same answers as HTTP, the
//! requests spread over the sockets, the sockets closed with the client.

use std::time::Duration;

use ari_client::Event;
use ari_client::models::ChannelState;
use ari_testkit::{EVENT_TIMEOUT, EventLog, unique_app};

/// The Stasis applications whose name starts with `prefix`, as Asterisk lists them.
async fn applications_named(client: &ari_client::Client, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = ari_testkit::list_applications(client)
        .await
        .into_iter()
        .map(|app| app.name.as_str().to_owned())
        .filter(|name| name.starts_with(prefix))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn operations_over_rest_sockets_act_like_http_and_the_sockets_close_with_the_client() {
    let http = ari_testkit::client();
    let prefix = unique_app("restsockets");
    let sockets = http
        .rest_sockets()
        .sockets(3)
        .application_prefix(prefix.as_str())
        .connect()
        .await
        .unwrap();
    assert!(sockets.is_rest_over_websocket());
    assert!(!http.is_rest_over_websocket());

    // Each socket is one application of its own, unknown to any dialplan.
    let registered = applications_named(&http, &prefix).await;
    assert_eq!(registered.len(), 3, "{registered:?}");

    // Reads give what HTTP gives.
    assert_eq!(
        sockets.sounds().get("hello-world").await.unwrap(),
        http.sounds().get("hello-world").await.unwrap()
    );
    assert_eq!(
        sockets.asterisk().get_info().await.unwrap().system,
        http.asterisk().get_info().await.unwrap().system
    );

    // A call driven over the sockets, its effects seen on the events and over HTTP.
    let app = unique_app("restsockets_call");
    let mut log = EventLog::connect(&http, &app).await;
    // The `;1` half waits in the dialplan; the `;2` half enters the application.
    sockets
        .channels()
        .originate(format!("Local/{app}@stasis"))
        .context("sandbox")
        .extension("wait")
        .await
        .unwrap();
    let Event::StasisStart(start) = log.wait_type("StasisStart").await else {
        unreachable!()
    };
    let channel = start.channel.id;
    sockets.channels().answer(channel.clone()).await.unwrap();
    log.wait_for("ChannelStateChange to Up", EVENT_TIMEOUT, |e| {
        matches!(e, Event::ChannelStateChange(c) if c.channel.id == channel && c.channel.state == ChannelState::Up)
    })
    .await;
    assert_eq!(
        http.channels().get(channel.clone()).await.unwrap().state,
        ChannelState::Up
    );

    // Many requests at once, spread over the three sockets: all answered.
    let answers = futures_util::future::join_all(
        (0..48).map(|_| async { sockets.channels().get(channel.clone()).await }),
    )
    .await;
    for answer in answers {
        assert_eq!(answer.unwrap().id, channel);
    }

    sockets.channels().hangup(channel.clone()).await.unwrap();
    log.wait_for(
        "StasisEnd",
        EVENT_TIMEOUT,
        |e| matches!(e, Event::StasisEnd(s) if s.channel.id == channel),
    )
    .await;
    // A gone channel is a typed not-found over the sockets too. StasisEnd comes while the
    // channel may still be being hung up, and the application, no longer subscribed to it,
    // is not told when it is destroyed: ask until Asterisk no longer finds it.
    let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
    loop {
        match sockets.channels().get(channel.clone()).await {
            Err(gone) if gone.is_not_found() => break,
            Ok(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => panic!("the hung-up channel is still there or failed: {other:?}"),
        }
    }

    // Dropping the client closes its sockets, and Asterisk forgets their applications.
    drop(sockets);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = applications_named(&http, &prefix).await;
        if left.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still registered 10 s after the client was dropped: {left:?}"
        );
        // Asterisk tells nobody when it unregisters an application: poll.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn rest_sockets_with_a_wrong_password_fail_at_once_with_an_auth_error() {
    let status = ari_testkit::shared();
    let client = ari_client::Client::builder()
        .base_url(status.ari_url())
        .credentials(&status.settings.user, "not-the-password")
        .build()
        .unwrap();
    let err = client.rest_sockets().connect().await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    let err = client
        .rest_sockets()
        .sockets(0)
        .connect()
        .await
        .unwrap_err();
    assert!(!err.is_auth(), "{err}");
}
