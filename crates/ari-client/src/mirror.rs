//! An opt-in mirror of Asterisk's channels, bridges and endpoints, kept up to date from events
//! and resynced from `GET /channels`, `/bridges` and `/endpoints` whenever events may have been
//! missed (after a reconnect or a lag).
//!
//! The mirror sees what its connection sees: open the router with
//! [`subscribe_all(true)`](crate::events::EventStreamBuilder::subscribe_all) to mirror the whole
//! system rather than the channels of the router's applications.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use futures_util::StreamExt as _;
use tokio::sync::watch;

use crate::events::{Filter, Message, Router};
use crate::ids::{BridgeId, ChannelId};
use crate::models::{Bridge, Channel, Endpoint};
use crate::{Client, Event, Result};

/// An endpoint's key: `technology/resource`, e.g. `PJSIP/101`.
pub type EndpointKey = String;

fn endpoint_key(endpoint: &Endpoint) -> EndpointKey {
    format!("{}/{}", endpoint.technology, endpoint.resource)
}

/// What the mirror holds at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Channels by id.
    pub channels: BTreeMap<ChannelId, Channel>,
    /// Bridges by id.
    pub bridges: BTreeMap<BridgeId, Bridge>,
    /// Endpoints by `technology/resource`.
    pub endpoints: BTreeMap<EndpointKey, Endpoint>,
}

/// What a resync changed: objects Asterisk no longer has, and objects the events had not told.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A channel vanished while events were missed.
    ChannelVanished(ChannelId),
    /// A channel appeared while events were missed.
    ChannelAppeared(ChannelId),
    /// A bridge vanished while events were missed.
    BridgeVanished(BridgeId),
    /// A bridge appeared while events were missed.
    BridgeAppeared(BridgeId),
    /// An endpoint vanished while events were missed.
    EndpointVanished(EndpointKey),
    /// An endpoint appeared while events were missed.
    EndpointAppeared(EndpointKey),
}

#[derive(Debug, Default)]
struct State {
    snapshot: Snapshot,
    notices: Vec<Notice>,
}

/// The mirror; see [`Router::mirror`]. Cheap to clone; stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Mirror {
    state: Arc<RwLock<State>>,
    resyncs: watch::Receiver<u64>,
    _task: Arc<AbortOnDrop>,
}

#[derive(Debug)]
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Router {
    /// Starts a mirror of channels, bridges and endpoints: subscribes to every event of the
    /// router, loads the current state, and keeps both in step from then on.
    pub async fn mirror(&self) -> Result<Mirror> {
        let mut events = self.subscribe(Filter::All);
        let state = Arc::new(RwLock::new(State::default()));
        let client = self.client().clone();
        resync(&client, &state).await?;
        // The first load is the baseline, not news.
        write(&state).notices.clear();
        let (resynced, resyncs) = watch::channel(1_u64);
        let task_state = state.clone();
        let task = tokio::spawn(async move {
            while let Some(item) = events.next().await {
                match item {
                    Ok(Message::Event(event)) => apply(&task_state, &event),
                    Ok(Message::Reconnected { .. } | Message::Lagged { .. }) => {
                        // Events were missed: what Asterisk reports is the truth again.
                        let mut tries = 0;
                        while let Err(err) = resync(&client, &task_state).await {
                            tries += 1;
                            tracing::warn!(error = %err, tries, "mirror resync failed; retrying");
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        }
                        resynced.send_modify(|n| *n += 1);
                    }
                    Ok(_) => {}
                    Err(err) => {
                        tracing::error!(error = %err, "mirror: the event connection ended");
                        break;
                    }
                }
            }
        });
        Ok(Mirror {
            state,
            resyncs,
            _task: Arc::new(AbortOnDrop(task)),
        })
    }
}

fn write(state: &RwLock<State>) -> std::sync::RwLockWriteGuard<'_, State> {
    state.write().unwrap_or_else(|e| e.into_inner())
}

async fn resync(client: &Client, state: &RwLock<State>) -> Result<()> {
    let (channels, bridges, endpoints) = tokio::try_join!(
        client.channels().list().send(),
        client.bridges().list().send(),
        client.endpoints().list().send(),
    )?;
    let fresh = Snapshot {
        channels: channels.into_iter().map(|c| (c.id.clone(), c)).collect(),
        bridges: bridges.into_iter().map(|b| (b.id.clone(), b)).collect(),
        endpoints: endpoints
            .into_iter()
            .map(|e| (endpoint_key(&e), e))
            .collect(),
    };
    let mut state = write(state);
    let mut notices = Vec::new();
    diff(
        &state.snapshot.channels,
        &fresh.channels,
        Notice::ChannelVanished,
        Notice::ChannelAppeared,
        &mut notices,
    );
    diff(
        &state.snapshot.bridges,
        &fresh.bridges,
        Notice::BridgeVanished,
        Notice::BridgeAppeared,
        &mut notices,
    );
    diff(
        &state.snapshot.endpoints,
        &fresh.endpoints,
        Notice::EndpointVanished,
        Notice::EndpointAppeared,
        &mut notices,
    );
    for notice in &notices {
        tracing::info!(?notice, "mirror resync");
    }
    state.notices.extend(notices);
    state.snapshot = fresh;
    Ok(())
}

