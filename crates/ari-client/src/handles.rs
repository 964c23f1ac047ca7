//! Handles: an object of Asterisk together with the stream of its own events.
//!
//! Handles are made by a [`Router`]. Creation is free of races: the id is generated here and the
//! subscription registered *before* the create request leaves, so not even the first event of
//! the new object can be missed. A handle's stream ends cleanly when its object is gone
//! (`StasisEnd`/`ChannelDestroyed`, `BridgeDestroyed`, `PlaybackFinished`, `RecordingFinished`
//! or `RecordingFailed`).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;

use crate::events::{Filter, Message, Router, Subscription};
use crate::ids::{BridgeId, ChannelId, PlaybackId, RecordingName};
use crate::models::{Bridge, LiveRecording, Playback};
use crate::ops::channels::OriginateRequest;
use crate::{Client, Event, Result};

/// A fresh id for an object this client creates: `ari-<32 hex digits>`.
fn fresh_id() -> String {
    format!("ari-{:032x}", rand::random::<u128>())
}

/// The stream of one object's events, ending after the event that says it is gone.
#[derive(Debug)]
struct ObjectEvents {
    subscription: Subscription,
    ended: bool,
}

impl ObjectEvents {
    fn poll(
        &mut self,
        cx: &mut Context<'_>,
        is_last: impl Fn(&Event) -> bool,
    ) -> Poll<Option<Result<Message>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut self.subscription).poll_next(cx);
        if let Poll::Ready(Some(Ok(Message::Event(event)))) = &polled {
            self.ended = is_last(event);
        }
        polled
    }
}

impl Router {
    /// A handle on channel `id`, receiving its events from now on.
    pub fn channel(&self, id: impl Into<ChannelId>) -> ChannelHandle {
        let id = id.into();
        ChannelHandle {
            events: ObjectEvents {
                subscription: self.subscribe(Filter::Channel(id.clone())),
                ended: false,
            },
            id,
            router: self.clone(),
        }
    }

    /// Originates a call to `endpoint` into this router's first application, with a
    /// client-generated channel id whose events are subscribed before the request is sent.
    ///
    /// `configure` sets further options (caller id, variables, `app_args`, a timeout, …).
    ///
    /// ```no_run
    /// # async fn run(router: ari_client::events::Router) -> ari_client::Result<()> {
    /// let call = router
    ///     .originate("PJSIP/101", |req| req.caller_id("Reception <100>"))
    ///     .await?;
    /// call.answer().await?;
    /// # Ok(()) }
    /// ```
    pub async fn originate<'a>(
        &'a self,
        endpoint: impl Into<String>,
        configure: impl FnOnce(OriginateRequest<'a>) -> OriginateRequest<'a>,
    ) -> Result<ChannelHandle> {
        let handle = self.channel(fresh_id());
        let mut request = self
            .client()
            .channels()
            .originate(endpoint)
            .channel_id(handle.id.clone());
        if let Some(app) = self.applications().first() {
            request = request.app(app.as_str());
        }
        configure(request).await?;
        Ok(handle)
    }

    /// A handle on bridge `id`, receiving its events from now on.
    pub fn bridge(&self, id: impl Into<BridgeId>) -> BridgeHandle {
        let id = id.into();
        BridgeHandle {
            events: ObjectEvents {
                subscription: self.subscribe(Filter::Bridge(id.clone())),
                ended: false,
            },
            id,
            router: self.clone(),
            bridge: None,
        }
    }

    /// Creates a bridge of `types` (e.g. `["mixing"]`) with a client-generated id, and
    /// subscribes the router's first application to it.
    ///
    /// Asterisk tells an application of a bridge only once it is subscribed, which needs the
    /// bridge to exist: `BridgeCreated` itself reaches only a `subscribe_all` connection.
    pub async fn create_bridge(
        &self,
        types: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<BridgeHandle> {
        let mut handle = self.bridge(fresh_id());
        let types: Vec<String> = types.into_iter().map(Into::into).collect();
        let bridge = self
            .client()
            .bridges()
            .create_with_id(handle.id.clone())
            .bridge_type(types.join(","))
            .await?;
        if let Some(app) = self.applications().first() {
            self.client()
                .applications()
                .subscribe(app.as_str(), [format!("bridge:{}", handle.id)])
                .await?;
        }
        handle.bridge = Some(bridge);
        Ok(handle)
    }
}

/// A channel and its events; see [`Router::channel`] and [`Router::originate`].
///
/// As a [`Stream`] it yields this channel's events (and reconnect markers), ending after
/// `StasisEnd` or `ChannelDestroyed`.
#[derive(Debug)]
pub struct ChannelHandle {
    id: ChannelId,
    router: Router,
    events: ObjectEvents,
}

impl ChannelHandle {
    /// The channel's id.
    pub fn id(&self) -> &ChannelId {
        &self.id
    }

    fn client(&self) -> &Client {
        self.router.client()
    }

    /// Answers the channel.
    pub async fn answer(&self) -> Result<()> {
        self.client().channels().answer(self.id.clone()).await
    }

    /// Indicates ringing to the channel.
    pub async fn ring(&self) -> Result<()> {
        self.client().channels().ring(self.id.clone()).await
    }

