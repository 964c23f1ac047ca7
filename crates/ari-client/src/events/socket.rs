//! The connection behind an [`EventStream`]: one WebSocket to `/ari/events`, kept alive.
//!
//! A task owns the socket. It reads every frame as soon as it arrives (Asterisk drops a
//! connection whose reader is slow), pings, notices a silent peer, and on loss reconnects with
//! exponential backoff and jitter, then yields [`Message::Reconnected`]. REST requests sent over
//! the socket ([`EventStream::rest_client`]) go through the same task.

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::{FutureExt as _, SinkExt as _, Stream, StreamExt as _};
use rand::Rng as _;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::{self, Utf8Bytes, client::IntoClientRequest as _};

use super::Message;
use super::queue;
use super::rest_ws::{self, Outgoing, Pending};

/// Where a connection's frames and markers go: one queue, or a router of many.
pub(crate) trait Deliver: Send + Sync + 'static {
    /// A text frame that was not the answer to a REST request.
    fn frame(&self, frame: &Utf8Bytes);
    /// Wakes the consumers of what [`Deliver::frame`] queued: called once the socket has no
    /// frame ready (or after a batch), so a burst wakes each consumer once, not per event.
    fn flush(&self);
    /// A marker or a terminal error; never dropped.
    fn push_control(&self, item: Result<Message>);
    /// The connection ended for good.
    fn close(&self);
}

/// The queue of one [`EventStream`]: typed events, or the frames as Asterisk sent them.
pub(crate) struct QueueDelivery {
    tx: queue::Sender,
    raw: bool,
}

impl QueueDelivery {
    pub(crate) fn new(tx: queue::Sender) -> Self {
        Self { tx, raw: false }
    }
}

impl Deliver for QueueDelivery {
    fn frame(&self, frame: &Utf8Bytes) {
        if self.raw {
            self.tx
                .push_event(Message::Frame(frame.as_str().to_owned()));
        } else {
            self.tx.push_frame(frame.clone());
        }
    }

    fn flush(&self) {
        self.tx.wake();
    }

    fn push_control(&self, item: Result<Message>) {
        self.tx.push_control(item);
    }

    fn close(&self) {
        self.tx.close();
    }
}
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};

/// Builder of an [`EventStream`]; see [`Client::events`].
#[must_use]
#[derive(Debug, Clone)]
pub struct EventStreamBuilder {
    client: Client,
    apps: Vec<String>,
    subscribe_all: bool,
    ping_interval: Duration,
    idle_timeout: Duration,
    backoff_floor: Duration,
    backoff_cap: Duration,
    max_attempts: Option<u32>,
    capacity: usize,
    raw: bool,
}

impl Client {
    /// Events for the Stasis application(s) `apps`, registering them with Asterisk.
    ///
    /// ```no_run
    /// # async fn run(client: ari_client::Client) -> ari_client::Result<()> {
    /// use ari_client::events::Message;
    /// use futures_util::StreamExt as _;
    ///
    /// let mut events = client.events(["hello"]).connect().await?;
    /// while let Some(message) = events.next().await {
    ///     match message? {
    ///         Message::Event(event) => println!("{}", event.event_type()),
    ///         Message::Reconnected { down_for, .. } => println!("back after {down_for:?}: resync"),
    ///         other => println!("{other:?}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events<I, S>(&self, apps: I) -> EventStreamBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        EventStreamBuilder {
            client: self.clone(),
            apps: apps.into_iter().map(Into::into).collect(),
            subscribe_all: false,
            ping_interval: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(10),
            backoff_floor: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(10),
            max_attempts: None,
            capacity: 32_768,
            raw: false,
        }
    }
}

impl EventStreamBuilder {
    /// Receive every event of the system, not only those of subscribed objects. Default off.
    pub fn subscribe_all(mut self, on: bool) -> Self {
        self.subscribe_all = on;
        self
    }

    /// How often to ping Asterisk; longer than zero. Default 5 s.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// A connection silent for this long (not even a pong), or one that takes no data from us
    /// for this long (a write stuck), is taken as dead; longer than the ping interval.
    /// Default 10 s.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The first and the longest wait between reconnect attempts; the first longer than zero.
    /// Default 200 ms and 10 s.
    ///
    /// Each wait doubles up to the cap; a random jitter of up to half the wait is added so many
    /// clients do not reconnect in step.
    pub fn backoff(mut self, floor: Duration, cap: Duration) -> Self {
        self.backoff_floor = floor;
        self.backoff_cap = cap.max(floor);
        self
    }

