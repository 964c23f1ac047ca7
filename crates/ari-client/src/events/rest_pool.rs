//! REST over WebSockets of its own: a client whose operations travel as `RESTRequest`
//! messages over a few dedicated sockets instead of HTTP.
//!
//! Asterisk reads the requests of one WebSocket one after another, so a single socket (the
//! event stream's, [`EventStream::rest_client`](super::EventStream::rest_client)) serves
//! concurrent requests more slowly than HTTP, whose connections Asterisk serves in parallel.
//! Spreading the requests over two or more sockets removes that limit while keeping what the
//! WebSocket transport gives: no connection set-up per request, one long-lived authenticated
//! connection per socket that reconnects by itself.

use std::sync::Arc;
use std::time::Duration;

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::Message;
use super::rest_ws::RestChannel;
use super::socket::{Deliver, EventStreamBuilder};
use crate::client::Client;
use crate::error::{Error, Result};

/// Builder of a client that sends its requests over dedicated WebSockets; see
/// [`Client::rest_sockets`].
#[must_use]
#[derive(Debug, Clone)]
pub struct RestSocketsBuilder {
    client: Client,
    sockets: usize,
    application_prefix: String,
    /// Each socket's connection settings (pings, idle timeout, backoff), with an event
    /// stream's defaults; its application is set per socket.
    connection: EventStreamBuilder,
}

impl Client {
    /// A client whose operations go over WebSockets of their own (Asterisk 22.4 and later),
    /// spread over [`sockets`](RestSocketsBuilder::sockets) connections (default 2).
    ///
    /// Asterisk only opens an event WebSocket for a Stasis application, so each socket
    /// registers one under a unique name (`ari-rest-<random>` by default) that no dialplan
    /// sends calls to: it receives no events, only the answers to its requests. Asterisk lists
    /// these applications in `GET /applications` while they are connected. Each request goes
    /// to the socket with the fewest answers outstanding. Each socket pings, notices a dead
    /// peer and reconnects like an [`EventStream`](super::EventStream); meanwhile requests go to
    /// the other sockets, and only when none is up does a request fail, as not sent
    /// ([`Error::is_not_sent`]: safe to retry). The sockets close when the returned client and
    /// all its clones are dropped.
    ///
    /// The same two differences from HTTP apply as for
    /// [`EventStream::rest_client`](super::EventStream::rest_client): binary answers (a stored
    /// recording's file) are refused with 406.
    ///
    /// ```no_run
    /// # async fn run(client: ari_client::Client) -> ari_client::Result<()> {
    /// let over_websockets = client.rest_sockets().sockets(2).connect().await?;
    /// let info = over_websockets.asterisk().get_info().await?;
    /// println!("{:?}", info.system);
    /// # Ok(()) }
    /// ```
    pub fn rest_sockets(&self) -> RestSocketsBuilder {
        RestSocketsBuilder {
            client: self.clone(),
            sockets: 2,
            application_prefix: "ari-rest".to_owned(),
            connection: self.events(Vec::<String>::new()),
        }
    }
}

impl RestSocketsBuilder {
    /// How many sockets to spread the requests over (at least one). Default 2: on a two-core
    /// Asterisk two sockets already serve concurrent requests about as fast as HTTP.
    pub fn sockets(mut self, sockets: usize) -> Self {
        self.sockets = sockets;
        self
    }

    /// The start of the application names the sockets register (`<prefix>-<random>`), e.g. to
    /// tell them apart in `GET /applications`. Default `ari-rest`.
    pub fn application_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.application_prefix = prefix.into();
        self
    }

    /// How often each socket pings Asterisk. Default 5 s.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.connection = self.connection.ping_interval(interval);
        self
    }

    /// A socket silent for this long is taken as dead and reconnected. Default 10 s.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.connection = self.connection.idle_timeout(timeout);
        self
    }

    /// The first and the longest wait between reconnect attempts. Default 200 ms and 10 s.
    pub fn backoff(mut self, floor: Duration, cap: Duration) -> Self {
        self.connection = self.connection.backoff(floor, cap);
        self
    }

    /// Opens every socket. Fails at once, without retrying, when one cannot be opened (refused
    /// credentials give an error for which [`Error::is_auth`] holds).
    pub async fn connect(self) -> Result<Client> {
        if self.sockets == 0 {
            return Err(Error::config("at least one socket is needed"));
        }
        let mut channels = Vec::with_capacity(self.sockets);
        let mut stops = Vec::with_capacity(self.sockets);
        for _ in 0..self.sockets {
            let app = format!("{}-{:016x}", self.application_prefix, rand::random::<u64>());
            let (channel, stop) = self
                .connection
                .clone()
                .for_applications([app])
                .start(Arc::new(AnswersOnly))
                .await?;
            channels.push(channel);
            stops.push(stop);
        }
        let pool = RestChannel::pool(&channels, stops);
        tracing::info!(sockets = pool.sockets(), "rest sockets connected");
        Ok(self.client.with_rest_channel(pool))
    }
}

/// What a REST socket receives besides its answers: nothing is expected, and nothing is kept.
struct AnswersOnly;

impl Deliver for AnswersOnly {
    fn frame(&self, frame: &Utf8Bytes) {
        tracing::trace!(
            frame = frame.as_str(),
            "rest socket: unexpected frame ignored"
        );
    }

    fn flush(&self) {}

    fn push_control(&self, item: Result<Message>) {
        match item {
            Ok(message) => tracing::debug!(?message, "rest socket"),
            Err(error) => tracing::warn!(%error, "rest socket closed for good"),
        }
    }

    fn close(&self) {}
}
