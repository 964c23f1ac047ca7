//! Event types received live: one workload that makes Asterisk send as many kinds of event as
//! the sandbox allows, each decoded into its typed variant of `Event`.
//!
//! Only events about this test's own objects count (ids, names and contacts carry its
//! application's name; the endpoint `PJSIP/105` is this test's), although the application
//! subscribes to all channels and bridges (that is how `ChannelCreated` and `BridgeCreated`
//! reach it) and so also hears about other tests' calls.

use std::collections::BTreeSet;
use std::time::Duration;

use ari_client::Event;
use ari_client::ids::{BridgeId, ChannelId, PlaybackId, RecordingName};
use ari_client::models::DeviceStateValue;
use ari_testkit::{EVENT_TIMEOUT, EventLog};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite;

use super::sip::SipPeer;
use super::support::{Ctx, Transport, assert_recording_dir, cli};

/// The endpoint this test attaches its SIP peer to.
const AOR: &str = "105";

#[tokio::test]
async fn at_least_35_event_types_arrive_typed() {
    let started = std::time::Instant::now();
    let mut ctx = Ctx::connect("events_seen", Transport::Http).await;
    let client = ctx.client.clone();
    let app = ctx.app.clone();
    let device = format!("Stasis:{app}-device");
    client
        .device_states()
        .update(device.as_str(), DeviceStateValue::NotInuse)
        .await
        .unwrap();
    client
        .applications()
        .subscribe(
            app.as_str(),
            [
                "channel:".to_owned(),
                "bridge:".to_owned(),
                format!("endpoint:PJSIP/{AOR}"),
                format!("deviceState:{device}"),
            ],
        )
        .await
        .unwrap();

    let mut extra = BTreeSet::new();
    device_state(&mut ctx, &device).await;
    let (caller, callee) = call(&mut ctx).await;
    bridge_and_recordings(&mut ctx, &caller).await;
    sip(&mut ctx).await;
    broadcast(&mut ctx).await;
    extra.insert(replaced(&app).await);
    extra.insert(rest_response(&app).await);
    ctx.hang_up(&[&caller, &callee]).await;
    ctx.wait_stasis_end(caller.as_str()).await;
    client
        .device_states()
        .delete(device.as_str())
        .await
        .unwrap();

    let unknown: Vec<&Event> = ctx.log.seen().iter().filter(|e| e.is_unknown()).collect();
    assert!(unknown.is_empty(), "events left untyped: {unknown:#?}");
    let mut seen: BTreeSet<String> = ctx
        .log
        .seen()
        .iter()
        .filter(|e| ours(e, &app))
        .map(|e| e.event_type().to_owned())
        .collect();
    seen.extend(extra);
    let missing: Vec<&&str> = ari_client::inventory::EVENT_TYPES
        .iter()
        .filter(|t| !seen.contains(**t))
        .collect();
    eprintln!(
        "{} event types received typed in {:.1} s: {seen:?}; not seen: {missing:?}",
        seen.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        seen.len() >= 35,
        "only {} event types: {seen:?}; not seen: {missing:?}",
        seen.len()
    );
}

/// Whether `event` is about this test's objects.
fn ours(event: &Event, app: &str) -> bool {
    match event {
        Event::PeerStatusChange(e) => e.endpoint.resource == AOR,
        Event::EndpointStateChange(e) => e.endpoint.resource == AOR,
        _ => {
            // Every event names the application it is sent to: look past that.
            let mut json = serde_json::to_value(event).unwrap();
            if let Some(object) = json.as_object_mut() {
                object.remove("application");
            }
            json.to_string().contains(app)
        }
    }
}

async fn device_state(ctx: &mut Ctx, device: &str) {
    ctx.client
        .device_states()
        .update(device, DeviceStateValue::Inuse)
        .await
        .unwrap();
    ctx.wait(
        "DeviceStateChanged",
        |e| matches!(e, Event::DeviceStateChanged(d) if d.device_state.name == device),
    )
    .await;
}