    /// Give up after this many failed reconnect attempts in a row. Default: never give up.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// How many items may wait for the consumer before events are dropped and a
    /// [`Message::Lagged`] is delivered. Default 32,768 (a second of Asterisk's full event rate).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Deliver each frame as Asterisk sent it ([`Message::Frame`]) instead of decoding it into
    /// an [`Event`](crate::Event). Default off. For recorders, proxies and `wscat`-like tools.
    pub fn raw_frames(mut self, on: bool) -> Self {
        self.raw = on;
        self
    }

    /// Opens the WebSocket. Fails at once, without retrying, when the first attempt fails
    /// (refused credentials give an error for which [`Error::is_auth`] holds).
    pub async fn connect(self) -> Result<EventStream> {
        let (tx, rx) = queue::bounded(self.capacity);
        let raw = self.raw;
        let client = self.client.clone();
        let (rest, stop) = self.start(Arc::new(QueueDelivery { tx, raw })).await?;
        Ok(EventStream {
            rx,
            rest,
            client,
            _stop: stop,
        })
    }

    /// Refuses timings the connection cannot keep: pings need a period, a connection must
    /// be allowed to stay quiet for longer than the time between two pings, and reconnect
    /// attempts need a wait between them (a zero floor would never grow).
    fn check_timing(&self) -> Result<()> {
        if self.ping_interval.is_zero() {
            return Err(Error::config("the ping interval must be longer than zero"));
        }
        if self.idle_timeout <= self.ping_interval {
            return Err(Error::config(format!(
                "the idle timeout ({:?}) must be longer than the ping interval ({:?}), or a \
                 quiet but healthy connection would be taken as dead",
                self.idle_timeout, self.ping_interval
            )));
        }
        if self.backoff_floor.is_zero() {
            return Err(Error::config(
                "the first wait between reconnect attempts must be longer than zero",
            ));
        }
        Ok(())
    }

    /// The same settings for other applications.
    pub(crate) fn for_applications<I, S>(mut self, apps: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.apps = apps.into_iter().map(Into::into).collect();
        self
    }

    /// Connects and hands the connection to its task, delivering into `sink`.
    pub(crate) async fn start(
        self,
        sink: Arc<dyn Deliver>,
    ) -> Result<(rest_ws::RestChannel, oneshot::Sender<()>)> {
        self.check_timing()?;
        if self.apps.is_empty() {
            return Err(Error::config("at least one application name is needed"));
        }
        // Asterisk splits the `app` parameter at commas: "a,b" would register two
        // applications, neither of them the one asked for.
        if let Some(bad) = self
            .apps
            .iter()
            .find(|app| app.trim().is_empty() || app.contains(','))
        {
            return Err(Error::config(format!(
                "bad application name {bad:?}: it must be non-empty and contain no ','"
            )));
        }
        let socket = handshake(&self).await?;
        tracing::info!(apps = %self.apps.join(","), "event websocket connected");
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        tokio::spawn(run(socket, self, sink, out_rx, stop_rx));
        Ok((rest_ws::RestChannel::new(out_tx), stop_tx))
    }

    /// The application names.
    pub(crate) fn apps(&self) -> &[String] {
        &self.apps
    }

    /// The configured queue capacity.
    pub(crate) fn queue_capacity(&self) -> usize {
        self.capacity
    }

    /// The client the stream belongs to.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }
}

/// The WebSocket settings of every event connection, both directions.
///
/// tungstenite zero-fills the free part of its read buffer before each read; with its default
/// 128 KiB buffer that memset costs more than the rest of handling a small frame (a REST answer,
/// an event of a quiet connection). 16 KiB still takes a burst's frames by the dozen per read.
pub(crate) fn websocket_config() -> tungstenite::protocol::WebSocketConfig {
    tungstenite::protocol::WebSocketConfig::default().read_buffer_size(16 * 1024)
}

/// The instant `wait` from now; a wait too long for the clock to count ends in the far future
/// instead of panicking (`Duration::MAX` is a natural way to say "no timeout").
pub(crate) fn deadline_after(wait: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(wait)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 3600))
}

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn handshake(builder: &EventStreamBuilder) -> Result<Socket> {
    let inner = builder.client.inner();
    let mut url = inner
        .base_url
        .join("events")
        .map_err(|e| Error::config(format!("bad events URL: {e}")))?;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme)
        .map_err(|()| Error::config("cannot derive the WebSocket URL"))?;
    url.query_pairs_mut()
        .append_pair("app", &builder.apps.join(","))
        .append_pair(
            "subscribeAll",
            if builder.subscribe_all {
                "true"
            } else {
                "false"
            },
        );
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(Error::websocket)?;
    // Credentials travel in a header, never in the URL (where logs and proxies would keep them):
    // the client's prepared one, marked sensitive.
    request
        .headers_mut()
        .insert("Authorization", inner.authorization.clone());
    let connector = inner
        .tls
        .as_ref()
        .map(|config| tokio_tungstenite::Connector::Rustls(config.clone()));
    // No Nagle: a REST request written while an earlier one is unacknowledged must not wait
    // for that acknowledgement.
    let disable_nagle = true;
    let connect = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(websocket_config()),
        disable_nagle,
        connector,
    );
    let (socket, _) = tokio::time::timeout(inner.connect_timeout, connect)
        .await
        .map_err(|_| {
            Error::new(ErrorKind::Timeout {
                operation: "events",
            })
        })?
        .map_err(map_handshake_error)?;
    Ok(socket)
}

