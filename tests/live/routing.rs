//! Routing, handles and the state mirror against the real Asterisk: bursts, slow consumers,
//! objects that go away, and a mirror that equals what Asterisk reports after a restart.

use std::collections::BTreeSet;
use std::time::Duration;

use ari_client::events::{Filter, Message, Subscription};
use ari_client::{Client, Event};
use ari_sandbox::{Ports, Sandbox};
use ari_testkit::{EVENT_TIMEOUT, next_event, unique_app};
use futures_util::StreamExt as _;

const BURST: usize = 20_000;
const SENDERS: usize = 8;

/// Sends `BURST` user events to `app` from `SENDERS` concurrent connections, each numbering its
/// own events, so per-sender order can be checked.
async fn send_burst(client: &Client, app: &str) {
    let mut tasks = Vec::new();
    for sender in 0..SENDERS {
        let client = client.clone();
        let app = app.to_owned();
        tasks.push(tokio::spawn(async move {
            for seq in 0..BURST / SENDERS {
                client
                    .events_api()
                    .user_event("burst", app.as_str())
                    .variable("sender", sender.to_string())
                    .variable("seq", seq.to_string())
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// `(sender, seq)` of a burst event.
fn burst_key(event: &Event) -> Option<(usize, usize)> {
    let Event::ChannelUserevent(e) = event else {
        return None;
    };
    let field = |name: &str| {
        e.userevent[name]
            .as_str()
            .and_then(|v| v.parse::<usize>().ok())
    };
    Some((field("sender")?, field("seq")?))
}

/// Reads burst events until `BURST` are accounted for (received or reported missed); checks
/// that each sender's events arrive in order. Returns (received, missed).
async fn drain_burst(
    sub: &mut Subscription,
    per_item: Option<Duration>,
    cap: usize,
) -> (usize, u64) {
    let mut next_seq = [0_usize; SENDERS];
    let (mut received, mut missed) = (0_usize, 0_u64);
    while received + usize::try_from(missed).unwrap() < BURST {
        assert!(sub.queued() <= cap + 1, "a queue grew past its bound");
        let item = tokio::time::timeout(Duration::from_secs(60), sub.next())
            .await
            .expect("the burst stalled")
            .expect("the subscription ended")
            .unwrap();
        match item {
            Message::Event(event) => {
                let Some((sender, seq)) = burst_key(&event) else {
                    continue;
                };
                if missed == 0 {
                    assert_eq!(seq, next_seq[sender], "sender {sender} out of order");
                } else {
                    assert!(seq >= next_seq[sender], "sender {sender} went backwards");
                }
                next_seq[sender] = seq + 1;
                received += 1;
                if let Some(pause) = per_item {
                    tokio::time::sleep(pause).await;
                }
            }
            Message::Lagged { missed: n } => missed += n,
            other => panic!("unexpected {other:?}"),
        }
    }
    (received, missed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_reaches_a_fast_consumer_whole_while_a_slow_one_lags() {
    let client = ari_testkit::client();
    let app = unique_app("burst");
    let router = client
        .events([app.as_str()])
        .connect_router()
        .await
        .unwrap();
    let mut fast = router.subscribe(Filter::EventType("ChannelUserevent".into()));
    let slow_cap = 500;
    let mut slow = router.subscribe_with_capacity(Filter::Application(app.clone()), slow_cap);

    let sending = {
        let client = client.clone();
        let app = app.clone();
        tokio::spawn(async move { send_burst(&client, &app).await })
    };
    let slow_reader = tokio::spawn(async move {
        let counts = drain_burst(&mut slow, Some(Duration::from_millis(2)), slow_cap).await;
        (counts, slow)
    });
    let (received, missed) = drain_burst(&mut fast, None, 32_768).await;
    assert_eq!(
        (received, missed),
        (BURST, 0),
        "the fast consumer gets everything"
    );
    sending.await.unwrap();
    let ((slow_received, slow_missed), slow) = slow_reader.await.unwrap();
    assert!(slow_missed > 0, "the slow consumer was told it lagged");
    assert_eq!(slow_received + usize::try_from(slow_missed).unwrap(), BURST);
    drop(slow);

    // No zombie socket: the app is still registered and events still arrive.
    let registered = client.applications().get(app.as_str()).await.unwrap();
    assert_eq!(registered.name.as_str(), app);
    client
        .events_api()
        .user_event("after", app.as_str())
        .await
        .unwrap();
    loop {
        let item = tokio::time::timeout(EVENT_TIMEOUT, fast.next())
            .await
            .expect("an event after the burst")
            .unwrap()
            .unwrap();
        if let Message::Event(Event::ChannelUserevent(e)) = item
            && e.eventname == "after"
        {
            break;
        }
    }
}

#[tokio::test]
async fn an_ordinary_stream_takes_a_burst_without_loss() {
    let client = ari_testkit::client();
    let app = unique_app("burststream");
    let router = client
        .events([app.as_str()])
        .connect_router()
        .await
        .unwrap();
    let mut all = router.subscribe(Filter::All);
    let sending = {
        let client = client.clone();
        let app = app.clone();
        tokio::spawn(async move { send_burst(&client, &app).await })
    };
    assert_eq!(drain_burst(&mut all, None, 32_768).await, (BURST, 0));
    sending.await.unwrap();
}

#[tokio::test]
async fn handles_see_their_first_event_and_end_when_the_object_is_gone() {
    let client = ari_testkit::client();
    let app = unique_app("handles");
    let router = client
        .events([app.as_str()])
        .connect_router()
        .await
        .unwrap();
    let mut call = router
        .originate("Local/wait@sandbox", |req| req.app_args("x"))
        .await
        .unwrap();
    // Subscribed before the request left: even the Dial that precedes StasisStart arrives.
    let first = next_event(&mut call).await;
    assert_eq!(first.channel_id(), Some(call.id()), "{first:?}");
    let mut e = first;
    while !matches!(e, Event::StasisStart(_)) {
        e = next_event(&mut call).await;
    }
    call.answer().await.unwrap();

    let mut playback = call.play(["sound:beep"]).await.unwrap();
    let mut kinds = Vec::new();
    while let Some(item) = playback.next().await {
        if let Message::Event(e) = item.unwrap() {
            kinds.push(e.event_type().to_owned());
        }
    }
    assert_eq!(
        kinds,
        ["PlaybackStarted", "PlaybackFinished"],
        "the playback stream ended"
    );

    let mut bridge = router.create_bridge(["mixing"]).await.unwrap();
    bridge.add([call.id().clone()]).await.unwrap();
    let entered = next_event(&mut bridge).await;
    assert!(
        matches!(&entered, Event::ChannelEnteredBridge(e) if e.channel.as_ref().map(|c| &c.id) == Some(call.id())),
        "{entered:?}"
    );

    // Hang up from elsewhere: the handle's stream ends, its operations say "not found".
    let mut watch = router.subscribe(Filter::Channel(call.id().clone()));
    client.channels().hangup(call.id().clone()).await.unwrap();
    let mut seen = BTreeSet::new();
    while let Some(item) = call.next().await {
        if let Message::Event(e) = item.unwrap() {
            seen.insert(e.event_type().to_owned());
        }
    }
    assert!(seen.contains("StasisEnd"), "{seen:?}");
    let err = call.answer().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.message(), Some("Channel not found"));
    // The stream ends at StasisEnd, while Asterisk may still be hanging the channel up;
    // after ChannelDestroyed no operation finds it.
    while !matches!(next_event(&mut watch).await, Event::ChannelDestroyed(_)) {}
    let err = call.hangup().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");

    bridge.destroy().await.unwrap();
    let mut ended_with = None;
    while let Some(item) = bridge.next().await {
        if let Message::Event(e) = item.unwrap() {
            ended_with = Some(e.event_type().to_owned());
        }
    }
    assert_eq!(ended_with.as_deref(), Some("BridgeDestroyed"));
}

async fn asterisk_channel_ids(client: &Client) -> BTreeSet<String> {
    client
        .channels()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.into_string())
        .collect()
}

fn mirror_channel_ids(mirror: &ari_client::mirror::Mirror) -> BTreeSet<String> {
    mirror
        .channel_ids()
        .into_iter()
        .map(|id| id.into_string())
        .collect()
}

#[tokio::test]
async fn the_mirror_equals_asterisk_after_a_restart() {
    let status = ari_testkit::bring_up("mirror_restart", Ports::default()).unwrap();
    let client = ari_testkit::client_for(&status);
    let app = unique_app("mirror");
    let router = client
        .events([app.as_str()])
        .subscribe_all(true)
        .backoff(Duration::from_millis(100), Duration::from_secs(1))
        .connect_router()
        .await
        .unwrap();
    let mut mirror = router.mirror().await.unwrap();
    let mut calls = Vec::new();
    for _ in 0..3 {
        calls.push(router.originate("Local/wait@sandbox", |r| r).await.unwrap());
    }
    for call in &mut calls {
        while !matches!(next_event(call).await, Event::StasisStart(_)) {}
    }
    // The mirror follows the events: every channel Asterisk has, it has.
    let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
    while mirror_channel_ids(&mirror) != asterisk_channel_ids(&client).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the mirror did not catch up"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mirrored = mirror_channel_ids(&mirror);
    for call in &calls {
        assert!(mirrored.contains(call.id().as_str()), "{mirrored:?}");
    }

    // A crash, not a clean stop: Asterisk sends no ChannelDestroyed, the channels just vanish.
    let seen = mirror.resyncs();
    tokio::task::spawn_blocking(|| {
        Sandbox::new("mirror_restart").unwrap().kill().unwrap();
        ari_testkit::bring_up("mirror_restart", Ports::default()).unwrap();
    })
    .await
    .unwrap();
    tokio::time::timeout(Duration::from_secs(20), mirror.resynced_after(seen))
        .await
        .expect("a resync after the reconnect");
    assert_eq!(
        mirror_channel_ids(&mirror),
        asterisk_channel_ids(&client).await
    );
    assert!(
        mirror_channel_ids(&mirror).is_empty(),
        "the restart ended every call"
    );
    let vanished: BTreeSet<String> = mirror
        .take_notices()
        .into_iter()
        .filter_map(|n| match n {
            ari_client::mirror::Notice::ChannelVanished(id) => Some(id.into_string()),
            _ => None,
        })
        .collect();
    for call in &calls {
        assert!(vanished.contains(call.id().as_str()), "{vanished:?}");
        assert!(
            vanished.contains(&format!("{};2", call.id())),
            "{vanished:?}"
        );
    }
    let snapshot = mirror.snapshot();
    let endpoints: BTreeSet<String> = client
        .endpoints()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{}/{}", e.technology, e.resource))
        .collect();
    assert_eq!(
        snapshot.endpoints.keys().cloned().collect::<BTreeSet<_>>(),
        endpoints
    );
    Sandbox::new("mirror_restart").unwrap().down().unwrap();
}