/// A call into Stasis through the dialplan, driven through ringing, answer, caller id, user
/// events, DTMF, tone and talk detection, and a list of sounds.
async fn call(ctx: &mut Ctx) -> (ChannelId, ChannelId) {
    let client = ctx.client.clone();
    let channels = client.channels();
    let caller = ChannelId::new(ctx.id("caller"));
    let callee = ChannelId::new(ctx.id("callee"));
    // 8 kHz audio end to end: the tone detector expects it.
    channels
        .create(format!("Local/{}@stasis", ctx.app), ctx.app.as_str())
        .channel_id(caller.clone())
        .other_channel_id(callee.clone())
        .formats("ulaw")
        .await
        .unwrap();
    ctx.wait(
        "ChannelCreated",
        |e| matches!(e, Event::ChannelCreated(c) if c.channel.id == callee),
    )
    .await;
    ctx.wait_stasis_start(caller.as_str()).await;
    channels.dial(&caller).await.unwrap();
    ctx.wait_stasis_start(callee.as_str()).await;
    channels.ring(&callee).await.unwrap();
    ctx.wait(
        "Dial RINGING",
        |e| matches!(e, Event::Dial(d) if d.peer.id == caller && d.dialstatus == "RINGING"),
    )
    .await;
    channels.answer(&callee).await.unwrap();
    ctx.wait(
        "ChannelStateChange to Up",
        |e| matches!(e, Event::ChannelStateChange(c) if c.channel.id == callee),
    )
    .await;

    for (variable, value) in [("CALLERID(name)", "Carol"), ("CONNECTEDLINE(name)", "Dave")] {
        channels
            .set_channel_var(&caller, variable)
            .value(value)
            .await
            .unwrap();
    }
    ctx.wait("ChannelCallerId", |e| {
        matches!(e, Event::ChannelCallerId(_))
    })
    .await;
    ctx.wait("ChannelConnectedLine", |e| {
        matches!(e, Event::ChannelConnectedLine(_))
    })
    .await;
    client
        .events_api()
        .user_event("seen", ctx.app.as_str())
        .source([format!("channel:{caller}")])
        .await
        .unwrap();
    ctx.wait("ChannelUserevent", |e| {
        matches!(e, Event::ChannelUserevent(_))
    })
    .await;
    channels.send_dtmf(&caller).dtmf("5").await.unwrap();
    ctx.wait(
        "ChannelDtmfReceived",
        |e| matches!(e, Event::ChannelDtmfReceived(d) if d.channel.id == callee && d.digit == "5"),
    )
    .await;

    // The callee listens for a 1 kHz tone, then for talking (a pause of 0.5 s ends it; set
    // after the tone, which would count as talking).
    channels
        .set_channel_var(&callee, "TONE_DETECT(1000,300,d(6))")
        .await
        .unwrap();
    let tone = PlaybackId::new(ctx.id("tone"));
    channels
        .play_with_id(&caller, tone.clone(), ["tone:1000"])
        .await
        .unwrap();
    ctx.wait(
        "ChannelToneDetected",
        |e| matches!(e, Event::ChannelToneDetected(t) if t.channel.id == callee),
    )
    .await;
    client.playbacks().stop(&tone).await.unwrap();
    channels
        .set_channel_var(&callee, "TALK_DETECT(set)")
        .value("500")
        .await
        .unwrap();
    let sounds = PlaybackId::new(ctx.id("sounds"));
    channels
        .play_with_id(&caller, sounds.clone(), ["sound:beep", "sound:hello-world"])
        .await
        .unwrap();
    // These three come in an order of Asterisk's timing.
    ctx.seen_or_wait(
        "PlaybackContinuing",
        |e| matches!(e, Event::PlaybackContinuing(p) if p.playback.id == sounds),
    )
    .await;
    ctx.seen_or_wait(
        "ChannelTalkingStarted",
        |e| matches!(e, Event::ChannelTalkingStarted(t) if t.channel.id == callee),
    )
    .await;
    ctx.seen_or_wait(
        "PlaybackFinished",
        |e| matches!(e, Event::PlaybackFinished(p) if p.playback.id == sounds),
    )
    .await;
    // Silence after the words: the talking ends.
    channels.start_silence(&caller).await.unwrap();
    ctx.wait(
        "ChannelTalkingFinished",
        |e| matches!(e, Event::ChannelTalkingFinished(t) if t.channel.id == callee),
    )
    .await;
    channels.stop_silence(&caller).await.unwrap();

    let nowhere = format!("{}_nowhere", ctx.app);
    channels
        .move_to_app(&caller, nowhere.as_str())
        .await
        .unwrap();
    ctx.wait("ApplicationMoveFailed", |e| {
        matches!(e, Event::ApplicationMoveFailed(_))
    })
    .await;
    (caller, callee)
}

