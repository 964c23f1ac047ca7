//! What every resource test shares: the transport under test, the context of one run (client,
//! event log, Stasis application), the recorder that proves which operations went to Asterisk,
//! and access to the shared sandbox's CLI and directories.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ari_client::ids::ChannelId;
use ari_client::{Client, Event};
use ari_sandbox::Sandbox;
use ari_testkit::{EVENT_TIMEOUT, EventLog, SHARED_INSTANCE, unique_app};
use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber as _;
use tracing::span;

/// How requests travel to Asterisk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transport {
    /// HTTP requests, one per operation.
    Http,
    /// `RESTRequest` frames on the event WebSocket (Asterisk 22.4+).
    WebSocket,
}

impl Transport {
    /// The `transport` the client's request span names.
    pub(super) fn label(self) -> &'static str {
        match self {
            Transport::Http => "http",
            Transport::WebSocket => "websocket",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Defines `over_http` and `over_websocket`, the two tests of a resource module, both running
/// its `exercise` and checking its `CALLS`.
macro_rules! both_transports {
    ($resource:literal) => {
        #[tokio::test]
        async fn over_http() {
            super::support::run($resource, super::support::Transport::Http, CALLS, |ctx| {
                Box::pin(exercise(ctx))
            })
            .await;
        }

        #[tokio::test]
        async fn over_websocket() {
            super::support::run(
                $resource,
                super::support::Transport::WebSocket,
                CALLS,
                |ctx| Box::pin(exercise(ctx)),
            )
            .await;
        }
    };
}
pub(super) use both_transports;

/// The future of one resource's `exercise`.
pub(super) type Exercise<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Runs `exercise` for `resource` over `transport`, then checks that every operation of
/// `calls` was sent to Asterisk over that transport (and nothing over another).
pub(super) async fn run<F>(resource: &str, transport: Transport, calls: &[&str], exercise: F)
where
    F: for<'a> FnOnce(&'a mut Ctx) -> Exercise<'a>,
{
    let started = Instant::now();
    let mut ctx = Ctx::connect(resource, transport).await;
    let recorder = ctx.recorder.clone();
    exercise(&mut ctx)
        .with_subscriber(recorder.dispatch())
        .await;
    recorder.assert_called(resource, transport, calls);
    eprintln!(
        "ops::{resource} over {transport}: {} requests, {} operations, {:.2} s",
        recorder.calls().len(),
        recorder.operations().len(),
        started.elapsed().as_secs_f64()
    );
}

/// One run of a resource's exercise.
#[derive(Debug)]
pub(super) struct Ctx {
    /// The client under test: plain HTTP, or REST over this run's event WebSocket.
    pub(super) client: Client,
    /// This run's events (of `app`).
    pub(super) log: EventLog,
    /// This run's Stasis application; also the prefix of every id it creates.
    pub(super) app: String,
    /// The transport under test.
    pub(super) transport: Transport,
    recorder: Recorder,
}

impl Ctx {
    /// A fresh application with its event stream, and the client for `transport`.
    pub(super) async fn connect(prefix: &str, transport: Transport) -> Self {
        let http = ari_testkit::client();
        let app = unique_app(&format!("ops_{prefix}"));
        let log = EventLog::connect(&http, &app).await;
        let client = match transport {
            Transport::Http => http,
            Transport::WebSocket => log.stream().rest_client(),
        };
        assert_eq!(
            client.is_rest_over_websocket(),
            transport == Transport::WebSocket
        );
        Self {
            client,
            log,
            app,
            transport,
            recorder: Recorder::default(),
        }
    }

    /// An id unique to this run: `<app>-<what>`.
    pub(super) fn id(&self, what: &str) -> String {
        format!("{}-{what}", self.app)
    }

    /// Notes an operation exercised without a request of its own (the event WebSocket).
    pub(super) fn exercised(&self, operation: &str) {
        self.recorder.push(Call {
            operation: operation.to_owned(),
            transport: self.transport.label().to_owned(),
            status: None,
        });
    }

    /// Waits for an event of this run's application.
    pub(super) async fn wait(&mut self, what: &str, want: impl FnMut(&Event) -> bool) -> Event {
        self.log.wait_for(what, EVENT_TIMEOUT, want).await
    }

    /// An event of this run's application: one already read, or the next to match.
    pub(super) async fn seen_or_wait(
        &mut self,
        what: &str,
        mut want: impl FnMut(&Event) -> bool,
    ) -> Event {
        if let Some(event) = self.log.seen().iter().find(|e| want(e)) {
            return event.clone();
        }
        self.wait(what, want).await
    }