    /// Hangs the channel up. A channel already gone gives an error with `is_not_found()`.
    pub async fn hangup(&self) -> Result<()> {
        self.client().channels().hangup(self.id.clone()).await
    }

    /// Plays `media` (e.g. `"sound:hello-world"`) to the channel; the returned handle's events
    /// are subscribed before the request is sent.
    pub async fn play(
        &self,
        media: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<PlaybackHandle> {
        let id = PlaybackId::new(fresh_id());
        let events = self.router.subscribe(Filter::Playback(id.clone()));
        let playback = self
            .client()
            .channels()
            .play(self.id.clone(), media)
            .playback_id(id.clone())
            .await?;
        Ok(PlaybackHandle {
            id,
            playback,
            router: self.router.clone(),
            events: ObjectEvents {
                subscription: events,
                ended: false,
            },
        })
    }

    /// Records the channel to `name` in `format` (e.g. `"wav"`); the returned handle's events
    /// are subscribed before the request is sent.
    pub async fn record(
        &self,
        name: impl Into<RecordingName>,
        format: impl Into<String>,
    ) -> Result<RecordingHandle> {
        let name = name.into();
        let events = self.router.subscribe(Filter::Recording(name.clone()));
        let recording = self
            .client()
            .channels()
            .record(self.id.clone(), name.clone(), format)
            .await?;
        Ok(RecordingHandle {
            name,
            recording,
            router: self.router.clone(),
            events: ObjectEvents {
                subscription: events,
                ended: false,
            },
        })
    }
}

fn channel_gone(id: &ChannelId, event: &Event) -> bool {
    matches!(event, Event::StasisEnd(_) | Event::ChannelDestroyed(_))
        && event.channel_id() == Some(id)
}

impl Stream for ChannelHandle {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let id = &this.id;
        this.events.poll(cx, |event| channel_gone(id, event))
    }
}

/// A bridge and its events; see [`Router::bridge`] and [`Router::create_bridge`].
///
/// As a [`Stream`] it yields this bridge's events, ending after `BridgeDestroyed`.
#[derive(Debug)]
pub struct BridgeHandle {
    id: BridgeId,
    router: Router,
    bridge: Option<Bridge>,
    events: ObjectEvents,
}

impl BridgeHandle {
    /// The bridge's id.
    pub fn id(&self) -> &BridgeId {
        &self.id
    }

    /// The bridge as Asterisk created it, when this handle created it.
    pub fn created(&self) -> Option<&Bridge> {
        self.bridge.as_ref()
    }

    /// Adds channels to the bridge.
    pub async fn add(
        &self,
        channels: impl IntoIterator<Item = impl Into<ChannelId>>,
    ) -> Result<()> {
        self.router
            .client()
            .bridges()
            .add_channel(self.id.clone(), channels)
            .await
    }

    /// Removes channels from the bridge.
    pub async fn remove(
        &self,
        channels: impl IntoIterator<Item = impl Into<ChannelId>>,
    ) -> Result<()> {
        self.router
            .client()
            .bridges()
            .remove_channel(self.id.clone(), channels)
            .await
    }

    /// Destroys the bridge.
    pub async fn destroy(&self) -> Result<()> {
        self.router
            .client()
            .bridges()
            .destroy(self.id.clone())
            .await
    }
}

impl Stream for BridgeHandle {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let id = &this.id;
        this.events.poll(cx, |event| {
            matches!(event, Event::BridgeDestroyed(_)) && event.bridge_id() == Some(id)
        })
    }
}

/// A playback and its events; see [`ChannelHandle::play`]. Ends after `PlaybackFinished`.
#[derive(Debug)]
pub struct PlaybackHandle {
    id: PlaybackId,
    playback: Playback,
    router: Router,
    events: ObjectEvents,
}

impl PlaybackHandle {
    /// The playback's id.
    pub fn id(&self) -> &PlaybackId {
        &self.id
    }

    /// The playback as Asterisk first reported it.
    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    /// Stops the playback.
    pub async fn stop(&self) -> Result<()> {
        self.router.client().playbacks().stop(self.id.clone()).await
    }
}

impl Stream for PlaybackHandle {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut()
            .events
            .poll(cx, |event| matches!(event, Event::PlaybackFinished(_)))
    }
}

/// A live recording and its events; see [`ChannelHandle::record`]. Ends after
/// `RecordingFinished` or `RecordingFailed`.
#[derive(Debug)]
pub struct RecordingHandle {
    name: RecordingName,
    recording: LiveRecording,
    router: Router,
    events: ObjectEvents,
}

impl RecordingHandle {
    /// The recording's name.
    pub fn name(&self) -> &RecordingName {
        &self.name
    }

    /// The recording as Asterisk first reported it.
    pub fn recording(&self) -> &LiveRecording {
        &self.recording
    }

    /// Stops the recording and keeps what was recorded.
    pub async fn stop(&self) -> Result<()> {
        self.router
            .client()
            .recordings()
            .stop(self.name.clone())
            .await
    }
}

impl Stream for RecordingHandle {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().events.poll(cx, |event| {
            matches!(
                event,
                Event::RecordingFinished(_) | Event::RecordingFailed(_)
            )
        })
    }
}
