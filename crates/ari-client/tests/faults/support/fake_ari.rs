//! A fake ARI server on 127.0.0.1:0, scripted per test.
//!
//! It speaks just enough HTTP/1.1 for ARI: `GET /ari/events` WebSocket upgrades (checking the
//! `Authorization: Basic` header, 401 when wrong) and plain requests under `/ari/`, answered by
//! a handler the test sets. Every upgrade attempt and every HTTP request is counted, and the
//! test decides what the next upgrade attempts meet ([`Upgrade`]). Each accepted WebSocket is
//! handed to the test as a [`WsConn`] that pushes frames, bursts, closes, resets, goes silent,
//! and passes on the frames the client sends (`RESTRequest`s).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

/// The ARI user every test client uses.
pub(crate) const USER: &str = "fault-user";
/// The password the fake server expects at first; must never show up in any output.
pub(crate) const PASSWORD: &str = "Pa55-w0rd-that-must-never-leak";

/// How long a test waits for something the server should see before failing.
const WAIT: Duration = Duration::from_secs(5);

/// What an upgrade attempt on `/ari/events` meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upgrade {
    /// Check the credentials, then switch protocols (or answer 401).
    Accept,
    /// Read the upgrade request, then reset the TCP connection without an answer.
    Refuse,
    /// Read the upgrade request and never answer, keeping TCP open.
    Hang,
}

/// One plain HTTP request as the server read it.
#[derive(Debug, Clone)]
pub(crate) struct HttpRequest {
    pub(crate) method: String,
    /// The target below `/ari/`, with its query, e.g. `channels/abc?x=1`.
    pub(crate) target: String,
    pub(crate) body: Vec<u8>,
}

/// How the server answers one plain HTTP request.
#[derive(Debug, Clone)]
pub(crate) enum HttpReply {
    /// Answer after `delay`.
    Respond {
        status: u16,
        content_type: &'static str,
        body: String,
        delay: Duration,
    },
    /// Read the request, never answer, keep the connection open.
    Hang,
    /// Read the request, then reset the connection without an answer.
    Reset,
}

impl HttpReply {
    pub(crate) fn json(status: u16, body: impl Into<String>) -> Self {
        HttpReply::Respond {
            status,
            content_type: "application/json",
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn text(status: u16, body: impl Into<String>) -> Self {
        HttpReply::Respond {
            status,
            content_type: "text/plain",
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn delayed(self, by: Duration) -> Self {
        match self {
            HttpReply::Respond {
                status,
                content_type,
                body,
                ..
            } => HttpReply::Respond {
                status,
                content_type,
                body,
                delay: by,
            },
            other => other,
        }
    }
}

type Handler = Arc<dyn Fn(&HttpRequest) -> HttpReply + Send + Sync>;

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    upgrades: usize,
    http: usize,
}

struct Shared {
    expected_auth: Mutex<String>,
    script: Mutex<VecDeque<Upgrade>>,
    default_upgrade: Mutex<Upgrade>,
    handler: Mutex<Handler>,
    requests: Mutex<Vec<HttpRequest>>,
    counts: watch::Sender<Counts>,
    conns: mpsc::UnboundedSender<WsConn>,
}

/// The fake server; stops when dropped (and with the test's runtime).
pub(crate) struct FakeAri {
    addr: SocketAddr,
    shared: Arc<Shared>,
    conns: tokio::sync::Mutex<mpsc::UnboundedReceiver<WsConn>>,
    acceptor: JoinHandle<()>,
}

impl Drop for FakeAri {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl FakeAri {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (conns_tx, conns_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            expected_auth: Mutex::new(basic(USER, PASSWORD)),
            script: Mutex::new(VecDeque::new()),
            default_upgrade: Mutex::new(Upgrade::Accept),
            handler: Mutex::new(Arc::new(|_: &HttpRequest| {
                HttpReply::json(404, r#"{"message":"Resource not found"}"#)
            })),
            requests: Mutex::new(Vec::new()),
            counts: watch::Sender::new(Counts::default()),
            conns: conns_tx,
        });
        let acceptor = tokio::spawn({
            let shared = shared.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve_tcp(shared.clone(), stream));
                }
            }
        });
        Self {
            addr,
            shared,
            conns: tokio::sync::Mutex::new(conns_rx),
            acceptor,
        }
    }

    /// A client builder aimed at this server with the right credentials.
    pub(crate) fn builder(&self) -> ari_client::ClientBuilder {
        self.builder_with_password(PASSWORD)
    }

    pub(crate) fn builder_with_password(&self, password: &str) -> ari_client::ClientBuilder {
        ari_client::Client::builder()
            .base_url(format!("http://{}/ari", self.addr))
            .credentials(USER, password)
            .connect_timeout(Duration::from_secs(2))
            .request_timeout(Duration::from_secs(2))
    }