    /// Waits for `StasisStart` of channel `id`.
    pub(super) async fn wait_stasis_start(&mut self, id: &str) -> ari_client::models::StasisStart {
        let event = self
            .wait(
                &format!("StasisStart of {id}"),
                |e| matches!(e, Event::StasisStart(s) if s.channel.id == id),
            )
            .await;
        let Event::StasisStart(start) = event else {
            unreachable!()
        };
        *start
    }

    /// Waits for `StasisEnd` of channel `id`.
    pub(super) async fn wait_stasis_end(&mut self, id: &str) {
        self.wait(
            &format!("StasisEnd of {id}"),
            |e| matches!(e, Event::StasisEnd(s) if s.channel.id == id),
        )
        .await;
    }

    /// Originates `Local/<extension>@sandbox` into this run's application with the id
    /// `<app>-<name>` and waits for its `StasisStart` (the far end answers, so it is `Up`).
    pub(super) async fn originate_into_app(&mut self, name: &str, extension: &str) -> ChannelId {
        let id = ChannelId::new(self.id(name));
        let channel = self
            .client
            .channels()
            .originate(format!("Local/{extension}@sandbox"))
            .app(self.app.as_str())
            .channel_id(id.clone())
            .await
            .unwrap();
        assert_eq!(channel.id, id);
        self.wait_stasis_start(id.as_str()).await;
        id
    }

    /// Hangs up channels this run created, tolerating those already gone.
    pub(super) async fn hang_up(&self, ids: &[&ChannelId]) {
        for id in ids {
            match self.client.channels().hangup(*id).await {
                Ok(()) => {}
                Err(err) if err.is_not_found() => {}
                Err(err) => panic!("cannot hang up {id}: {err}"),
            }
        }
    }
}

impl Drop for Ctx {
    /// A run that failed midway leaves what it created: remove it (channels, bridges, device
    /// states and stored recordings named after its application).
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let prefix = self.app.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(remove_leftovers(&prefix));
        });
        let _ = cleanup.join();
    }
}

async fn remove_leftovers(prefix: &str) {
    let client = ari_testkit::client();
    if let Ok(channels) = client.channels().list().await {
        // Its own ids, and channels Asterisk named that run in its application.
        let leftover = |c: &&ari_client::models::Channel| {
            c.id.as_str().starts_with(prefix) || c.dialplan.app_data.contains(prefix)
        };
        for channel in channels.iter().filter(leftover) {
            let _ = client.channels().hangup(&channel.id).await;
        }
    }
    if let Ok(bridges) = client.bridges().list().await {
        for bridge in bridges.iter().filter(|b| b.id.as_str().starts_with(prefix)) {
            let _ = client.bridges().destroy(&bridge.id).await;
        }
    }
    let device = format!("Stasis:{prefix}");
    if let Ok(states) = client.device_states().list().await {
        for state in states
            .iter()
            .filter(|s| s.name.as_str().starts_with(&device))
        {
            let _ = client.device_states().delete(&state.name).await;
        }
    }
    if let Ok(stored) = client.recordings().list_stored().await {
        for recording in stored
            .iter()
            .filter(|r| r.name.as_str().starts_with(prefix))
        {
            let _ = client.recordings().delete_stored(&recording.name).await;
        }
    }
}

/// One request the client sent, as its tracing span tells.
#[derive(Debug, Clone)]
pub(super) struct Call {
    /// `resource.nickname`.
    pub(super) operation: String,
    /// `http` or `websocket`.
    pub(super) transport: String,
    /// The HTTP status of the answer (0 when none came).
    pub(super) status: Option<u64>,
}

/// A tracing subscriber keeping the client's requests (`ari_request` spans, or any span or
/// event with an `operation` field) of the future it is attached to.
#[derive(Debug, Clone, Default)]
pub(super) struct Recorder {
    inner: Arc<Mutex<Recorded>>,
}

#[derive(Debug, Default)]
struct Recorded {
    next_id: u64,
    spans: HashMap<u64, usize>,
    calls: Vec<Call>,
}