/// A single-source video bridge: created, joined, its source set, recorded; a recording of a
/// bridged channel that fails; left and destroyed.
async fn bridge_and_recordings(ctx: &mut Ctx, caller: &ChannelId) {
    assert_recording_dir().await;
    let client = ctx.client.clone();
    let bridges = client.bridges();
    let bridge = BridgeId::new(ctx.id("bridge"));
    bridges
        .create_with_id(bridge.clone())
        .bridge_type("mixing,video_single")
        .await
        .unwrap();
    ctx.wait(
        "BridgeCreated",
        |e| matches!(e, Event::BridgeCreated(b) if b.bridge.id == bridge),
    )
    .await;
    bridges.add_channel(&bridge, [caller]).await.unwrap();
    ctx.wait(
        "ChannelEnteredBridge",
        |e| matches!(e, Event::ChannelEnteredBridge(b) if b.bridge.id == bridge),
    )
    .await;
    bridges.set_video_source(&bridge, caller).await.unwrap();
    ctx.wait(
        "BridgeVideoSourceChanged",
        |e| matches!(e, Event::BridgeVideoSourceChanged(b) if b.bridge.id == bridge),
    )
    .await;

    let take = RecordingName::new(ctx.id("take"));
    bridges
        .record(&bridge, take.clone(), "wav")
        .max_duration_seconds(Duration::from_secs(1))
        .await
        .unwrap();
    ctx.wait(
        "RecordingFinished",
        |e| matches!(e, Event::RecordingFinished(r) if r.recording.name == take),
    )
    .await;
    client.recordings().delete_stored(&take).await.unwrap();
    let doomed = RecordingName::new(ctx.id("doomed"));
    client
        .channels()
        .record(caller, doomed.clone(), "wav")
        .await
        .unwrap();
    ctx.wait(
        "RecordingFailed",
        |e| matches!(e, Event::RecordingFailed(r) if r.recording.name == doomed),
    )
    .await;

    bridges.remove_channel(&bridge, [caller]).await.unwrap();
    ctx.wait(
        "ChannelLeftBridge",
        |e| matches!(e, Event::ChannelLeftBridge(b) if b.bridge.id == bridge),
    )
    .await;
    bridges.destroy(&bridge).await.unwrap();
    ctx.wait(
        "BridgeDestroyed",
        |e| matches!(e, Event::BridgeDestroyed(b) if b.bridge.id == bridge),
    )
    .await;
}

/// The SIP peer registers as a contact of `PJSIP/105`, takes a call, holds and resumes it,
/// and transfers the party bridged with it.
async fn sip(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let mut peer = SipPeer::start(&ctx.id("peer")).await;
    peer.attach(&client, AOR).await;
    ctx.wait(
        "ContactStatusChange",
        |e| matches!(e, Event::ContactStatusChange(c) if c.endpoint.resource == AOR),
    )
    .await;
    ctx.wait(
        "EndpointStateChange",
        |e| matches!(e, Event::EndpointStateChange(c) if c.endpoint.resource == AOR),
    )
    .await;

    let call = ChannelId::new(ctx.id("sip"));
    client
        .channels()
        .originate(format!("PJSIP/{AOR}"))
        .app(ctx.app.as_str())
        .channel_id(call.clone())
        .await
        .unwrap();
    ctx.wait_stasis_start(call.as_str()).await;
    let within = Duration::from_secs(5);
    assert_eq!(peer.reinvite("sendonly").await.status, 200);
    ctx.wait(
        "ChannelHold",
        |e| matches!(e, Event::ChannelHold(h) if h.channel.id == call),
    )
    .await;
    assert_eq!(peer.reinvite("sendrecv").await.status, 200);
    ctx.wait(
        "ChannelUnhold",
        |e| matches!(e, Event::ChannelUnhold(h) if h.channel.id == call),
    )
    .await;

    // Bridged with a second call, the peer transfers that one to `wait` (blind).
    let other = ctx.originate_into_app("transferee", "wait").await;
    let bridge = BridgeId::new(ctx.id("transfer"));
    client
        .bridges()
        .create_with_id(bridge.clone())
        .bridge_type("mixing")
        .await
        .unwrap();
    client
        .bridges()
        .add_channel(&bridge, [&call, &other])
        .await
        .unwrap();
    for channel in [&call, &other] {
        ctx.wait("ChannelEnteredBridge (transfer)", |e| {
            matches!(e, Event::ChannelEnteredBridge(b)
                if b.bridge.id == bridge && b.channel.as_ref().is_some_and(|c| c.id == *channel))
        })
        .await;
    }
    let accepted = peer.refer("sip:wait@127.0.0.1").await;
    assert_eq!(accepted.status, 202);
    let Event::BridgeBlindTransfer(transfer) = ctx
        .wait("BridgeBlindTransfer", |e| {
            matches!(e, Event::BridgeBlindTransfer(_))
        })
        .await
    else {
        unreachable!()
    };
    assert_eq!(transfer.channel.id, call);
    assert_eq!(transfer.transferee.as_ref().map(|c| &c.id), Some(&other));
    // The transferee is now bridged with a Local channel to `wait`, which took the SIP
    // call's place in this application.
    let replacement = transfer.replace_channel.as_ref().unwrap().id.clone();
    let start = ctx
        .seen_or_wait(
            "StasisStart of the replacement",
            |e| matches!(e, Event::StasisStart(s) if s.channel.id == replacement),
        )
        .await;
    let Event::StasisStart(start) = start else {
        unreachable!()
    };
    assert_eq!(start.replace_channel.map(|c| c.id), Some(call.clone()));
    // Asterisk reports the transfer's outcome to the peer; ending the call is the peer's part.
    let notify = peer.request("NOTIFY", within).await;
    assert!(notify.body.starts_with("SIP/2.0"), "{notify:?}");
    ctx.hang_up(&[&call, &other, &replacement]).await;
    client.bridges().destroy(&bridge).await.unwrap();
    peer.detach(&client).await;
    ctx.wait("ContactStatusChange (removed)", |e| {
        matches!(e, Event::ContactStatusChange(c)
            if c.endpoint.resource == AOR && c.contact_info.uri.contains(&peer.user)
                && c.contact_info.contact_status == ari_client::models::ContactStatus::Removed)
    })
    .await;
}

