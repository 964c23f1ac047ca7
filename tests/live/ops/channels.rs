//! `channels`: originating, answering, dialing, variables, DTMF, moving between applications,
//! snooping, media; and, on a real PJSIP call to a SIP peer of the test, what Asterisk puts on
//! the wire for ring, hold, music on hold, silence, mute, RTP statistics and redirect.

use std::time::Duration;

use ari_client::Event;
use ari_client::ids::{ChannelId, PlaybackId, RecordingName};
use ari_client::models::{
    ChannelState, HangupReason, MuteDirection, RecordingIfExists, SnoopDirection,
};
use ari_testkit::{EVENT_TIMEOUT, EventLog};

use super::sip::SipPeer;
use super::support::{
    Ctx, Transport, assert_recording_dir, assert_status, both_transports, eventually,
};

pub(super) const CALLS: &[&str] = &[
    "channels.list",
    "channels.originate",
    "channels.originateWithId",
    "channels.create",
    "channels.dial",
    "channels.get",
    "channels.hangup",
    "channels.answer",
    "channels.ring",
    "channels.ringStop",
    "channels.progress",
    "channels.getChannelVar",
    "channels.setChannelVar",
    "channels.getChannelVars",
    "channels.setChannelVars",
    "channels.sendDTMF",
    "channels.continueInDialplan",
    "channels.move",
    "channels.snoopChannel",
    "channels.snoopChannelWithId",
    "channels.play",
    "channels.playWithId",
    "channels.record",
    "channels.externalMedia",
    "channels.rtpstatistics",
    "channels.startSilence",
    "channels.stopSilence",
    "channels.startMoh",
    "channels.stopMoh",
    "channels.hold",
    "channels.unhold",
    "channels.mute",
    "channels.unmute",
    "channels.redirect",
];

both_transports!("channels");

async fn exercise(ctx: &mut Ctx) {
    originate_list_hangup(ctx).await;
    incoming_call(ctx).await;
    move_and_snoop(ctx).await;
    media(ctx).await;
    external_media(ctx).await;
    sip_call(ctx).await;
}