impl Recorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn dispatch(&self) -> tracing::Dispatch {
        tracing::Dispatch::new(self.clone())
    }

    fn push(&self, call: Call) -> usize {
        let mut inner = self.lock();
        inner.calls.push(call);
        inner.calls.len() - 1
    }

    /// Every request so far, in order.
    pub(super) fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The distinct operations so far.
    pub(super) fn operations(&self) -> BTreeSet<String> {
        self.calls().into_iter().map(|c| c.operation).collect()
    }

    fn assert_called(&self, resource: &str, transport: Transport, claimed: &[&str]) {
        let calls = self.calls();
        let astray: Vec<&Call> = calls
            .iter()
            .filter(|c| c.transport != transport.label())
            .collect();
        assert!(
            astray.is_empty(),
            "ops::{resource} over {transport}: requests went another way: {astray:?}"
        );
        let seen: BTreeSet<&str> = calls.iter().map(|c| c.operation.as_str()).collect();
        let missing: Vec<&&str> = claimed.iter().filter(|op| !seen.contains(**op)).collect();
        assert!(
            missing.is_empty(),
            "ops::{resource} over {transport}: CALLS names operations never sent: {missing:?}; \
             sent: {seen:?}"
        );
    }
}

#[derive(Debug, Default)]
struct Fields {
    operation: Option<String>,
    transport: Option<String>,
    status: Option<u64>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "operation" => self.operation = Some(value.to_owned()),
            "transport" => self.transport = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "status" {
            self.status = Some(value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "status" {
            self.status = u64::try_from(value).ok();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        let text = text.trim_matches('"').to_owned();
        match field.name() {
            "operation" if self.operation.is_none() => self.operation = Some(text),
            "transport" if self.transport.is_none() => self.transport = Some(text),
            "status" if self.status.is_none() => {
                self.status = text
                    .trim_start_matches("Some(")
                    .trim_end_matches(')')
                    .parse()
                    .ok();
            }
            _ => {}
        }
    }
}

impl Fields {
    fn call(self) -> Option<Call> {
        Some(Call {
            operation: self.operation?,
            transport: self.transport.unwrap_or_default(),
            status: self.status,
        })
    }
}

impl tracing::Subscriber for Recorder {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }

    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &span::Attributes<'_>) -> span::Id {
        let mut fields = Fields::default();
        span.record(&mut fields);
        let index = fields.call().map(|call| self.push(call));
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        if let Some(index) = index {
            inner.spans.insert(id, index);
        }
        span::Id::from_u64(id)
    }

    fn record(&self, span: &span::Id, values: &span::Record<'_>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        let mut inner = self.lock();
        if let Some(&index) = inner.spans.get(&span.into_u64()) {
            let call = &mut inner.calls[index];
            if let Some(status) = fields.status {
                call.status = Some(status);
            }
        }
    }

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        // An event of its own with an `operation` is a request too (a client that traces
        // requests as events rather than spans).
        let mut fields = Fields::default();
        event.record(&mut fields);
        if let Some(call) = fields.call() {
            self.push(call);
        }
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

/// Runs an Asterisk CLI command in the shared sandbox instance.
pub(super) async fn cli(command: &str) -> String {
    ari_testkit::shared();
    let command = command.to_owned();
    tokio::task::spawn_blocking(move || {
        Sandbox::new(SHARED_INSTANCE)
            .and_then(|sandbox| sandbox.cli(&command))
            .unwrap_or_else(|err| panic!("asterisk -rx {command:?}: {err}"))
    })
    .await
    .unwrap()
}

/// A directory of the shared instance, on the host, by its label in `core show settings`
/// (e.g. `Spool directory`).
pub(super) async fn instance_dir(label: &str) -> PathBuf {
    let settings = cli("core show settings").await;
    let path = settings
        .lines()
        .find_map(|line| line.trim_start().strip_prefix(label))
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, path)| path.trim().to_owned())
        .unwrap_or_else(|| panic!("no {label} in `core show settings`:\n{settings}"));
    let root = Sandbox::new(SHARED_INSTANCE).unwrap().root_dir();
    root.join(path.trim_start_matches('/'))
}

/// Checks that the sandbox gave the instance its recording directory (Asterisk does not
/// create `spool/recording` itself; without it every recording fails with a 500).
pub(super) async fn assert_recording_dir() {
    let spool = instance_dir("Spool directory").await;
    assert!(
        spool.join("recording").is_dir(),
        "the sandbox did not create {}/recording",
        spool.display()
    );
}

/// Polls `probe` every 50 ms until it returns `Some`, failing after `within`: for state that
/// Asterisk reports only when asked (no event tells it).
pub(super) async fn eventually<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts that `result` failed with HTTP `status`; returns Asterisk's message.
#[track_caller]
pub(super) fn assert_status<T: fmt::Debug>(result: ari_client::Result<T>, status: u16) -> String {
    match result {
        Ok(value) => panic!("expected HTTP {status}, got success: {value:?}"),
        Err(err) => {
            assert_eq!(err.status(), Some(status), "{err}");
            err.message().unwrap_or_default().to_owned()
        }
    }
}