/// A call offered by `StasisBroadcast()` to this application, and claimed.
async fn broadcast(ctx: &mut Ctx) {
    let output = cli(&format!(
        "channel originate Local/wait@sandbox application StasisBroadcast 5000,^{}$,,yes",
        ctx.app
    ))
    .await;
    assert!(!output.contains("rror"), "{output}");
    let Event::CallBroadcast(offer) = ctx
        .wait("CallBroadcast", |e| matches!(e, Event::CallBroadcast(_)))
        .await
    else {
        unreachable!()
    };
    let channel = offer.channel.id.clone();
    ctx.client
        .events_api()
        .claim_channel(&channel, ctx.app.as_str())
        .await
        .unwrap();
    ctx.wait("CallClaimed", |e| matches!(e, Event::CallClaimed(_)))
        .await;
    ctx.seen_or_wait(
        "StasisStart of the claimed call",
        |e| matches!(e, Event::StasisStart(s) if s.channel.id == channel),
    )
    .await;
    ctx.hang_up(&[&channel]).await;
}

/// A second connection for an application: the first hears `ApplicationReplaced`.
async fn replaced(app: &str) -> String {
    let name = format!("{app}_replaced");
    let client = ari_testkit::client();
    let mut first = EventLog::connect(&client, &name).await;
    let _second = EventLog::connect(&client, &name).await;
    let event = first
        .wait_for("ApplicationReplaced", EVENT_TIMEOUT, |e| {
            matches!(e, Event::ApplicationReplaced(_))
        })
        .await;
    event.event_type().to_owned()
}

/// REST over a WebSocket of the test's own (the client keeps the answers to its requests):
/// the `RESTResponse` frame decoded.
async fn rest_response(app: &str) -> String {
    use base64::Engine as _;
    use tungstenite::client::IntoClientRequest as _;

    let status = ari_testkit::shared();
    let url = format!(
        "ws://127.0.0.1:{}/ari/events?app={app}_raw",
        status.settings.http_port
    );
    let mut request = url.into_client_request().unwrap();
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        status.settings.user, status.settings.password
    ));
    request.headers_mut().insert(
        "Authorization",
        format!("Basic {credentials}").parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let frame = serde_json::json!({
        "type": "RESTRequest",
        "transaction_id": "seen-1",
        "request_id": "seen-1",
        "method": "GET",
        "uri": "asterisk/ping",
    });
    socket
        .send(tungstenite::Message::Text(frame.to_string().into()))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("no RESTResponse")
            .expect("the socket ended")
            .unwrap();
        let tungstenite::Message::Text(text) = message else {
            continue;
        };
        if let Event::RESTResponse(response) = ari_client::events::decode_event(text.as_str()) {
            assert_eq!(response.transaction_id, "seen-1");
            assert_eq!(response.status_code, 200);
            assert!(
                response.message_body.unwrap_or_default().contains("pong"),
                "{text}"
            );
            return "RESTResponse".to_owned();
        }
    }
}
