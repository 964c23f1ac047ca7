//! Outbound WebSockets (Asterisk 22.5+): Asterisk connects to the application.
//!
//! With `type = outbound_websocket` in `ari.conf` and a `websocket_client.conf` connection,
//! Asterisk opens the event WebSocket itself and keeps reconnecting to it. An
//! [`OutboundListener`] accepts those connections; each becomes an [`EventStream`] whose
//! [`rest_client`](EventStream::rest_client) sends requests back over the same socket, so the
//! application needs no route to Asterisk's HTTP port at all.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};

use super::socket::{QueueDelivery, Socket, run_accepted};
use super::{EventStream, queue, rest_ws};
use crate::client::Client;
use crate::config::Credentials;
use crate::error::{Error, Result};

/// Accepts Asterisk's outbound WebSocket connections; see [`Client::listen_outbound`].
#[derive(Debug)]
pub struct OutboundListener {
    listener: TcpListener,
    client: Client,
    expected: Option<Credentials>,
}

impl Client {
    /// Listens on `addr` for the WebSocket connections Asterisk opens to the application.
    ///
    /// ```no_run
    /// # async fn run(client: ari_client::Client) -> ari_client::Result<()> {
    /// use ari_client::events::Message;
    /// use futures_util::StreamExt as _;
    ///
    /// let listener = client
    ///     .listen_outbound("127.0.0.1:8090")
    ///     .await?
    ///     .require_credentials("asterisk", "secret");
    /// let mut events = listener.accept().await?;
    /// let ari = events.rest_client(); // requests travel back over the same socket
    /// while let Some(Ok(Message::Event(event))) = events.next().await {
    ///     println!("{}", event.event_type());
    /// }
    /// # let _ = ari;
    /// # Ok(()) }
    /// ```
    pub async fn listen_outbound(&self, addr: impl ToSocketAddrs) -> Result<OutboundListener> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| Error::config(format!("cannot listen for outbound websockets: {e}")))?;
        Ok(OutboundListener {
            listener,
            client: self.clone(),
            expected: None,
        })
    }
}

impl OutboundListener {
    /// Refuses connections that do not bring these credentials (the `username` and `password`
    /// of the `websocket_client.conf` connection). Default: any connection is accepted.
    #[must_use]
    pub fn require_credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.expected = Some(Credentials::new(username, password));
        self
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| Error::config(format!("no local address: {e}")))
    }

    /// Waits for Asterisk to connect and returns the connection's events.
    ///
    /// Connections that fail the handshake or bring wrong credentials are refused (401) and
    /// logged; this keeps waiting for a good one.
    #[allow(
        clippy::result_large_err,
        reason = "tungstenite's handshake callback fixes the error type"
    )]
    pub async fn accept(&self) -> Result<EventStream> {
        loop {
            let (tcp, peer) = self
                .listener
                .accept()
                .await
                .map_err(|e| Error::transport("outbound.accept", false, e))?;
            // Answers to REST requests are small writes that must not wait for acknowledgements.
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%peer, error = %err, "cannot disable Nagle on the outbound websocket");
            }
            let expected = self.expected.as_ref().map(Credentials::basic_header);
            let check = move |request: &Request, mut response: Response| {
                check_request(request, &mut response, expected.as_deref())?;
                Ok(response)
            };
            let stream = tokio_tungstenite::MaybeTlsStream::Plain(tcp);
            let accept = tokio_tungstenite::accept_hdr_async_with_config(
                stream,
                check,
                Some(super::socket::websocket_config()),
            );
            match accept.await {
                Ok(socket) => {
                    tracing::info!(%peer, "outbound websocket from asterisk accepted");
                    return Ok(self.serve(socket));
                }
                Err(err) => tracing::warn!(%peer, error = %err, "outbound websocket refused"),
            }
        }
    }

    fn serve(&self, socket: Socket) -> EventStream {
        let config = self.client.events(["outbound"]);
        let (tx, rx) = queue::bounded(config.queue_capacity());
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let sink = Arc::new(QueueDelivery::new(tx));
        tokio::spawn(run_accepted(socket, config, sink, out_rx, stop_rx));
        EventStream {
            rx,
            rest: rest_ws::RestChannel::new(out_tx),
            client: self.client.clone(),
            _stop: stop_tx,
        }
    }
}

/// Checks the credentials and agrees to the `ari` subprotocol Asterisk asks for.
#[allow(
    clippy::result_large_err,
    reason = "tungstenite's handshake callback fixes the error type"
)]
fn check_request(
    request: &Request,
    response: &mut Response,
    expected: Option<&str>,
) -> std::result::Result<(), ErrorResponse> {
    if let Some(expected) = expected {
        let given = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            let mut refusal = ErrorResponse::new(Some("bad credentials".to_owned()));
            *refusal.status_mut() = StatusCode::UNAUTHORIZED;
            return Err(refusal);
        }
    }
    let wants_ari = request
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == "ari");
    if wants_ari {
        response
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static("ari"));
    }
    Ok(())
}

/// Compares secrets without leaking where they differ through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `Authorization` value Asterisk sends for `username:password` (for tests and tools).
pub fn basic_authorization(username: &str, password: &str) -> String {
    Credentials::new(username, password).basic_header()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn the_basic_header_matches_the_clients() {
        assert_eq!(
            basic_authorization("a", "b"),
            Credentials::new("a", "b").basic_header()
        );
    }
}