    pub(crate) fn client(&self) -> ari_client::Client {
        self.builder().build().unwrap()
    }

    /// From now on only this password is accepted.
    pub(crate) fn set_password(&self, password: &str) {
        *lock(&self.shared.expected_auth) = basic(USER, password);
    }

    /// What the next upgrade attempts meet, in order, before the default applies again.
    pub(crate) fn script_upgrades(&self, upgrades: impl IntoIterator<Item = Upgrade>) {
        lock(&self.shared.script).extend(upgrades);
    }

    /// What upgrade attempts meet once the script is used up. Initially [`Upgrade::Accept`].
    pub(crate) fn set_default_upgrade(&self, upgrade: Upgrade) {
        *lock(&self.shared.default_upgrade) = upgrade;
    }

    pub(crate) fn on_http(
        &self,
        handler: impl Fn(&HttpRequest) -> HttpReply + Send + Sync + 'static,
    ) {
        *lock(&self.shared.handler) = Arc::new(handler);
    }

    /// Upgrade attempts seen on `/ari/events` so far, whatever they met.
    pub(crate) fn upgrade_attempts(&self) -> usize {
        self.shared.counts.borrow().upgrades
    }

    /// Plain HTTP requests seen so far.
    pub(crate) fn http_requests(&self) -> usize {
        self.shared.counts.borrow().http
    }

    /// The authorized plain HTTP requests seen so far.
    pub(crate) fn requests(&self) -> Vec<HttpRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Waits until at least `n` upgrade attempts were seen.
    pub(crate) async fn wait_upgrade_attempts(&self, n: usize) {
        let mut counts = self.shared.counts.subscribe();
        tokio::time::timeout(WAIT, counts.wait_for(|c| c.upgrades >= n))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "waited {WAIT:?} for {n} upgrade attempts, saw {}",
                    self.upgrade_attempts()
                )
            })
            .unwrap();
    }

    /// The next WebSocket the server accepted.
    pub(crate) async fn next_ws(&self) -> WsConn {
        tokio::time::timeout(WAIT, async { self.conns.lock().await.recv().await })
            .await
            .unwrap_or_else(|_| panic!("no WebSocket connection within {WAIT:?}"))
            .unwrap()
    }
}

/// What the test tells one accepted WebSocket to do.
enum Command {
    Send(String),
    Burst(Vec<String>, oneshot::Sender<Duration>),
    Close,
    Reset,
    Silent(oneshot::Sender<()>),
}

/// The server's side of one accepted WebSocket.
pub(crate) struct WsConn {
    commands: mpsc::UnboundedSender<Command>,
    frames: mpsc::UnboundedReceiver<String>,
    closed: watch::Receiver<bool>,
}

impl WsConn {
    /// Sends one text frame.
    pub(crate) fn send(&self, text: impl Into<String>) {
        let _ = self.commands.send(Command::Send(text.into()));
    }

    pub(crate) fn send_json(&self, value: serde_json::Value) {
        self.send(value.to_string());
    }

    /// Sends these frames as fast as the socket takes them; the receiver gets how long it took.
    pub(crate) fn burst(&self, frames: Vec<String>) -> oneshot::Receiver<Duration> {
        let (done, took) = oneshot::channel();
        let _ = self.commands.send(Command::Burst(frames, done));
        took
    }

    /// Sends a Close frame and drops the connection.
    pub(crate) fn close(&self) {
        let _ = self.commands.send(Command::Close);
    }

    /// Drops the TCP connection with a reset, without a Close frame.
    pub(crate) fn reset(&self) {
        let _ = self.commands.send(Command::Reset);
    }

    /// Stops reading and writing (so pings go unanswered) while keeping TCP open; returns once
    /// the server went silent.
    pub(crate) async fn go_silent(&self) {
        let (done, silent) = oneshot::channel();
        let _ = self.commands.send(Command::Silent(done));
        tokio::time::timeout(WAIT, silent)
            .await
            .unwrap_or_else(|_| panic!("the server did not go silent within {WAIT:?}"))
            .unwrap();
    }

    /// The next text frame the client sent.
    pub(crate) async fn recv(&mut self) -> String {
        tokio::time::timeout(WAIT, self.frames.recv())
            .await
            .unwrap_or_else(|_| panic!("the client sent no frame within {WAIT:?}"))
            .expect("the connection ended before the client sent a frame")
    }

    pub(crate) async fn recv_json(&mut self) -> serde_json::Value {
        serde_json::from_str(&self.recv().await).unwrap()
    }

