//! Many consumers on one connection: events routed by key to bounded subscriptions.
//!
//! The connection task decodes each frame once and looks its keys up in a map (application,
//! channel, bridge, playback, recording, event type), so the cost of an event does not grow
//! with the number of subscribers: a subscriber receives only what it asked for, never a copy
//! of everything. Each subscription has its own bounded queue; one that stays slow receives
//! [`Message::Lagged`] and never holds up the others or the socket reader.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::oneshot;

use super::socket::{Deliver, EventStreamBuilder};
use super::{Message, decode_event, queue, rest_ws};
use crate::Event;
use crate::client::Client;
use crate::error::Result;
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

impl Filter {
    /// Every key under which `event` is routed, `All` first.
    fn keys_of(event: &Event) -> Vec<Filter> {
        let mut keys = Vec::with_capacity(4);
        if let Some(app) = event.application() {
            keys.push(Filter::Application(app.to_owned()));
        }
        if let Some(channel) = event.channel_id() {
            keys.push(Filter::Channel(channel.clone()));
        } else if let Some(channel) = target_channel(event) {
            keys.push(Filter::Channel(channel));
        }
        if let Some(bridge) = event.bridge_id() {
            keys.push(Filter::Bridge(bridge.clone()));
        }
        match event {
            Event::PlaybackStarted(e) => keys.push(Filter::Playback(e.playback.id.clone())),
            Event::PlaybackContinuing(e) => keys.push(Filter::Playback(e.playback.id.clone())),
            Event::PlaybackFinished(e) => keys.push(Filter::Playback(e.playback.id.clone())),
            Event::RecordingStarted(e) => keys.push(Filter::Recording(e.recording.name.clone())),
            Event::RecordingFinished(e) => keys.push(Filter::Recording(e.recording.name.clone())),
            Event::RecordingFailed(e) => keys.push(Filter::Recording(e.recording.name.clone())),
            _ => {}
        }
        keys.push(Filter::EventType(event.event_type().to_owned()));
        keys
    }
}

/// The channel a playback or recording plays to or records (`target_uri` = `channel:<id>`).
fn target_channel(event: &Event) -> Option<ChannelId> {
    let uri = match event {
        Event::PlaybackStarted(e) => &e.playback.target_uri,
        Event::PlaybackContinuing(e) => &e.playback.target_uri,
        Event::PlaybackFinished(e) => &e.playback.target_uri,
        Event::RecordingStarted(e) => &e.recording.target_uri,
        Event::RecordingFinished(e) => &e.recording.target_uri,
        Event::RecordingFailed(e) => &e.recording.target_uri,
        _ => return None,
    };
    uri.strip_prefix("channel:").map(ChannelId::new)
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    subscribers: HashMap<u64, queue::Sender>,
    by_key: HashMap<Filter, Vec<u64>>,
    /// Subscribers given events since the last flush, each once.
    to_wake: Vec<u64>,
    closed: bool,
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

    fn dispatch(&self, event: Event) {
        let keys = Filter::keys_of(&event);
        let mut table = self.lock();
        let mut targets: Vec<u64> = Vec::new();
        for key in std::iter::once(&Filter::All).chain(keys.iter()) {
            if let Some(ids) = table.by_key.get(key) {
                targets.extend(ids);
            }
        }
        if targets.len() > 1 {
            targets.sort_unstable();
            targets.dedup();
        }
        let Some((last, rest)) = targets.split_last() else {
            return;
        };
        let table = &mut *table;
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
}

impl Deliver for Shared {
    fn frame(&self, text: &str) {
        self.dispatch(decode_event(text));
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
        table.by_key.entry(filter.clone()).or_default().push(id);
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
        let mut table = shared.lock();
        table.subscribers.remove(&self.id);
        if let Some(ids) = table.by_key.get_mut(&self.filter) {
            ids.retain(|id| *id != self.id);
            if ids.is_empty() {
                table.by_key.remove(&self.filter);
            }
        }
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
        let keys = Filter::keys_of(&e);
        assert!(keys.contains(&Filter::Application("ivr".into())));
        assert!(keys.contains(&Filter::Channel(ChannelId::new("c1"))));
        assert!(keys.contains(&Filter::EventType("ChannelDtmfReceived".into())));
    }

    #[test]
    fn playback_events_are_routed_to_their_target_channel() {
        let e = event(serde_json::json!({
            "type": "PlaybackStarted", "application": "ivr",
            "playback": {"id": "p1", "media_uri": "sound:x", "target_uri": "channel:c9",
                         "language": "en", "state": "playing"}
        }));
        let keys = Filter::keys_of(&e);
        assert!(
            keys.contains(&Filter::Playback(PlaybackId::new("p1"))),
            "{keys:?}"
        );
        assert!(
            keys.contains(&Filter::Channel(ChannelId::new("c9"))),
            "{keys:?}"
        );
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
            table.by_key.entry(filter).or_default().push(id as u64);
            receivers.push(rx);
        }
        // The `All` subscriber also matches by channel: it must still get one copy.
        shared
            .lock()
            .by_key
            .entry(Filter::Channel(ChannelId::new("c1")))
            .or_default()
            .push(2);
        shared.dispatch(event(serde_json::json!({
            "type": "ChannelHangupRequest", "channel": channel("c1")
        })));
        assert_eq!(receivers[0].len(), 1);
        assert_eq!(receivers[1].len(), 0);
        assert_eq!(receivers[2].len(), 1);
    }
}
