//! Support for live tests against the real Asterisk of `ari-sandbox`.
//!
//! - [`shared`] brings the `default` sandbox instance up once per test process (building the
//!   cached root on a fresh machine) and fails the test loudly when that is impossible: a live
//!   test is never skipped.
//! - [`client`] gives a fresh client for it; [`unique_app`] a Stasis application name no other
//!   test uses, so tests run in parallel against one Asterisk without seeing each other's events.
//! - [`EventLog`] reads an event stream and waits for events, with a deadline instead of sleeps.
#![deny(missing_docs)]

mod proxy;

pub use proxy::TcpProxy;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ari_client::events::{EventStream, Message};
use ari_client::{Client, Event};
use ari_sandbox::{Ports, Sandbox, Status};
use futures_util::StreamExt as _;

/// The name of the sandbox instance live tests share.
pub const SHARED_INSTANCE: &str = ari_sandbox::DEFAULT_INSTANCE;

/// How long a test waits for one expected event by default.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(15);

/// The shared sandbox instance, brought up on first use (once per process).
///
/// Panics with the sandbox's error when it cannot be brought up: the test fails, it is not
/// skipped.
pub fn shared() -> &'static Status {
    static SHARED: OnceLock<Status> = OnceLock::new();
    SHARED.get_or_init(|| match bring_up(SHARED_INSTANCE, Ports::default()) {
        Ok(status) => status,
        Err(err) => panic!("the live tests need the Asterisk sandbox, and it failed: {err}"),
    })
}

/// Brings up a sandbox instance of its own (for tests that stop, kill or cut their Asterisk).
pub fn bring_up(name: &str, ports: Ports) -> ari_sandbox::Result<Status> {
    Sandbox::new(name)?.up(ports, &|step| eprintln!("ari-testkit: sandbox: {step}"))
}

/// A new client for a sandbox instance, with its full-access user.
pub fn client_for(status: &Status) -> Client {
    match builder_for(status, status.ari_url()).build() {
        Ok(client) => client,
        Err(err) => panic!("cannot build a client for the sandbox: {err}"),
    }
}

/// A client builder with the sandbox's full-access credentials for `url`: the sandbox's other
/// URLs (TLS) or deliberately wrong ones.
pub fn builder_for(status: &Status, url: impl Into<String>) -> ari_client::ClientBuilder {
    Client::builder()
        .base_url(url)
        .credentials(&status.settings.user, &status.settings.password)
}

/// A new client for the shared sandbox.
///
/// Each test gets its own client: a client's pooled connections belong to the runtime of the
/// test that opened them.
pub fn client() -> Client {
    client_for(shared())
}

/// `GET /applications`, asked again while Asterisk answers it with its transient error.
///
/// Asterisk 22.10.1 answers 500 `Allocation failed` when an application unregisters while it
/// lists them, which the tests running beside this one do all the time.
pub async fn list_applications(client: &Client) -> Vec<ari_client::models::Application> {
    let mut attempts = 0;
    loop {
        match client.applications().list().await {
            Ok(listed) => return listed,
            Err(err)
                if attempts < 20
                    && err.status() == Some(500)
                    && err.to_string().contains("Allocation failed") =>
            {
                attempts += 1;
            }
            Err(err) => panic!("GET /applications failed: {err}"),
        }
    }
}

/// A Stasis application name unique to this test and process: `t_<prefix>_<pid>_<n>_<random>`.
///
/// Only letters, digits and `_`, so it can also be a dialplan extension (`Local/<app>@stasis`).
pub fn unique_app(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let salt: u32 = rand::random();
    let clean: String = prefix
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("t_{clean}_{}_{n}_{salt:08x}", std::process::id())
}

/// The next event of any stream of [`Message`]s (an [`EventStream`], a subscription, a
/// handle), passing over markers; panics (failing the test) after [`EVENT_TIMEOUT`] or when the
/// stream fails or ends.
pub async fn next_event<S>(stream: &mut S) -> Event
where
    S: futures_util::Stream<Item = ari_client::Result<Message>> + Unpin,
{
    loop {
        match tokio::time::timeout(EVENT_TIMEOUT, stream.next()).await {
            Ok(Some(Ok(Message::Event(event)))) => return event,
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(err))) => panic!("the stream failed: {err}"),
            Ok(None) => panic!("the stream ended"),
            Err(_) => panic!("no event within {EVENT_TIMEOUT:?}"),
        }
    }
}

/// An event stream and every event read from it so far.
#[derive(Debug)]
pub struct EventLog {
    stream: EventStream,
    seen: Vec<Event>,
    markers: Vec<Message>,
}

impl EventLog {
    /// Connects an event stream for `app` on `client`.
    pub async fn connect(client: &Client, app: &str) -> Self {
        match client.events([app]).connect().await {
            Ok(stream) => Self::new(stream),
            Err(err) => panic!("cannot open the event stream for {app}: {err}"),
        }
    }

    /// Wraps an open stream.
    pub fn new(stream: EventStream) -> Self {
        Self {
            stream,
            seen: Vec::new(),
            markers: Vec::new(),
        }
    }

    /// The stream itself, e.g. for [`EventStream::rest_client`].
    pub fn stream(&self) -> &EventStream {
        &self.stream
    }

    /// The stream, to read it directly.
    pub fn stream_mut(&mut self) -> &mut EventStream {
        &mut self.stream
    }

    /// The reconnect and lag markers read so far, in arrival order.
    pub fn markers(&self) -> &[Message] {
        &self.markers
    }

    /// Every event read so far, in arrival order.
    pub fn seen(&self) -> &[Event] {
        &self.seen
    }

    /// Reads events until one matches `want`, within `timeout`; returns it.
    ///
    /// Panics (failing the test) on timeout, listing the events seen meanwhile.
    pub async fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        mut want: impl FnMut(&Event) -> bool,
    ) -> Event {
        let deadline = tokio::time::Instant::now() + timeout;
        let start = self.seen.len();
        loop {
            let next = tokio::time::timeout_at(deadline, self.stream.next()).await;
            match next {
                Ok(Some(Ok(Message::Event(event)))) => {
                    self.seen.push(event.clone());
                    if want(&event) {
                        return event;
                    }
                }
                Ok(Some(Ok(marker))) => self.markers.push(marker),
                Ok(Some(Err(err))) => panic!("event stream failed while waiting for {what}: {err}"),
                Ok(None) => panic!("event stream ended while waiting for {what}"),
                Err(_) => {
                    let types: Vec<&str> =
                        self.seen[start..].iter().map(Event::event_type).collect();
                    panic!(
                        "no {what} within {} s; events seen meanwhile: {types:?}",
                        timeout.as_secs_f32()
                    )
                }
            }
        }
    }

    /// Waits for the next event of type `event_type` (e.g. `"StasisStart"`).
    pub async fn wait_type(&mut self, event_type: &str) -> Event {
        self.wait_for(event_type, EVENT_TIMEOUT, |e| e.event_type() == event_type)
            .await
    }
}