    /// Waits until the client closed the connection (or it broke).
    pub(crate) async fn wait_closed(&mut self) {
        tokio::time::timeout(WAIT, self.closed.wait_for(|closed| *closed))
            .await
            .unwrap_or_else(|_| panic!("the client kept the WebSocket open for {WAIT:?}"))
            .unwrap();
    }
}

async fn serve_tcp(shared: Arc<Shared>, mut stream: TcpStream) {
    let Some((head, rest)) = read_head(&mut stream).await else {
        return;
    };
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let authorized = header("authorization") == Some(lock(&shared.expected_auth).as_str());
    let is_upgrade = header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if is_upgrade && target.starts_with("/ari/events") {
        shared.counts.send_modify(|c| c.upgrades += 1);
        let upgrade = lock(&shared.script)
            .pop_front()
            .unwrap_or_else(|| *lock(&shared.default_upgrade));
        match upgrade {
            Upgrade::Refuse => {
                let _ = stream.set_zero_linger();
            }
            Upgrade::Hang => std::future::pending::<()>().await,
            Upgrade::Accept if !authorized => {
                write_response(&mut stream, 401, "application/json", UNAUTHORIZED).await;
            }
            Upgrade::Accept => {
                let key = header("sec-websocket-key").unwrap_or_default();
                let answer = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                     Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
                    derive_accept_key(key.as_bytes())
                );
                if stream.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
                let ws = WebSocketStream::from_raw_socket(stream, Role::Server, None).await;
                let (commands, commands_rx) = mpsc::unbounded_channel();
                let (frames_tx, frames) = mpsc::unbounded_channel();
                let (closed_tx, closed) = watch::channel(false);
                let _ = shared.conns.send(WsConn {
                    commands,
                    frames,
                    closed,
                });
                serve_ws(ws, commands_rx, frames_tx).await;
                let _ = closed_tx.send(true);
            }
        }
        return;
    }
    shared.counts.send_modify(|c| c.http += 1);
    let mut body = rest;
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while body.len() < length {
        let mut chunk = vec![0; length - body.len()];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    if !authorized {
        write_response(&mut stream, 401, "application/json", UNAUTHORIZED).await;
        return;
    }
    let Some(below) = target.strip_prefix("/ari/") else {
        write_response(&mut stream, 404, "text/plain", "not ARI").await;
        return;
    };
    let request = HttpRequest {
        method,
        target: below.to_owned(),
        body,
    };
    let handler = lock(&shared.handler).clone();
    let reply = handler(&request);
    lock(&shared.requests).push(request);
    match reply {
        HttpReply::Hang => std::future::pending::<()>().await,
        HttpReply::Reset => {
            let _ = stream.set_zero_linger();
        }
        HttpReply::Respond {
            status,
            content_type,
            body,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            write_response(&mut stream, status, content_type, &body).await;
        }
    }
}

const UNAUTHORIZED: &str = r#"{"message":"Authentication required"}"#;

/// Reads up to the blank line ending the request head; returns the head and any bytes after it.
async fn read_head(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            buf.truncate(end);
            return Some((String::from_utf8_lossy(&buf).into_owned(), rest));
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn write_response(stream: &mut TcpStream, status: u16, content_type: &str, body: &str) {
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Whatever",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

type ServerSocket = WebSocketStream<TcpStream>;

async fn serve_ws(
    mut ws: ServerSocket,
    mut commands: mpsc::UnboundedReceiver<Command>,
    frames: mpsc::UnboundedSender<String>,
) {
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                // The test let go of the handle: keep answering pings until the client leaves.
                None => {
                    while let Some(Ok(_)) = ws.next().await {}
                    return;
                }
                Some(Command::Send(text)) => {
                    if ws.send(WsMessage::text(text)).await.is_err() {
                        return;
                    }
                }
                Some(Command::Burst(burst, done)) => {
                    let started = Instant::now();
                    for text in burst {
                        if ws.feed(WsMessage::text(text)).await.is_err() {
                            return;
                        }
                    }
                    if ws.flush().await.is_err() {
                        return;
                    }
                    let _ = done.send(started.elapsed());
                }
                Some(Command::Close) => {
                    let _ = ws.close(None).await;
                    return;
                }
                Some(Command::Reset) => {
                    let _ = ws.get_ref().set_zero_linger();
                    return;
                }
                Some(Command::Silent(done)) => {
                    // Hold the socket, never touch it again.
                    let _held = ws;
                    let _ = done.send(());
                    std::future::pending::<()>().await;
                    return;
                }
            },
            frame = ws.next() => match frame {
                Some(Ok(WsMessage::Text(text))) => {
                    let _ = frames.send(text.as_str().to_owned());
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
