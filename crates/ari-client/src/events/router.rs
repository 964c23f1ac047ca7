//! Many consumers on one connection: events routed by key to bounded subscriptions.
//!
//! The connection task reads each frame's keys (event type, application, channel, bridge,
//! playback, recording) straight from its text, without decoding it, and looks them up in maps,
//! one per kind of key, borrowing the keys from the frame: the cost of an event does not grow
//! with the number of subscribers. Only the kinds some subscriber asked for are read, and the
//! walk stops once it has them. One copy of the frame, shared by its subscribers, is queued for
//! each of them, and each decodes it as it reads it: decoding spreads over the consumers'
//! tasks, and an event is allocated and freed on the same thread. A frame whose keys the fast
//! reader cannot read (an unknown type, an escaped id) is decoded by the connection task and
//! routed by its event.
//!
//! A subscriber receives only what it asked for, never a copy of everything. Each subscription
//! has its own bounded queue; one that stays slow receives [`Message::Lagged`] and never holds
//! up the others or the socket reader.

use std::borrow::Cow;
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::socket::{Deliver, EventStreamBuilder};
use super::{Message, decode_event, fast, queue, rest_ws};
use crate::Event;
use crate::client::Client;
use crate::error::Result;
use crate::generated::events::key_paths;
use crate::ids::{BridgeId, ChannelId, PlaybackId, RecordingName};

/// What a [`Subscription`] receives. Reconnect markers and errors reach every subscription.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Filter {
    /// Every event of the connection.
    All,
    /// Events of one Stasis application (the connection may serve several).
    Application(String),
    /// Events about one channel (its `channel` field, or the channel a playback, recording or
    /// transfer event names).
    Channel(ChannelId),
    /// Events about one bridge.
    Bridge(BridgeId),
    /// Events about one playback.
    Playback(PlaybackId),
    /// Events about one live recording.
    Recording(RecordingName),
    /// Events of one type, e.g. `"ChannelDtmfReceived"`.
    EventType(String),
}

/// The kinds of keys events are routed under: every [`Filter`] but `All`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Application,
    Channel,
    Bridge,
    Playback,
    Recording,
    EventType,
}

const KEY_KINDS: usize = 6;

impl Filter {
    /// The key this filter selects, `None` for `All`.
    fn key(&self) -> Option<(KeyKind, &str)> {
        Some(match self {
            Filter::All => return None,
            Filter::Application(app) => (KeyKind::Application, app.as_str()),
            Filter::Channel(id) => (KeyKind::Channel, id.as_str()),
            Filter::Bridge(id) => (KeyKind::Bridge, id.as_str()),
            Filter::Playback(id) => (KeyKind::Playback, id.as_str()),
            Filter::Recording(name) => (KeyKind::Recording, name.as_str()),
            Filter::EventType(kind) => (KeyKind::EventType, kind.as_str()),
        })
    }
}

/// The kinds of keys that some subscriber asked for, by [`KeyKind`].
#[derive(Debug, Clone, Copy)]
struct Wanted([bool; KEY_KINDS]);

impl Wanted {
    /// For the checks that compare keys read from a frame with its event's.
    #[cfg(any(test, feature = "self-check"))]
    const ALL: Wanted = Wanted([true; KEY_KINDS]);
}