fn map_handshake_error(err: tungstenite::Error) -> Error {
    match err {
        tungstenite::Error::Http(response) if response.status().as_u16() == 401 => {
            Error::new(ErrorKind::Auth {
                operation: "events",
            })
        }
        tungstenite::Error::Http(response) => {
            let status = response.status().as_u16();
            let body = response.body().clone().unwrap_or_default();
            Error::new(ErrorKind::Api(crate::client::api_error(
                "events",
                status,
                &body,
                &[],
            )))
        }
        other => Error::websocket(crate::error::with_connect_hint(other)),
    }
}

/// Why a connected phase ended.
enum Lost {
    /// The consumer dropped the stream: stop.
    Stopped,
    /// The connection broke: reconnect.
    Broken(String),
    /// Another connection took every application over: stop, without taking them back.
    Replaced(String),
}

/// The application an `ApplicationReplaced` frame names.
fn replaced_application(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Replaced {
        application: String,
    }
    serde_json::from_str::<Replaced>(text)
        .ok()
        .map(|r| r.application)
}

pub(crate) async fn run(
    socket: Socket,
    config: EventStreamBuilder,
    tx: Arc<dyn Deliver>,
    mut out_rx: mpsc::UnboundedReceiver<Outgoing>,
    stop_rx: oneshot::Receiver<()>,
) {
    keep_connected(socket, &config, tx.as_ref(), &mut out_rx, stop_rx).await;
    refuse_queued(&mut out_rx, "the event websocket is closed");
}

/// Requests that reached the queue after the last connection ended were never written: answer
/// them as not sent rather than dropping them, which reads as an unknown outcome.
fn refuse_queued(out_rx: &mut mpsc::UnboundedReceiver<Outgoing>, reason: &str) {
    out_rx.close();
    while let Ok(out) = out_rx.try_recv() {
        rest_ws::refuse(out, reason);
    }
}

/// Serves a connection Asterisk opened to us (outbound WebSocket): no reconnecting here, since
/// Asterisk reconnects by itself, to the listener.
pub(crate) async fn run_accepted(
    mut socket: Socket,
    config: EventStreamBuilder,
    tx: Arc<dyn Deliver>,
    mut out_rx: mpsc::UnboundedReceiver<Outgoing>,
    mut stop_rx: oneshot::Receiver<()>,
) {
    let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
    let lost = serve(
        &mut socket,
        &config,
        tx.as_ref(),
        &mut out_rx,
        &mut stop_rx,
        &pending,
    )
    .await;
    rest_ws::fail_all(&pending);
    match lost {
        Lost::Broken(reason) => tracing::info!(%reason, "outbound websocket from asterisk closed"),
        Lost::Replaced(application) => {
            tx.push_control(Err(Error::new(ErrorKind::ApplicationReplaced {
                application,
            })));
        }
        Lost::Stopped => {}
    }
    let _ = tokio::time::timeout(config.idle_timeout, socket.close(None)).await;
    tx.close();
    refuse_queued(&mut out_rx, "the outbound websocket is closed");
}

const RECONNECTING: &str = "the event websocket is reconnecting";

