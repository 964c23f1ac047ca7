//! `endpoints`: the sandbox's PJSIP endpoints, and the MESSAGE and REFER requests Asterisk
//! sends for ARI to the test's SIP peer.

use std::time::Duration;

use ari_client::models::EndpointState;
use ari_testkit::EVENT_TIMEOUT;

use super::sip::SipPeer;
use super::support::{Ctx, Transport, assert_status, both_transports, eventually};

pub(super) const CALLS: &[&str] = &[
    "endpoints.list",
    "endpoints.listByTech",
    "endpoints.get",
    "endpoints.sendMessage",
    "endpoints.sendMessageToEndpoint",
    "endpoints.refer",
    "endpoints.referToEndpoint",
];

both_transports!("endpoints");

async fn exercise(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let endpoints = client.endpoints();

    let all = endpoints.list().await.unwrap();
    for ext in ari_sandbox::SIP_ENDPOINTS {
        assert!(
            all.iter()
                .any(|e| e.technology == "PJSIP" && e.resource == *ext),
            "PJSIP/{ext} not in {all:?}"
        );
    }
    let pjsip = endpoints.list_by_tech("PJSIP").await.unwrap();
    assert!(pjsip.iter().all(|e| e.technology == "PJSIP"));
    assert_eq!(
        pjsip.len(),
        all.iter().filter(|e| e.technology == "PJSIP").count()
    );
    assert_status(endpoints.list_by_tech("NoSuchTech").await, 404);
    assert_status(endpoints.get("PJSIP", "no-such-endpoint").await, 404);

    // The peer becomes the contact of an endpoint of its own: the endpoint comes online.
    let aor = match ctx.transport {
        Transport::Http => "103",
        Transport::WebSocket => "104",
    };
    let mut peer = SipPeer::start(&ctx.id("peer")).await;
    peer.attach(&client, aor).await;
    let online = eventually("the endpoint online", EVENT_TIMEOUT, || async {
        let endpoint = endpoints.get("PJSIP", aor).await.ok()?;
        (endpoint.state == Some(EndpointState::Online)).then_some(endpoint)
    })
    .await;
    assert_eq!(online.resource, aor);
    assert!(online.channel_ids.is_empty());

    let from = "sip:ari@127.0.0.1";
    let within = Duration::from_secs(5);
    // A message to a URI, sent through the endpoint's settings.
    endpoints
        .send_message(format!("pjsip:{aor}/{}", peer.uri()), from)
        .body("to the uri")
        .await
        .unwrap();
    let message = peer.request("MESSAGE", within).await;
    assert_eq!(message.body, "to the uri");
    assert!(message.header("From").unwrap_or_default().contains("ari@"));
    // A message to the endpoint: to its contact, the peer.
    endpoints
        .send_message_to_endpoint("PJSIP", aor, from)
        .body("to the endpoint")
        .await
        .unwrap();
    let message = peer.request("MESSAGE", within).await;
    assert_eq!(message.body, "to the endpoint");
    assert!(message.uri.contains(&peer.user), "{}", message.uri);
    assert_status(
        endpoints
            .send_message_to_endpoint("PJSIP", "no-such-endpoint", from)
            .body("lost")
            .await,
        404,
    );

    // REFERs out of any call: the peer is asked to call somewhere else.
    let target = "sip:somewhere@127.0.0.1:9";
    endpoints
        .refer(format!("pjsip:{aor}/{}", peer.uri()), from, target)
        .await
        .unwrap();
    let refer = peer.request("REFER", within).await;
    assert!(
        refer
            .header("Refer-To")
            .unwrap_or_default()
            .contains(target),
        "{refer:?}"
    );
    endpoints
        .refer_to_endpoint("PJSIP", aor, from, target)
        .await
        .unwrap();
    let refer = peer.request("REFER", within).await;
    assert!(refer.uri.contains(&peer.user), "{}", refer.uri);
    assert!(
        refer
            .header("Refer-To")
            .unwrap_or_default()
            .contains(target)
    );

    peer.detach(&client).await;
    eventually("the endpoint offline again", EVENT_TIMEOUT, || async {
        let endpoint = endpoints.get("PJSIP", aor).await.ok()?;
        (endpoint.state == Some(EndpointState::Offline)).then_some(())
    })
    .await;
}