fn diff<K: Ord + Clone, V>(
    old: &BTreeMap<K, V>,
    new: &BTreeMap<K, V>,
    vanished: impl Fn(K) -> Notice,
    appeared: impl Fn(K) -> Notice,
    out: &mut Vec<Notice>,
) {
    out.extend(
        old.keys()
            .filter(|k| !new.contains_key(*k))
            .cloned()
            .map(vanished),
    );
    out.extend(
        new.keys()
            .filter(|k| !old.contains_key(*k))
            .cloned()
            .map(appeared),
    );
}

/// Updates the snapshot from one event.
fn apply(state: &RwLock<State>, event: &Event) {
    let mut state = write(state);
    let snap = &mut state.snapshot;
    let mut put_channel = |c: &Channel| {
        snap.channels.insert(c.id.clone(), c.clone());
    };
    match event {
        Event::ChannelDestroyed(e) => {
            snap.channels.remove(&e.channel.id);
            return;
        }
        Event::BridgeDestroyed(e) => {
            snap.bridges.remove(&e.bridge.id);
            return;
        }
        Event::StasisStart(e) => put_channel(&e.channel),
        Event::StasisEnd(e) => put_channel(&e.channel),
        Event::ChannelCreated(e) => put_channel(&e.channel),
        Event::ChannelStateChange(e) => put_channel(&e.channel),
        Event::ChannelDialplan(e) => put_channel(&e.channel),
        Event::ChannelCallerId(e) => put_channel(&e.channel),
        Event::ChannelConnectedLine(e) => put_channel(&e.channel),
        Event::ChannelHangupRequest(e) => put_channel(&e.channel),
        Event::ChannelDtmfReceived(e) => put_channel(&e.channel),
        Event::ChannelHold(e) => put_channel(&e.channel),
        Event::ChannelUnhold(e) => put_channel(&e.channel),
        Event::ChannelTalkingStarted(e) => put_channel(&e.channel),
        Event::ChannelTalkingFinished(e) => put_channel(&e.channel),
        Event::ChannelToneDetected(e) => put_channel(&e.channel),
        Event::ChannelLeftBridge(e) => put_channel(&e.channel),
        Event::ChannelVarset(e) => {
            if let Some(c) = &e.channel {
                put_channel(c);
            }
        }
        Event::ChannelEnteredBridge(e) => {
            if let Some(c) = &e.channel {
                put_channel(c);
            }
        }
        Event::Dial(e) => put_channel(&e.peer),
        _ => {}
    }
    match event {
        Event::BridgeCreated(e) => put(&mut snap.bridges, &e.bridge),
        Event::BridgeVideoSourceChanged(e) => put(&mut snap.bridges, &e.bridge),
        Event::ChannelEnteredBridge(e) => put(&mut snap.bridges, &e.bridge),
        Event::ChannelLeftBridge(e) => put(&mut snap.bridges, &e.bridge),
        Event::BridgeMerged(e) => {
            snap.bridges.remove(&e.bridge_from.id);
            put(&mut snap.bridges, &e.bridge);
        }
        Event::EndpointStateChange(e) => {
            snap.endpoints
                .insert(endpoint_key(&e.endpoint), e.endpoint.clone());
        }
        Event::PeerStatusChange(e) => {
            snap.endpoints
                .insert(endpoint_key(&e.endpoint), e.endpoint.clone());
        }
        _ => {}
    }
}

fn put(bridges: &mut BTreeMap<BridgeId, Bridge>, bridge: &Bridge) {
    bridges.insert(bridge.id.clone(), bridge.clone());
}

impl Mirror {
    /// A copy of everything the mirror holds now.
    pub fn snapshot(&self) -> Snapshot {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .snapshot
            .clone()
    }

    /// The ids of the channels the mirror holds now.
    pub fn channel_ids(&self) -> Vec<ChannelId> {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .snapshot
            .channels
            .keys()
            .cloned()
            .collect()
    }

    /// Takes the notices of the resyncs so far (objects that vanished or appeared unseen).
    pub fn take_notices(&self) -> Vec<Notice> {
        std::mem::take(&mut write(&self.state).notices)
    }

    /// How many resyncs have completed (the first load counts as one).
    pub fn resyncs(&self) -> u64 {
        *self.resyncs.borrow()
    }

    /// Waits until more than `seen` resyncs have completed; returns the new count.
    pub async fn resynced_after(&mut self, seen: u64) -> u64 {
        let _ = self.resyncs.wait_for(|n| *n > seen).await;
        *self.resyncs.borrow()
    }
}