async fn keep_connected(
    mut socket: Socket,
    config: &EventStreamBuilder,
    tx: &dyn Deliver,
    out_rx: &mut mpsc::UnboundedReceiver<Outgoing>,
    mut stop_rx: oneshot::Receiver<()>,
) {
    let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
    loop {
        let lost = serve(&mut socket, config, tx, out_rx, &mut stop_rx, &pending).await;
        rest_ws::fail_all(&pending);
        let reason = match lost {
            Lost::Stopped => {
                // A peer that does not take the Close frame within the idle timeout is gone.
                let _ = tokio::time::timeout(config.idle_timeout, socket.close(None)).await;
                return;
            }
            Lost::Replaced(application) => {
                tracing::warn!(%application, "stasis application taken over by another connection");
                tx.push_control(Err(Error::new(ErrorKind::ApplicationReplaced {
                    application,
                })));
                tx.close();
                let _ = tokio::time::timeout(config.idle_timeout, socket.close(None)).await;
                return;
            }
            Lost::Broken(reason) => reason,
        };
        tracing::warn!(%reason, "event websocket lost; reconnecting");
        let down_since = Instant::now();
        let mut attempts = 0_u32;
        let mut wait = config.backoff_floor;
        socket = loop {
            let jitter = wait.mul_f64(rand::rng().random_range(0.0..0.5));
            let sleep = tokio::time::sleep(wait.saturating_add(jitter));
            tokio::pin!(sleep);
            // While down, REST requests fail at once as not sent, so callers can retry.
            loop {
                tokio::select! {
                    () = &mut sleep => break,
                    _ = &mut stop_rx => { tx.close(); return; }
                    Some(out) = out_rx.recv() => rest_ws::refuse(out, RECONNECTING),
                }
            }
            attempts += 1;
            // The handshake may take up to the connect timeout: keep refusing requests and
            // listening for the consumer meanwhile.
            let attempt = handshake(config);
            tokio::pin!(attempt);
            let result = loop {
                tokio::select! {
                    result = &mut attempt => break result,
                    _ = &mut stop_rx => { tx.close(); return; }
                    Some(out) = out_rx.recv() => rest_ws::refuse(out, RECONNECTING),
                }
            };
            match result {
                Ok(socket) => break socket,
                Err(err) if err.is_auth() => {
                    tracing::error!("event websocket: credentials refused on reconnect");
                    tx.push_control(Err(err));
                    tx.close();
                    return;
                }
                Err(err) => {
                    tracing::debug!(attempts, error = %err, "event websocket reconnect failed");
                    if config.max_attempts.is_some_and(|max| attempts >= max) {
                        tx.push_control(Err(err));
                        tx.close();
                        return;
                    }
                }
            }
            wait = wait.saturating_mul(2).min(config.backoff_cap);
        };
        let down_for = down_since.elapsed();
        tracing::info!(?down_for, attempts, "event websocket reconnected");
        tx.push_control(Ok(Message::Reconnected { down_for, attempts }));
    }
}

async fn serve(
    socket: &mut Socket,
    config: &EventStreamBuilder,
    tx: &dyn Deliver,
    out_rx: &mut mpsc::UnboundedReceiver<Outgoing>,
    stop_rx: &mut oneshot::Receiver<()>,
    pending: &Pending,
) -> Lost {
    let mut ping = tokio::time::interval(config.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.reset();
    let idle = tokio::time::sleep(config.idle_timeout);
    tokio::pin!(idle);
    let mut replaced = HashSet::new();
    loop {
        tokio::select! {
            biased;
            _ = &mut *stop_rx => return Lost::Stopped,
            frame = socket.next() => {
                idle.as_mut().reset(deadline_after(config.idle_timeout));
                // Take every frame that is already here before waking the consumers, so a burst
                // wakes each once; the batch limit keeps pings and REST writes going meanwhile.
                let mut frame = frame;
                let mut taken = 1;
                let lost = loop {
                    if let Some(lost) = take_frame(frame, config, tx, pending, &mut replaced) {
                        break Some(lost);
                    }
                    if taken == READY_BATCH {
                        break None;
                    }
                    match socket.next().now_or_never() {
                        Some(next) => frame = next,
                        None => break None,
                    }
                    taken += 1;
                };
                tx.flush();
                if let Some(lost) = lost {
                    return lost;
                }
            }
            // A write waits while the peer does not read; one stuck for the idle timeout means
            // the peer is gone (the idle timer itself cannot fire while a write is awaited).
            Some(out) = out_rx.recv() => {
                let write = rest_ws::send_queued(socket, out, out_rx, pending);
                match tokio::time::timeout(config.idle_timeout, write).await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => return Lost::Broken(err),
                    Err(_) => return Lost::Broken(write_stalled(config)),
                }
            }
            _ = ping.tick() => {
                rest_ws::forget_abandoned(pending);
                let ping = socket.send(tungstenite::Message::Ping(Vec::new().into()));
                match tokio::time::timeout(config.idle_timeout, ping).await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => return Lost::Broken(err.to_string()),
                    Err(_) => return Lost::Broken(write_stalled(config)),
                }
            }
            () = &mut idle => {
                return Lost::Broken(format!(
                    "nothing received for {:?} (not even a pong)",
                    config.idle_timeout
                ));
            }
        }
    }
}