async fn originate_list_hangup(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let channels = client.channels();
    let first = ChannelId::new(ctx.id("first"));
    let created = channels
        .originate("Local/wait@sandbox")
        .app(ctx.app.as_str())
        .app_args("one,two words")
        .channel_id(first.clone())
        .caller_id("\"Alice\" <100>")
        .variable("T_ORIGINATED", "by the test")
        .timeout(Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(created.id, first);
    let start = ctx.wait_stasis_start(first.as_str()).await;
    assert_eq!(start.args, ["one", "two words"]);
    let got = channels.get(&first).await.unwrap();
    assert!(got.name.starts_with("Local/wait@sandbox-"), "{}", got.name);
    assert_eq!(got.state, ChannelState::Up);
    assert_eq!(
        (got.caller.name.as_str(), got.caller.number.as_str()),
        ("Alice", "100")
    );
    assert_eq!(got.dialplan.app_name, "Stasis");
    let variable = channels
        .get_channel_var(&first, "T_ORIGINATED")
        .await
        .unwrap();
    assert_eq!(variable.value, "by the test");

    let second = ChannelId::new(ctx.id("second"));
    let created = channels
        .originate_with_id(second.clone(), "Local/wait@sandbox")
        .app(ctx.app.as_str())
        .await
        .unwrap();
    assert_eq!(created.id, second);
    ctx.wait_stasis_start(second.as_str()).await;
    let message = assert_status(
        channels
            .originate_with_id(second.clone(), "Local/wait@sandbox")
            .app(ctx.app.as_str())
            .await,
        409,
    );
    assert!(message.contains("already exists"), "{message}");

    let listed = channels.list().await.unwrap();
    for id in [&first, &second] {
        assert!(listed.iter().any(|c| c.id == *id), "{id} not listed");
    }

    // The hangup reason becomes the cause Asterisk reports.
    channels
        .hangup(&first)
        .reason(HangupReason::Busy)
        .await
        .unwrap();
    let destroyed = ctx
        .wait(
            "ChannelDestroyed of the first",
            |e| matches!(e, Event::ChannelDestroyed(d) if d.channel.id == first),
        )
        .await;
    let Event::ChannelDestroyed(destroyed) = destroyed else {
        unreachable!()
    };
    assert_eq!(destroyed.cause, 17, "{}", destroyed.cause_txt);
    channels.hangup(&second).await.unwrap();
    ctx.wait_stasis_end(second.as_str()).await;
    assert_status(channels.get(&first).await, 404);
    assert_status(channels.hangup(&second).await, 404);
}

/// A call into Stasis as a real incoming one arrives: `Local/<app>@stasis` created and dialed
/// by ARI, its far end entering this application unanswered.
async fn incoming_call(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let channels = client.channels();
    let caller = ChannelId::new(ctx.id("caller"));
    let callee = ChannelId::new(ctx.id("callee"));
    let created = channels
        .create(format!("Local/{}@stasis", ctx.app), ctx.app.as_str())
        .channel_id(caller.clone())
        .other_channel_id(callee.clone())
        .await
        .unwrap();
    assert_eq!(created.state, ChannelState::Down);
    // A created channel enters Stasis at once, not yet dialed.
    let start = ctx.wait_stasis_start(caller.as_str()).await;
    assert_eq!(start.channel.state, ChannelState::Down);
    channels
        .dial(&caller)
        .timeout(Duration::from_secs(10))
        .await
        .unwrap();
    let start = ctx.wait_stasis_start(callee.as_str()).await;
    assert_eq!(start.channel.state, ChannelState::Ring);

    channels.ring(&callee).await.unwrap();
    dial_status(ctx, &caller, "RINGING").await;
    assert_eq!(
        channels.get(&caller).await.unwrap().state,
        ChannelState::Ringing
    );
    channels.progress(&callee).await.unwrap();
    dial_status(ctx, &caller, "PROGRESS").await;
    channels.answer(&callee).await.unwrap();
    dial_status(ctx, &caller, "ANSWER").await;
    assert_eq!(channels.get(&callee).await.unwrap().state, ChannelState::Up);

    // Variables: one, several, a dialplan function; set and read back.
    channels
        .set_channel_var(&callee, "T_ONE")
        .value("1")
        .await
        .unwrap();
    ctx.wait(
        "ChannelVarset T_ONE",
        |e| matches!(e, Event::ChannelVarset(v) if v.variable == "T_ONE" && v.value == "1"),
    )
    .await;
    assert_eq!(
        channels
            .get_channel_var(&callee, "T_ONE")
            .await
            .unwrap()
            .value,
        "1"
    );
    channels
        .set_channel_vars(&callee, [("T_A", "x"), ("T_B", "y y")])
        .await
        .unwrap();
    let read = channels
        .get_channel_vars(&callee, ["T_A", "T_B", "T_ONE"])
        .await
        .unwrap();
    assert_eq!(read.variables["T_A"], "x");
    assert_eq!(read.variables["T_B"], "y y");
    assert_eq!(read.variables["T_ONE"], "1");
    assert_status(channels.get_channel_var(&callee, "T_NONE").await, 404);
    channels
        .set_channel_var(&caller, "CALLERID(name)")
        .value("Carol")
        .await
        .unwrap();
    ctx.wait("ChannelCallerId", |e| {
        matches!(e, Event::ChannelCallerId(c) if c.channel.id == caller && c.channel.caller.name == "Carol")
    })
    .await;

    // DTMF sent on the caller arrives on the callee, digit by digit.
    channels
        .send_dtmf(&caller)
        .dtmf("12#")
        .between(Duration::from_millis(100))
        .duration(Duration::from_millis(120))
        .await
        .unwrap();
    let mut digits = String::new();
    while digits.len() < 3 {
        let Event::ChannelDtmfReceived(dtmf) = ctx
            .wait(
                "ChannelDtmfReceived",
                |e| matches!(e, Event::ChannelDtmfReceived(d) if d.channel.id == callee),
            )
            .await
        else {
            unreachable!()
        };
        digits.push_str(&dtmf.digit);
    }
    assert_eq!(digits, "12#");

    // Out of Stasis, on into the dialplan.
    channels
        .continue_in_dialplan(&callee)
        .context("sandbox")
        .extension("wait")
        .priority(1)
        .await
        .unwrap();
    ctx.wait_stasis_end(callee.as_str()).await;
    eventually("the callee in Wait()", EVENT_TIMEOUT, || async {
        let channel = channels.get(&callee).await.ok()?;
        (channel.dialplan.app_name == "Wait").then_some(())
    })
    .await;
    assert_status(channels.answer(&callee).await, 409);
    ctx.hang_up(&[&caller]).await;
    ctx.wait_stasis_end(caller.as_str()).await;
}

/// Waits for a `Dial` event of `peer` with `status`.
async fn dial_status(ctx: &mut Ctx, peer: &ChannelId, status: &str) {
    ctx.wait(
        &format!("Dial {status}"),
        |e| matches!(e, Event::Dial(d) if d.peer.id == *peer && d.dialstatus == status),
    )
    .await;
}

async fn move_and_snoop(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let channels = client.channels();
    let other_app = format!("{}_other", ctx.app);
    let mut other = EventLog::connect(&ari_testkit::client(), &other_app).await;
    let channel = ctx.originate_into_app("mover", "wait").await;

    // Into an application nobody runs: Asterisk says so, and keeps the channel here.
    let nowhere = format!("{}_nowhere", ctx.app);
    channels
        .move_to_app(&channel, nowhere.as_str())
        .await
        .unwrap();
    let Event::ApplicationMoveFailed(failed) = ctx
        .wait(
            "ApplicationMoveFailed",
            |e| matches!(e, Event::ApplicationMoveFailed(f) if f.channel.id == channel),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(failed.destination, nowhere.as_str());

    // Snoop channels: spying, and spying plus whispering, each into this application.
    let spy = ChannelId::new(ctx.id("spy"));
    let snoop = channels
        .snoop_channel(&channel, ctx.app.as_str())
        .spy(SnoopDirection::In)
        .snoop_id(spy.clone())
        .app_args("spying")
        .await
        .unwrap();
    assert_eq!(snoop.id, spy);
    assert!(
        snoop.name.starts_with(&format!("Snoop/{channel}-")),
        "{}",
        snoop.name
    );
    let start = ctx.wait_stasis_start(spy.as_str()).await;
    assert_eq!(start.args, ["spying"]);
    let whisper = ChannelId::new(ctx.id("whisper"));
    let snoop = channels
        .snoop_channel_with_id(&channel, whisper.clone(), ctx.app.as_str())
        .spy(SnoopDirection::Both)
        .whisper(SnoopDirection::Out)
        .await
        .unwrap();
    assert_eq!(snoop.id, whisper);
    ctx.wait_stasis_start(whisper.as_str()).await;
    assert_status(
        channels
            .snoop_channel(&channel, ctx.app.as_str())
            .spy(SnoopDirection::None)
            .whisper(SnoopDirection::None)
            .await,
        400,
    );
    ctx.hang_up(&[&spy, &whisper]).await;

    // Into the other application: it leaves this one, and starts there with the arguments.
    channels
        .move_to_app(&channel, other_app.as_str())
        .app_args("moved,here")
        .await
        .unwrap();
    ctx.wait_stasis_end(channel.as_str()).await;
    let Event::StasisStart(moved) = other
        .wait_for(
            "StasisStart in the other application",
            EVENT_TIMEOUT,
            |e| matches!(e, Event::StasisStart(s) if s.channel.id == channel),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(moved.args, ["moved", "here"]);
    assert_eq!(
        moved.application.as_ref().map(|a| a.as_str()),
        Some(other_app.as_str())
    );
    ctx.hang_up(&[&channel]).await;
}

async fn media(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let channels = client.channels();
    // The far end echoes: what is played to the channel comes back to be recorded.
    let channel = ctx.originate_into_app("media", "echo").await;

    let first = PlaybackId::new(ctx.id("beep"));
    let playback = channels
        .play(&channel, ["sound:beep"])
        .playback_id(first.clone())
        .lang("en")
        .await
        .unwrap();
    assert_eq!(playback.id, first);
    assert_eq!(playback.target_uri, format!("channel:{channel}"));
    let second = PlaybackId::new(ctx.id("beep2"));
    let playback = channels
        .play_with_id(&channel, second.clone(), ["sound:beep"])
        .await
        .unwrap();
    assert_eq!(playback.id, second);
    for id in [&first, &second] {
        let Event::PlaybackFinished(finished) = ctx
            .wait(
                "PlaybackFinished",
                |e| matches!(e, Event::PlaybackFinished(p) if p.playback.id == *id),
            )
            .await
        else {
            unreachable!()
        };
        assert_eq!(finished.playback.media_uri, "sound:beep");
    }
    assert_recording_dir().await;
    // Music keeps frames flowing (a recording of a silent line waits for frames to end).
    channels.start_moh(&channel).await.unwrap();
    let name = RecordingName::new(ctx.id("rec"));
    let recording = channels
        .record(&channel, name.clone(), "wav")
        .max_duration_seconds(Duration::from_secs(1))
        .if_exists(RecordingIfExists::Overwrite)
        .await
        .unwrap();
    assert_eq!(recording.name, name);
    assert_eq!(recording.target_uri, format!("channel:{channel}"));
    ctx.wait(
        "RecordingStarted",
        |e| matches!(e, Event::RecordingStarted(r) if r.recording.name == name),
    )
    .await;
    ctx.wait(
        "RecordingFinished after its 1 s",
        |e| matches!(e, Event::RecordingFinished(r) if r.recording.name == name),
    )
    .await;
    let stored = client.recordings().get_stored(&name).await.unwrap();
    assert_eq!(stored.format, "wav");
    client.recordings().delete_stored(&name).await.unwrap();
    channels.stop_moh(&channel).await.unwrap();
    ctx.hang_up(&[&channel]).await;
}

async fn external_media(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let id = ChannelId::new(ctx.id("external"));
    let channel = client
        .channels()
        .external_media(ctx.app.as_str(), "ulaw")
        .external_host(socket.local_addr().unwrap().to_string())
        .channel_id(id.clone())
        .await
        .unwrap();
    assert_eq!(channel.id, id);
    assert!(channel.name.starts_with("UnicastRTP/"), "{}", channel.name);
    ctx.wait_stasis_start(id.as_str()).await;
    let port = client
        .channels()
        .get_channel_var(&id, "UNICASTRTP_LOCAL_PORT")
        .await
        .unwrap();
    assert!(port.value.parse::<u16>().is_ok(), "{port:?}");
    // What is played to the channel leaves as RTP (PCMU) to the external host.
    let playback = PlaybackId::new(ctx.id("external-beep"));
    client
        .channels()
        .play(&id, ["sound:beep"])
        .playback_id(playback.clone())
        .await
        .unwrap();
    ctx.wait(
        "PlaybackStarted on the external media channel",
        |e| matches!(e, Event::PlaybackStarted(p) if p.playback.id == playback),
    )
    .await;
    let mut buf = [0_u8; 2048];
    let len = tokio::time::timeout(EVENT_TIMEOUT, socket.recv(&mut buf))
        .await
        .expect("no RTP from the external media channel")
        .unwrap();
    assert!(
        len > 12 && buf[0] >> 6 == 2,
        "not RTP: {:?}",
        &buf[..len.min(16)]
    );
    assert_eq!(buf[1] & 0x7f, 0, "payload type PCMU");
    ctx.hang_up(&[&id]).await;
}

/// A PJSIP call from Asterisk to the test's SIP peer.
async fn sip_call(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let channels = client.channels();
    // Each transport's run has an endpoint of its own, so their calls never meet.
    let aor = match ctx.transport {
        Transport::Http => "101",
        Transport::WebSocket => "102",
    };
    let mut peer = SipPeer::start(&ctx.id("peer")).await;
    peer.attach(&client, aor).await;
    let call = ChannelId::new(ctx.id("sip"));
    channels
        .originate(format!("PJSIP/{aor}"))
        .app(ctx.app.as_str())
        .channel_id(call.clone())
        .await
        .unwrap();
    let invite = peer.request("INVITE", EVENT_TIMEOUT).await;
    assert!(invite.uri.contains(&peer.user), "{}", invite.uri);
    let start = ctx.wait_stasis_start(call.as_str()).await;
    assert_eq!(start.channel.state, ChannelState::Up);
    let window = Duration::from_millis(150);
    let within = Duration::from_secs(5);

    // Silence: RTP whose PCMU payload is all silence; stopped, the stream goes quiet.
    channels.start_silence(&call).await.unwrap();
    peer.wait_rtp("silent packets", within, |r| r.silent >= 10)
        .await;
    channels.stop_silence(&call).await.unwrap();
    peer.wait_quiet(window, within).await;

    let stats = channels.rtp_statistics(&call).await.unwrap();
    assert_eq!(stats.channel_uniqueid, call);
    assert!(stats.txcount >= 10, "{stats:?}");
    assert!(
        i64::try_from(peer.rtp().packets).unwrap() >= stats.txcount - 5,
        "{stats:?}"
    );
    assert_ne!(stats.local_ssrc, 0);

    // Music on hold, started directly or by holding: sound, not silence; then quiet again.
    for (start, stop) in [("startMoh", "stopMoh"), ("hold", "unhold")] {
        let before = peer.rtp();
        match start {
            "startMoh" => channels
                .start_moh(&call)
                .moh_class("default")
                .await
                .unwrap(),
            _ => channels.hold(&call).await.unwrap(),
        }
        peer.wait_rtp(&format!("music after {start}"), within, |r| {
            r.packets - r.silent >= before.packets - before.silent + 10
        })
        .await;
        match stop {
            "stopMoh" => channels.stop_moh(&call).await.unwrap(),
            _ => channels.unhold(&call).await.unwrap(),
        }
        peer.wait_quiet(window, within).await;
    }

    // Ringing an answered call plays the ringback tone in band; ringStop ends it.
    channels.ring(&call).await.unwrap();
    let before = peer.rtp();
    peer.wait_rtp("ringback tone", within, |r| {
        r.packets >= before.packets + 10
    })
    .await;
    channels.ring_stop(&call).await.unwrap();
    peer.wait_quiet(window, within).await;

    // Muting what the channel sends stops its RTP though the music plays on.
    channels.start_moh(&call).await.unwrap();
    let before = peer.rtp();
    peer.wait_rtp("music", within, |r| r.packets >= before.packets + 10)
        .await;
    channels
        .mute(&call)
        .direction(MuteDirection::Out)
        .await
        .unwrap();
    peer.wait_quiet(window, within).await;
    channels
        .unmute(&call)
        .direction(MuteDirection::Out)
        .await
        .unwrap();
    let before = peer.rtp();
    peer.wait_rtp("music after unmute", within, |r| {
        r.packets >= before.packets + 10
    })
    .await;
    channels.stop_moh(&call).await.unwrap();

    // A redirect of an answered PJSIP call is a REFER to the peer (which reports the transfer
    // done, as a phone would); the call stays up for the application to end.
    let target = "sip:elsewhere@127.0.0.1:9";
    let message = assert_status(channels.redirect(&call, "Local/wait@sandbox").await, 422);
    assert!(message.contains("does not match"), "{message}");
    channels
        .redirect(&call, format!("PJSIP/{target}"))
        .await
        .unwrap();
    let refer = peer.request("REFER", within).await;
    let refer_to = refer.header("Refer-To").unwrap_or_default();
    assert!(refer_to.contains(target), "{refer_to}");
    channels.hangup(&call).await.unwrap();
    ctx.wait_stasis_end(call.as_str()).await;
    peer.request("BYE", within).await;
    peer.detach(&client).await;
}
