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
use crate::Method;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};

/// The most sockets a pool opens. Each is an HTTP session of Asterisk's, which allows 100 at
/// once by default, shared with every other client; beyond a few sockets per core Asterisk
/// gains nothing.
const MAX_SOCKETS: usize = 64;

/// Builder of a client that sends its requests over dedicated WebSockets; see
/// [`Client::rest_sockets`].
#[must_use]
#[derive(Debug, Clone)]
pub struct RestSocketsBuilder {
    client: Client,
    sockets: usize,
    application_prefix: String,
    probe_timeout: Duration,
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
            probe_timeout: Duration::from_secs(5),
            connection: self.events(Vec::<String>::new()),
        }
    }
}

impl RestSocketsBuilder {
    /// How many sockets to spread the requests over, 1 to 64. Default 2: Asterisk serves one
    /// socket's requests one after another, and on a two-core Asterisk more sockets than two
    /// gained nothing in this project's measurements.
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

    /// How long [`connect`](Self::connect) waits for each socket to answer its first request
    /// (`GET /asterisk/ping`). An Asterisk older than 22.4 accepts the sockets but never answers
    /// a request sent over them; the probe turns that into one clear error at connect time
    /// instead of a timeout on every later request. Default 5 s.
    pub fn probe_timeout(mut self, timeout: Duration) -> Self {
        self.probe_timeout = timeout;
        self
    }

    /// Opens every socket (together) and checks that each answers a request. Fails at once,
    /// without retrying, when one cannot be opened (refused credentials give an error for which
    /// [`Error::is_auth`] holds); when one leaves its probe unanswered, fails with an error for
    /// which [`Error::is_unsupported`] holds.
    pub async fn connect(self) -> Result<Client> {
        if !(1..=MAX_SOCKETS).contains(&self.sockets) {
            return Err(Error::config(format!(
                "a pool takes 1 to {MAX_SOCKETS} sockets, not {}: each holds one of the HTTP \
                 sessions Asterisk allows (http.conf sessionlimit, 100 by default)",
                self.sockets
            )));
        }
        let opened = futures_util::future::try_join_all((0..self.sockets).map(|_| {
            let app = format!("{}-{:016x}", self.application_prefix, rand::random::<u64>());
            self.connection
                .clone()
                .for_applications([app])
                .start(Arc::new(AnswersOnly))
        }))
        .await?;
        let (channels, stops): (Vec<_>, Vec<_>) = opened.into_iter().unzip();
        futures_util::future::try_join_all(
            channels.iter().map(|channel| self.probe(channel.clone())),
        )
        .await?;
        let pool = RestChannel::pool(&channels, stops);
        tracing::info!(sockets = pool.sockets(), "rest sockets connected");
        Ok(self.client.with_rest_channel(pool))
    }

    /// Sends `GET /asterisk/ping` over one socket. Any answer proves the transport; the body
    /// is not decoded, so that a change in it cannot fail the connection.
    async fn probe(&self, socket: RestChannel) -> Result<()> {
        let over_socket = self.client.with_rest_channel(socket);
        // The client's own request timeout may be the shorter one; either way, no answer.
        let waited = self.probe_timeout.min(self.client.inner().request_timeout);
        let ping = over_socket.request(Method::Get, "asterisk/ping", &[], None);
        match tokio::time::timeout(waited, ping).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) if !err.is_timeout() => Err(err),
            _ => Err(Error::new(ErrorKind::Unsupported {
                feature: "REST over WebSocket",
                message: format!(
                    "asterisk accepted the websocket but left a request sent over it \
                     unanswered for {waited:?}; it needs Asterisk 22.4 or later"
                ),
            })),
        }
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