/// The keys an event is routed under, borrowed from it: looking them up allocates nothing.
#[derive(Debug, PartialEq)]
struct EventKeys<'e> {
    keys: [(KeyKind, &'e str); 5],
    len: usize,
}

impl<'e> EventKeys<'e> {
    fn of(event: &'e Event) -> Self {
        let mut keys = Self {
            keys: [(KeyKind::EventType, event.event_type()); 5],
            len: 1,
        };
        if let Some(app) = event.application() {
            keys.push(KeyKind::Application, app);
        }
        if let Some(channel) = event.channel_id() {
            keys.push(KeyKind::Channel, channel.as_str());
        } else if let Some(channel) = target_channel(event) {
            keys.push(KeyKind::Channel, channel);
        }
        if let Some(bridge) = event.bridge_id() {
            keys.push(KeyKind::Bridge, bridge.as_str());
        }
        match event {
            Event::PlaybackStarted(e) => keys.push(KeyKind::Playback, e.playback.id.as_str()),
            Event::PlaybackContinuing(e) => keys.push(KeyKind::Playback, e.playback.id.as_str()),
            Event::PlaybackFinished(e) => keys.push(KeyKind::Playback, e.playback.id.as_str()),
            Event::RecordingStarted(e) => keys.push(KeyKind::Recording, e.recording.name.as_str()),
            Event::RecordingFinished(e) => {
                keys.push(KeyKind::Recording, e.recording.name.as_str());
            }
            Event::RecordingFailed(e) => keys.push(KeyKind::Recording, e.recording.name.as_str()),
            _ => {}
        }
        keys
    }

    /// The keys of a frame, read without decoding it: what [`EventKeys::of`] gives for the
    /// decoded event. `None` for a type this version does not know and where the fast reader
    /// gives up; the caller then decodes the frame.
    ///
    /// Only the kinds of keys in `wanted` are read (the type always is): the walk over the frame
    /// stops once it has them, and Asterisk writes an event's `application` last.
    fn of_frame(text: &'e str, wanted: Wanted) -> Option<Self> {
        let Cow::Borrowed(event_type) = fast::frame_type(text)? else {
            return None;
        };
        let mut paths = key_paths(event_type)?;
        let want = |kind: KeyKind, path: &'static [&'static str]| {
            if wanted.0[kind as usize] { path } else { &[] }
        };
        paths.channel = want(KeyKind::Channel, paths.channel);
        paths.bridge = want(KeyKind::Bridge, paths.bridge);
        let (own_kind, own, target): (KeyKind, &[&str], &[&str]) = match event_type {
            "PlaybackStarted" | "PlaybackContinuing" | "PlaybackFinished" => (
                KeyKind::Playback,
                &["playback", "id"],
                &["playback", "target_uri"],
            ),
            "RecordingStarted" | "RecordingFinished" | "RecordingFailed" => (
                KeyKind::Recording,
                &["recording", "name"],
                &["recording", "target_uri"],
            ),
            _ => (KeyKind::Playback, &[], &[]),
        };
        let own = want(own_kind, own);
        let target = want(KeyKind::Channel, target);
        let application = want(KeyKind::Application, &["application"]);
        let [application, channel, bridge, own, target] = fast::strings_at(
            text,
            &[application, paths.channel, paths.bridge, own, target],
        )?;
        let mut keys = Self {
            keys: [(KeyKind::EventType, event_type); 5],
            len: 1,
        };
        if let Some(app) = application {
            keys.push(KeyKind::Application, app);
        }
        if let Some(channel) = channel.or_else(|| target?.strip_prefix("channel:")) {
            keys.push(KeyKind::Channel, channel);
        }
        if let Some(bridge) = bridge {
            keys.push(KeyKind::Bridge, bridge);
        }
        if let Some(own) = own {
            keys.push(own_kind, own);
        }
        Some(keys)
    }

    /// Adds a key; an event has at most five (type, application, channel, bridge, and a
    /// playback or recording).
    fn push(&mut self, kind: KeyKind, key: &'e str) {
        if let Some(slot) = self.keys.get_mut(self.len) {
            *slot = (kind, key);
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[(KeyKind, &'e str)] {
        &self.keys[..self.len]
    }
}

/// Checks that a frame routed by the keys read from it goes where its decoded event would;
/// returns whether the keys were read from the frame.
#[cfg(any(test, feature = "self-check"))]
pub(crate) fn check_frame_keys(what: &str, text: &str) -> bool {
    let Some(keys) = EventKeys::of_frame(text, Wanted::ALL) else {
        return false;
    };
    let event = decode_event(text);
    // A frame whose type is known but whose fields do not fit decodes as `Unknown`, which
    // has no channel or bridge; routing it by the keys it carries is deliberate.
    if !event.is_unknown() {
        assert_eq!(
            EventKeys::of(&event),
            keys,
            "{what}: routed otherwise than decoded:\n{text}"
        );
    }
    true
}

/// The channel a playback or recording plays to or records (`target_uri` = `channel:<id>`).
fn target_channel(event: &Event) -> Option<&str> {
    let uri = match event {
        Event::PlaybackStarted(e) => &e.playback.target_uri,
        Event::PlaybackContinuing(e) => &e.playback.target_uri,
        Event::PlaybackFinished(e) => &e.playback.target_uri,
        Event::RecordingStarted(e) => &e.recording.target_uri,
        Event::RecordingFinished(e) => &e.recording.target_uri,
        Event::RecordingFailed(e) => &e.recording.target_uri,
        _ => return None,
    };
    uri.strip_prefix("channel:")
}

/// Maps looked up on every event: foldhash (seeded per process) instead of SipHash.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    subscribers: FastMap<u64, queue::Sender>,
    /// Subscribers to `Filter::All`.
    everything: Vec<u64>,
    /// Subscribers by key, one map per [`KeyKind`].
    by_key: [FastMap<String, Vec<u64>>; KEY_KINDS],
    /// Subscribers given events since the last flush, each once.
    to_wake: Vec<u64>,
    /// The subscribers of the event being routed (kept to reuse its allocation).
    targets: Vec<u64>,
    closed: bool,
}

impl Table {
    fn add(&mut self, filter: &Filter, id: u64) {
        match filter.key() {
            None => self.everything.push(id),
            Some((kind, key)) => self.by_key[kind as usize]
                .entry(key.to_owned())
                .or_default()
                .push(id),
        }
    }

    /// The kinds of keys some subscriber asked for.
    fn wanted(&self) -> Wanted {
        Wanted(std::array::from_fn(|kind| !self.by_key[kind].is_empty()))
    }

    /// The subscribers an event with `keys` goes to, each once, in the scratch vector (give it
    /// back to `targets` when done, to keep its allocation).
    fn targets_of(&mut self, keys: &EventKeys<'_>) -> Vec<u64> {
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        targets.extend(&self.everything);
        for &(kind, key) in keys.as_slice() {
            if let Some(ids) = self.by_key[kind as usize].get(key) {
                targets.extend(ids);
            }
        }
        if targets.len() > 1 {
            targets.sort_unstable();
            targets.dedup();
        }
        targets
    }

    fn remove(&mut self, filter: &Filter, id: u64) {
        self.subscribers.remove(&id);
        match filter.key() {
            None => self.everything.retain(|other| *other != id),
            Some((kind, key)) => {
                let map = &mut self.by_key[kind as usize];
                if let Some(ids) = map.get_mut(key) {
                    ids.retain(|other| *other != id);
                    if ids.is_empty() {
                        map.remove(key);
                    }
                }
            }
        }
    }
}

#[derive(Debug)]
struct Shared {
    table: Mutex<Table>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Table> {
        // Each update leaves the table whole, so a poisoned lock still guards valid data.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Routes a frame by the keys read from it; the subscribers decode it as they read it.
    fn dispatch_frame(&self, frame: &Utf8Bytes) {
        // The project's test runs check that a frame goes where its event would.
        #[cfg(feature = "self-check")]
        check_frame_keys("a frame of the socket", frame.as_str());
        let mut guard = self.lock();
        let Some(keys) = EventKeys::of_frame(frame.as_str(), guard.wanted()) else {
            // An unknown type, or a frame the fast reader leaves to serde: decoded here.
            drop(guard);
            self.dispatch(decode_event(frame.as_str()));
            return;
        };
        let table = &mut *guard;
        let targets = table.targets_of(&keys);
        if !targets.is_empty() {
            // A frame shares the allocation of the socket's read buffer (16 KiB) with the
            // frames read along with it: queued as it is, one frame that waits for a slow
            // subscriber would keep that whole buffer alive, and a subscriber that gets one
            // frame in thirty could hold a buffer per queued frame. A copy of its own is as
            // long as the frame; its subscribers share it.
            let frame = Utf8Bytes::from(frame.as_str().to_owned());
            for id in &targets {
                if let Some(tx) = table.subscribers.get(id)
                    && tx.push_frame(frame.clone())
                {
                    table.to_wake.push(*id);
                }
            }
        }
        table.targets = targets;
    }

    /// Routes a decoded event: a copy for each subscriber but the last.
    fn dispatch(&self, event: Event) {
        let keys = EventKeys::of(&event);
        let mut table = self.lock();
        let table = &mut *table;
        let targets = table.targets_of(&keys);
        if let Some((last, rest)) = targets.split_last() {
            for id in rest {
                if let Some(tx) = table.subscribers.get(id)
                    && tx.push_event(Message::Event(event.clone()))
                {
                    table.to_wake.push(*id);
                }
            }
            if let Some(tx) = table.subscribers.get(last)
                && tx.push_event(Message::Event(event))
            {
                table.to_wake.push(*last);
            }
        }
        table.targets = targets;
    }
}

impl Deliver for Shared {
    fn frame(&self, frame: &Utf8Bytes) {
        self.dispatch_frame(frame);
    }

    fn flush(&self) {
        let mut table = self.lock();
        let table = &mut *table;
        for id in table.to_wake.drain(..) {
            if let Some(tx) = table.subscribers.get(&id) {
                tx.wake();
            }
        }
    }

    fn push_control(&self, item: Result<Message>) {
        let table = self.lock();
        for tx in table.subscribers.values() {
            let copy = match &item {
                Ok(message) => Ok(message.clone()),
                Err(err) => Err(err.duplicate()),
            };
            tx.push_control(copy);
        }
    }

    fn close(&self) {
        let mut table = self.lock();
        table.closed = true;
        for tx in table.subscribers.values() {
            tx.close();
        }
    }
}

/// One connection shared by many subscriptions; see [`EventStreamBuilder::connect_router`].
///
/// Cheap to clone. The connection closes when the router and all its subscriptions are gone.
#[derive(Debug, Clone)]
pub struct Router {
    inner: Arc<RouterInner>,
}

#[derive(Debug)]
struct RouterInner {
    shared: Arc<Shared>,
    client: Client,
    rest: rest_ws::RestChannel,
    apps: Vec<String>,
    capacity: usize,
    _stop: oneshot::Sender<()>,
}

impl EventStreamBuilder {
    /// Opens the WebSocket and routes its events to [`Subscription`]s instead of one stream.
    ///
    /// ```no_run
    /// # async fn run(client: ari_client::Client) -> ari_client::Result<()> {
    /// use ari_client::events::{Filter, Message};
    /// use futures_util::StreamExt as _;
    ///
    /// let router = client.events(["ivr"]).connect_router().await?;
    /// let mut dtmf = router.subscribe(Filter::EventType("ChannelDtmfReceived".into()));
    /// while let Some(Ok(Message::Event(event))) = dtmf.next().await {
    ///     println!("{:?} pressed a key", event.channel_id());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn connect_router(self) -> Result<Router> {
        let shared = Arc::new(Shared {
            table: Mutex::new(Table::default()),
        });
        let client = self.client().clone();
        let apps = self.apps().to_vec();
        let capacity = self.queue_capacity();
        let (rest, stop) = self.start(shared.clone()).await?;
        Ok(Router {
            inner: Arc::new(RouterInner {
                shared,
                client,
                rest,
                apps,
                capacity,
                _stop: stop,
            }),
        })
    }
}

impl Router {
    /// A subscription to the events `filter` selects, with the connection's queue capacity.
    pub fn subscribe(&self, filter: Filter) -> Subscription {
        self.subscribe_with_capacity(filter, self.inner.capacity)
    }

    /// A subscription with its own queue capacity (see [`Message::Lagged`]).
    pub fn subscribe_with_capacity(&self, filter: Filter, capacity: usize) -> Subscription {
        let (tx, rx) = queue::bounded(capacity);
        let mut table = self.inner.shared.lock();
        if table.closed {
            tx.close();
        }
        let id = table.next_id;
        table.next_id += 1;
        table.subscribers.insert(id, tx);
        table.add(&filter, id);
        drop(table);
        Subscription {
            rx,
            id,
            filter,
            shared: Arc::downgrade(&self.inner.shared),
            _router: self.inner.clone(),
        }
    }

    /// The client, sending its requests over HTTP.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// A client sending its requests over this router's WebSocket (REST over WebSocket).
    pub fn rest_client(&self) -> Client {
        self.inner.client.with_rest_channel(self.inner.rest.clone())
    }

    /// The Stasis applications of the connection.
    pub fn applications(&self) -> &[String] {
        &self.inner.apps
    }

    /// How many subscriptions are open.
    pub fn subscriber_count(&self) -> usize {
        self.inner.shared.lock().subscribers.len()
    }
}

/// The events one [`Filter`] selects, as a [`Stream`] of [`Message`]s.
///
/// Dropping it unsubscribes. It ends when the connection ends for good.
#[derive(Debug)]
pub struct Subscription {
    rx: queue::Receiver,
    id: u64,
    filter: Filter,
    shared: Weak<Shared>,
    // Keeps the connection open while a subscription lives.
    _router: Arc<RouterInner>,
}

impl Subscription {
    /// What this subscription receives.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// How many items wait to be read.
    pub fn queued(&self) -> usize {
        self.rx.len()
    }
}

impl Stream for Subscription {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_next(cx)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        shared.lock().remove(&self.filter, self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: serde_json::Value) -> Event {
        decode_event(&json.to_string())
    }

    fn channel(id: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id, "name": format!("PJSIP/{id}"), "state": "Up", "protocol_id": "",
            "caller": {"name": "", "number": ""}, "connected": {"name": "", "number": ""},
            "accountcode": "", "dialplan": {"context": "c", "exten": "e", "priority": 1,
            "app_name": "", "app_data": ""}, "creationtime": "2026-11-23T19:35:30.123+0000",
            "language": "en"
        })
    }

    #[test]
    fn an_event_is_routed_under_its_application_channel_and_type() {
        let e = event(serde_json::json!({
            "type": "ChannelDtmfReceived", "application": "ivr", "digit": "5",
            "duration_ms": 100, "channel": channel("c1"),
            "timestamp": "2026-11-23T19:35:30.123+0000"
        }));
        assert!(!e.is_unknown(), "{e:?}");
        let keys = EventKeys::of(&e);
        assert_eq!(
            keys.as_slice(),
            [
                (KeyKind::EventType, "ChannelDtmfReceived"),
                (KeyKind::Application, "ivr"),
                (KeyKind::Channel, "c1"),
            ]
        );
    }

    #[test]
    fn playback_events_are_routed_to_their_target_channel() {
        let e = event(serde_json::json!({
            "type": "PlaybackStarted", "application": "ivr",
            "playback": {"id": "p1", "media_uri": "sound:x", "target_uri": "channel:c9",
                         "language": "en", "state": "playing"}
        }));
        let keys = EventKeys::of(&e);
        assert_eq!(
            keys.as_slice(),
            [
                (KeyKind::EventType, "PlaybackStarted"),
                (KeyKind::Application, "ivr"),
                (KeyKind::Channel, "c9"),
                (KeyKind::Playback, "p1"),
            ]
        );
        // Every filter but `All` names its key.
        assert_eq!(
            Filter::Recording(RecordingName::new("r")).key(),
            Some((KeyKind::Recording, "r"))
        );
        assert_eq!(Filter::All.key(), None);
    }

    #[test]
    fn dispatch_reaches_only_matching_subscribers_and_each_once() {
        let shared = Shared {
            table: Mutex::new(Table::default()),
        };
        let mut receivers = Vec::new();
        for (id, filter) in [
            Filter::Channel(ChannelId::new("c1")),
            Filter::Channel(ChannelId::new("c2")),
            Filter::All,
        ]
        .into_iter()
        .enumerate()
        {
            let (tx, rx) = queue::bounded(8);
            let mut table = shared.lock();
            table.subscribers.insert(id as u64, tx);
            table.add(&filter, id as u64);
            receivers.push(rx);
        }
        // The `All` subscriber also matches by channel: it must still get one copy.
        shared.lock().add(&Filter::Channel(ChannelId::new("c1")), 2);
        shared.dispatch(event(serde_json::json!({
            "type": "ChannelHangupRequest", "channel": channel("c1")
        })));
        assert_eq!(receivers[0].len(), 1);
        assert_eq!(receivers[1].len(), 0);
        assert_eq!(receivers[2].len(), 1);
    }

    #[test]
    fn removing_a_subscriber_leaves_the_others_of_its_key_and_empties_the_maps() {
        let mut table = Table::default();
        let filter = Filter::Bridge(crate::ids::BridgeId::new("b1"));
        for id in 0..2 {
            let (tx, _rx) = queue::bounded(1);
            table.subscribers.insert(id, tx);
            table.add(&filter, id);
        }
        table.add(&Filter::All, 2);
        table.remove(&filter, 0);
        assert_eq!(
            table.by_key[KeyKind::Bridge as usize].get("b1"),
            Some(&vec![1])
        );
        table.remove(&filter, 1);
        table.remove(&Filter::All, 2);
        assert!(table.subscribers.is_empty());
        assert!(table.everything.is_empty());
        assert!(table.by_key.iter().all(HashMap::is_empty));
    }
}