/// The most frames taken from the socket before the consumers are woken.
const READY_BATCH: usize = 128;

/// Handles one frame read from the socket; `Some` when the connection is over.
fn take_frame(
    frame: Option<std::result::Result<tungstenite::Message, tungstenite::Error>>,
    config: &EventStreamBuilder,
    tx: &dyn Deliver,
    pending: &Pending,
    replaced: &mut HashSet<String>,
) -> Option<Lost> {
    match frame {
        Some(Ok(tungstenite::Message::Text(frame))) => {
            let text = frame.as_str();
            let frame_type = super::fast::frame_type(text);
            let frame_type = frame_type.as_deref();
            if frame_type == Some("RESTResponse") && rest_ws::take_response(text, pending) {
                return None;
            }
            tx.frame(&frame);
            if frame_type == Some("ApplicationReplaced")
                && let Some(app) = replaced_application(text)
            {
                replaced.insert(app.clone());
                if config.apps.iter().all(|a| replaced.contains(a)) {
                    return Some(Lost::Replaced(app));
                }
            }
            None
        }
        Some(Ok(tungstenite::Message::Close(frame))) => {
            Some(Lost::Broken(format!("closed by asterisk: {frame:?}")))
        }
        Some(Ok(_)) => None,
        Some(Err(err)) => Some(Lost::Broken(err.to_string())),
        None => Some(Lost::Broken("connection closed".to_owned())),
    }
}

fn write_stalled(config: &EventStreamBuilder) -> String {
    format!(
        "a write made no progress for {:?}: the peer does not read",
        config.idle_timeout
    )
}

/// The events of one application connection, with reconnect markers.
///
/// Dropping it closes the WebSocket (and unregisters the applications, as Asterisk does when
/// the last connection of an application goes away).
#[derive(Debug)]
pub struct EventStream {
    pub(crate) rx: queue::Receiver,
    pub(crate) rest: rest_ws::RestChannel,
    pub(crate) client: Client,
    pub(crate) _stop: oneshot::Sender<()>,
}

impl EventStream {
    /// A client whose operations travel over this WebSocket as `RESTRequest` messages instead
    /// of HTTP (Asterisk 22.4 and later). Same operations, same results, with two differences
    /// Asterisk imposes: an answer on the socket is text, so a binary answer (a stored
    /// recording's file) is refused with 406; and an application event filter whose `allowed`
    /// list lacks `RESTResponse` also filters the answers out, so requests time out.
    /// An Asterisk older than 22.4 ignores the requests, so each one times out as well;
    /// [`Client::rest_sockets`] checks this when it connects and fails at once instead.
    ///
    /// An answer that arrives after its request timed out is not lost: this stream delivers it
    /// as a [`RESTResponse`](crate::models::RESTResponse) event, whose status and body tell
    /// what became of the request.
    pub fn rest_client(&self) -> Client {
        self.client.with_rest_channel(self.rest.clone())
    }

    /// How many items wait to be read.
    pub fn queued(&self) -> usize {
        self.rx.len()
    }
}

impl Stream for EventStream {
    type Item = Result<Message>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::Client;

    #[tokio::test]
    async fn application_names_asterisk_would_split_or_ignore_are_refused_before_connecting() {
        // Nothing listens on port 9: a name that got past the check would fail to connect.
        let client = Client::builder()
            .base_url("http://127.0.0.1:9/ari")
            .credentials("user", "pass")
            .build()
            .unwrap();
        for apps in [vec!["a,b"], vec!["ok", ""], vec![" "]] {
            let err = client.events(apps.clone()).connect().await.unwrap_err();
            assert!(
                matches!(err.kind(), crate::ErrorKind::Config { .. }),
                "{apps:?}: {err:?}"
            );
        }
    }

    #[tokio::test]
    async fn timings_the_connection_cannot_keep_are_refused_before_connecting() {
        let client = Client::builder()
            .base_url("http://127.0.0.1:9/ari")
            .credentials("user", "pass")
            .build()
            .unwrap();
        let events = || client.events(["app"]);
        let second = Duration::from_secs(1);
        for (what, builder) in [
            ("no ping period", events().ping_interval(Duration::ZERO)),
            (
                "idle = ping",
                events().ping_interval(second).idle_timeout(second),
            ),
            (
                "idle < ping",
                events().idle_timeout(Duration::from_millis(10)),
            ),
            ("zero backoff", events().backoff(Duration::ZERO, second)),
        ] {
            let err = builder.connect().await.unwrap_err();
            assert!(
                matches!(err.kind(), crate::ErrorKind::Config { .. }),
                "{what}: {err:?}"
            );
        }
    }
}
