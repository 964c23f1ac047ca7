//! One WebSocket connection to `/ari/events`, read by its own task so Asterisk never waits on us.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{SinkExt as _, Stream, StreamExt as _};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest as _, http::HeaderValue};

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::generated::events::Event;

/// Builder of an [`EventStream`]; see [`Client::events`].
#[must_use]
#[derive(Debug, Clone)]
pub struct EventStreamBuilder {
    client: Client,
    apps: Vec<String>,
    subscribe_all: bool,
}

impl Client {
    /// Events for the Stasis application(s) `apps`, registering them with Asterisk.
    ///
    /// ```no_run
    /// # async fn run(client: ari_client::Client) -> ari_client::Result<()> {
    /// use futures_util::StreamExt as _;
    /// let mut events = client.events(["hello"]).connect().await?;
    /// while let Some(event) = events.next().await {
    ///     println!("{:?}", event?.event_type());
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
        }
    }
}

impl EventStreamBuilder {
    /// Receive every event of the system, not only those of subscribed objects. Default off.
    pub fn subscribe_all(mut self, on: bool) -> Self {
        self.subscribe_all = on;
        self
    }

    /// Opens the WebSocket. Fails at once on refused credentials.
    pub async fn connect(self) -> Result<EventStream> {
        if self.apps.is_empty() {
            return Err(Error::config("at least one application name is needed"));
        }
        let inner = self.client.inner();
        let mut url = inner
            .base_url
            .join("events")
            .map_err(|e| Error::config(format!("bad events URL: {e}")))?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .map_err(|()| Error::config("cannot derive the WebSocket URL"))?;
        url.query_pairs_mut()
            .append_pair("app", &self.apps.join(","))
            .append_pair(
                "subscribeAll",
                if self.subscribe_all { "true" } else { "false" },
            );
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(Error::websocket)?;
        let auth = HeaderValue::from_str(&inner.credentials.basic_header())
            .map_err(|e| Error::config(format!("credentials are not a valid header: {e}")))?;
        request.headers_mut().insert("Authorization", auth);
        let connect = tokio_tungstenite::connect_async(request);
        let (socket, _) = tokio::time::timeout(inner.connect_timeout, connect)
            .await
            .map_err(|_| {
                Error::new(ErrorKind::Timeout {
                    operation: "events",
                })
            })?
            .map_err(map_handshake_error)?;
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(read_socket(socket, tx));
        Ok(EventStream { rx })
    }
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
                "events", status, &body, &[],
            )))
        }
        other => Error::websocket(other),
    }
}

type Socket = tokio_tungstenite::WebSocketStream<
    tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
>;

async fn read_socket(mut socket: Socket, tx: mpsc::UnboundedSender<Result<Event>>) {
    while let Some(frame) = socket.next().await {
        let item = match frame {
            Ok(tungstenite::Message::Text(text)) => Ok(super::decode_event(text.as_str())),
            Ok(tungstenite::Message::Ping(_) | tungstenite::Message::Pong(_)) => continue,
            Ok(tungstenite::Message::Close(_)) => break,
            Ok(_) => continue,
            Err(e) => Err(Error::websocket(e)),
        };
        let failed = item.is_err();
        if tx.send(item).is_err() || failed {
            break;
        }
    }
    let _ = socket.close(None).await;
}

/// The typed events of one WebSocket connection.
///
/// Ends when Asterisk closes the connection; an `Err` item reports a broken connection.
#[derive(Debug)]
pub struct EventStream {
    rx: mpsc::UnboundedReceiver<Result<Event>>,
}

impl Stream for EventStream {
    type Item = Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}
