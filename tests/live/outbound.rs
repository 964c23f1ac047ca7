//! Outbound WebSocket (Asterisk 22.5+): the sandbox's Asterisk connects to the application
//! (`websocket_client.conf` → `ari.conf` `type = outbound_websocket`, app `outbound`), and the
//! application drives calls over that one socket.

use std::time::Duration;

use ari_client::Event;
use ari_client::models::ChannelState;
use ari_testkit::next_event;

#[tokio::test]
async fn asterisk_connects_out_and_the_application_answers_over_that_socket() {
    let status = ari_testkit::shared();
    let client = ari_testkit::client();
    let addr = ("127.0.0.1", status.settings.outbound_port);

    // Wrong credentials: Asterisk's attempts (every 500 ms) are refused.
    let refusing = client
        .listen_outbound(addr)
        .await
        .unwrap()
        .require_credentials("asterisk", "not-the-password");
    let refused = tokio::time::timeout(Duration::from_millis(1500), refusing.accept()).await;
    assert!(
        refused.is_err(),
        "a connection with other credentials was accepted"
    );
    drop(refusing);

    let listener = client
        .listen_outbound(addr)
        .await
        .unwrap()
        .require_credentials("asterisk", &status.settings.outbound_password);
    let mut events = tokio::time::timeout(Duration::from_secs(10), listener.accept())
        .await
        .expect("asterisk connects within its reconnect interval")
        .unwrap();
    let ari = events.rest_client();
    assert!(ari.is_rest_over_websocket());
    let info = ari.asterisk().get_info().await.unwrap();
    let version = info.system.map(|s| s.version).unwrap_or_default();
    assert!(version.starts_with("22."), "{version}");

    ari.channels()
        .originate("Local/outbound@stasis")
        .context("sandbox")
        .extension("wait")
        .await
        .unwrap();
    let channel = loop {
        if let Event::StasisStart(start) = next_event(&mut events).await {
            assert_eq!(
                start.application.as_ref().map(|a| a.as_str()),
                Some("outbound")
            );
            break start.channel.id.clone();
        }
    };
    ari.channels().answer(channel.clone()).await.unwrap();
    loop {
        if let Event::ChannelStateChange(change) = next_event(&mut events).await
            && change.channel.id == channel
            && change.channel.state == ChannelState::Up
        {
            break;
        }
    }
    ari.channels().hangup(channel.clone()).await.unwrap();
    loop {
        if let Event::StasisEnd(end) = next_event(&mut events).await
            && end.channel.id == channel
        {
            break;
        }
    }
}
