//! `ari events`: the event WebSocket from the shell.
//!
//! `tail` prints each event as it arrives, one line each (or each frame as sent with `--raw`).
//! `record` writes every frame verbatim as JSON lines; with `--workload N` it also drives N
//! varied call flows through the sandbox meanwhile (see [`Flow::run`]), so the recording holds
//! the variety of events a live system sends: playbacks, recordings, DTMF, variables, caller
//! ids, user events, bridges, dials, talk detection, device states and more.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ari_client::events::{Message, decode_event};
use ari_client::{Client, Event};
use futures_util::StreamExt as _;
use tokio::sync::mpsc;

use crate::cli::{Connection, EventSource, EventsAction};

pub(crate) async fn run(action: EventsAction) -> anyhow::Result<ExitCode> {
    match action {
        EventsAction::Tail {
            connection,
            source,
            raw,
        } => tail(&connection, &source, raw).await,
        EventsAction::Record {
            connection,
            source,
            out,
            workload,
            concurrency,
            duration,
        } => {
            let options = RecordOptions {
                out,
                workload,
                concurrency,
                duration: duration.map(Duration::from_secs),
            };
            record(&connection, &source, options).await
        }
    }
}

/// The application names to register: the given ones, checked, or a fresh one.
fn app_names(source: &EventSource) -> anyhow::Result<Vec<String>> {
    if source.apps.is_empty() {
        return Ok(vec![format!("events_{:08x}", super::rand_u32())]);
    }
    for app in &source.apps {
        if app.is_empty() {
            bail!("an application name cannot be empty");
        }
        // Names travel comma-separated in the WebSocket URL and, for the workload, as a
        // dialplan extension (`Local/<app>@stasis`): keep them to a safe alphabet.
        if let Some(bad) = app
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        {
            bail!(
                "invalid application name {app:?}: {bad:?} is not allowed \
                 (use letters, digits, '_', '-' and '.')"
            );
        }
    }
    Ok(source.apps.clone())
}

/// A frame on one line: JSON allows raw line breaks only as whitespace between tokens (inside
/// strings they are escaped), so replacing them by spaces keeps the frame's meaning.
fn one_line(frame: &str) -> std::borrow::Cow<'_, str> {
    if frame.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(frame.replace(['\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(frame)
    }
}

async fn tail(
    connection: &Connection,
    source: &EventSource,
    raw: bool,
) -> anyhow::Result<ExitCode> {
    let apps = app_names(source)?;
    let client = crate::connect::client(connection).await?;
    let mut stream = client
        .events(apps.clone())
        .subscribe_all(source.subscribe_all)
        .raw_frames(raw)
        .connect()
        .await
        .context("cannot open the event WebSocket")?;
    eprintln!(
        "ari events: application {} on {}{}; Ctrl-C stops",
        apps.join(","),
        client.base_url(),
        if source.subscribe_all {
            ", every event of the system"
        } else {
            ""
        }
    );
    let mut out = std::io::stdout();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let item = tokio::select! {
            _ = &mut ctrl_c => break,
            item = stream.next() => item,
        };
        match item {
            None => bail!("asterisk closed the event stream"),
            Some(Err(err)) => return Err(err).context("the event stream failed"),
            Some(Ok(Message::Event(event))) => writeln!(out, "{}", event_line(&event))?,
            Some(Ok(Message::Frame(frame))) => writeln!(out, "{}", one_line(&frame))?,
            Some(Ok(other)) => report_marker(&other),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report_marker(message: &Message) {
    match message {
        Message::Reconnected { down_for, attempts } => eprintln!(
            "ari events: reconnected after {:.1} s ({attempts} attempts); events of the outage are lost",
            down_for.as_secs_f64()
        ),
        Message::Lagged { missed } => {
            eprintln!("ari events: fell behind; {missed} events were dropped");
        }
        other => eprintln!("ari events: {other:?}"),
    }
}

/// One line per event: time, type, application, what it is about, details.
fn event_line(event: &Event) -> String {
    let time = event
        .timestamp()
        .map(|t| t.to_datetime().format("%H:%M:%S%.3f").to_string())
        .unwrap_or_else(|| "-".to_owned());
    let line = format!(
        "{time:<12}  {:<24} {:<20} {:<36} {}",
        if event.event_type().is_empty() {
            "(no type)"
        } else {
            event.event_type()
        },
        event.application().unwrap_or("-"),
        subject(event),
        details(event)
    );
    line.trim_end().to_owned()
}

/// What the event is about: a channel (by name), a bridge, a playback, a recording, a device.
fn subject(event: &Event) -> String {
    let named = match event {
        Event::StasisStart(e) => Some(&e.channel.name),
        Event::StasisEnd(e) => Some(&e.channel.name),
        Event::ChannelCreated(e) => Some(&e.channel.name),
        Event::ChannelDestroyed(e) => Some(&e.channel.name),
        Event::ChannelStateChange(e) => Some(&e.channel.name),
        Event::ChannelDialplan(e) => Some(&e.channel.name),
        Event::ChannelHangupRequest(e) => Some(&e.channel.name),
        Event::ChannelDtmfReceived(e) => Some(&e.channel.name),
        Event::ChannelVarset(e) => e.channel.as_ref().map(|c| &c.name),
        Event::ChannelEnteredBridge(e) => e.channel.as_ref().map(|c| &c.name),
        Event::ChannelLeftBridge(e) => Some(&e.channel.name),
        Event::Dial(e) => Some(&e.peer.name),
        _ => None,
    };
    if let Some(name) = named {
        return name.clone();
    }
    match event {
        Event::PlaybackStarted(e) => format!("playback {}", e.playback.id),
        Event::PlaybackContinuing(e) => format!("playback {}", e.playback.id),
        Event::PlaybackFinished(e) => format!("playback {}", e.playback.id),
        Event::RecordingStarted(e) => format!("recording {}", e.recording.name),
        Event::RecordingFinished(e) => format!("recording {}", e.recording.name),
        Event::RecordingFailed(e) => format!("recording {}", e.recording.name),
        Event::DeviceStateChanged(e) => format!("device {}", e.device_state.name),
        _ => {
            if let Some(channel) = event.channel_id() {
                format!("channel {channel}")
            } else if let Some(bridge) = event.bridge_id() {
                format!("bridge {bridge}")
            } else {
                String::new()
            }
        }
    }
}

fn details(event: &Event) -> String {
    match event {
        Event::StasisStart(e) => format!("args={:?} state={}", e.args, e.channel.state),
        Event::ChannelStateChange(e) => format!("state={}", e.channel.state),
        Event::ChannelDtmfReceived(e) => format!("digit={} ({} ms)", e.digit, e.duration_ms),
        Event::ChannelVarset(e) => format!("{}={}", e.variable, e.value),
        Event::ChannelDialplan(e) => format!("{}({})", e.dialplan_app, e.dialplan_app_data),
        Event::ChannelDestroyed(e) => format!("cause={} ({})", e.cause, e.cause_txt),
        Event::ChannelHangupRequest(e) => e.cause.map(|c| format!("cause={c}")).unwrap_or_default(),
        Event::ChannelUserevent(e) => format!("{} {}", e.eventname, e.userevent),
        Event::ChannelEnteredBridge(e) => format!("bridge={}", e.bridge.id),
        Event::ChannelLeftBridge(e) => format!("bridge={}", e.bridge.id),
        Event::BridgeCreated(e) => format!("bridge={} type={}", e.bridge.id, e.bridge.bridge_type),
        Event::BridgeDestroyed(e) => format!("bridge={}", e.bridge.id),
        Event::Dial(e) => format!("dialstatus={:?}", e.dialstatus),
        Event::PlaybackStarted(e) => {
            format!("{} on {}", e.playback.media_uri, e.playback.target_uri)
        }
        Event::PlaybackContinuing(e) => {
            format!("{} on {}", e.playback.media_uri, e.playback.target_uri)
        }
        Event::PlaybackFinished(e) => {
            format!("{} state={}", e.playback.media_uri, e.playback.state)
        }
        Event::RecordingStarted(e) => format!("on {}", e.recording.target_uri),
        Event::RecordingFinished(e) => format!("state={}", e.recording.state),
        Event::DeviceStateChanged(e) => format!("state={}", e.device_state.state),
        _ => String::new(),
    }
}

#[derive(Debug)]
struct RecordOptions {
    out: PathBuf,
    workload: Option<u32>,
    concurrency: u32,
    duration: Option<Duration>,
}

/// What a recording holds.
#[derive(Debug, Default)]
struct Stats {
    frames: u64,
    bytes: u64,
    unknown: u64,
    types: BTreeMap<String, u64>,
}

impl Stats {
    fn add(&mut self, line: &str, event: &Event) {
        self.frames += 1;
        self.bytes += line.len() as u64 + 1;
        if event.is_unknown() {
            self.unknown += 1;
        }
        let kind = match event.event_type() {
            "" => "(no type)",
            kind => kind,
        };
        *self.types.entry(kind.to_owned()).or_default() += 1;
    }
}

async fn record(
    connection: &Connection,
    source: &EventSource,
    options: RecordOptions,
) -> anyhow::Result<ExitCode> {
    let apps = app_names(source)?;
    let file = File::create(&options.out)
        .with_context(|| format!("cannot create {}", options.out.display()))?;
    let mut writer = BufWriter::new(file);
    let client = crate::connect::client(connection).await?;
    let mut stream = client
        .events(apps.clone())
        .subscribe_all(source.subscribe_all)
        .raw_frames(true)
        .connect()
        .await
        .context("cannot open the event WebSocket")?;
    eprintln!(
        "ari events: recording application {} on {} into {}{}",
        apps.join(","),
        client.base_url(),
        options.out.display(),
        match options.workload {
            Some(n) => format!(
                " while {n} call flows run ({} at once)",
                options.concurrency
            ),
            None => String::new(),
        }
    );

    let started = Instant::now();
    let routes = Arc::new(Routes::default());
    let mut workload = options.workload.map(|flows| {
        let runner = Workload {
            client: client.clone(),
            app: apps[0].clone(),
            flows,
            concurrency: options.concurrency,
            routes: routes.clone(),
        };
        tokio::spawn(runner.run())
    });
    let mut outcome: Option<Outcome> = None;
    let stop_at = options.duration.map(|d| tokio::time::Instant::now() + d);
    // After the workload ends, frames about its last calls are still on their way.
    let mut drain_until: Option<tokio::time::Instant> = None;
    let mut stats = Stats::default();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let reason = loop {
        let item = tokio::select! {
            biased;
            _ = &mut ctrl_c => break "interrupted",
            () = sleep_until(stop_at) => break "duration reached",
            () = sleep_until(drain_until) => break "workload done",
            joined = async {
                match workload.as_mut() {
                    Some(handle) => handle.await,
                    None => std::future::pending().await,
                }
            }, if workload.is_some() => {
                workload = None;
                outcome = Some(joined.context("the workload task failed")?);
                drain_until = Some(tokio::time::Instant::now() + Duration::from_secs(2));
                continue;
            }
            item = stream.next() => item,
        };
        match item {
            None => break "asterisk closed the event stream",
            Some(Err(err)) => {
                writer.flush().ok();
                return Err(err).context("the event stream failed");
            }
            Some(Ok(Message::Frame(frame))) => {
                let line = one_line(&frame);
                writer
                    .write_all(line.as_bytes())
                    .and_then(|()| writer.write_all(b"\n"))
                    .with_context(|| format!("cannot write {}", options.out.display()))?;
                let event = decode_event(&frame);
                stats.add(&line, &event);
                routes.deliver(&event);
            }
            Some(Ok(other)) => report_marker(&other),
        }
    };
    writer
        .flush()
        .with_context(|| format!("cannot write {}", options.out.display()))?;
    if let Some(handle) = workload {
        handle.abort();
        eprintln!("ari events: the workload was stopped before it finished ({reason})");
    }
    summarize(&stats, &options.out, started.elapsed(), reason);
    match outcome {
        Some(outcome) if !outcome.failed.is_empty() => {
            eprintln!(
                "ari events: {} of {} call flows failed; first: {}",
                outcome.failed.len(),
                outcome.failed.len() + outcome.completed,
                crate::report::describe(&outcome.failed[0])
            );
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn summarize(stats: &Stats, out: &Path, elapsed: Duration, reason: &str) {
    println!(
        "recorded {} frames, {} event types, {} bytes to {} in {:.1} s ({reason}){}",
        stats.frames,
        stats.types.len(),
        stats.bytes,
        out.display(),
        elapsed.as_secs_f64(),
        if stats.unknown > 0 {
            format!("; {} did not decode into their type", stats.unknown)
        } else {
            String::new()
        }
    );
    let types: Vec<String> = stats
        .types
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    if !types.is_empty() {
        eprintln!("event types: {}", types.join(", "));
    }
}

/// Hands events to the call flows of the workload, by the ids each flow registered.
#[derive(Debug, Default)]
struct Routes {
    table: Mutex<HashMap<String, (u32, mpsc::UnboundedSender<Event>)>>,
}

impl Routes {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (u32, mpsc::UnboundedSender<Event>)>> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, key: &str, flow: u32, tx: &mpsc::UnboundedSender<Event>) {
        self.lock().insert(key.to_owned(), (flow, tx.clone()));
    }

    fn remove_flow(&self, flow: u32) {
        self.lock().retain(|_, (owner, _)| *owner != flow);
    }

    /// Sends `event` once to each flow that registered one of its ids.
    fn deliver(&self, event: &Event) {
        let table = self.lock();
        if table.is_empty() {
            return;
        }
        let mut sent: Vec<u32> = Vec::new();
        for key in route_keys(event) {
            if let Some((flow, tx)) = table.get(key)
                && !sent.contains(flow)
            {
                sent.push(*flow);
                // A flow that has ended no longer listens.
                let _ = tx.send(event.clone());
            }
        }
    }
}

/// The ids an event is about: channel, bridge, playback, recording, and a playback's or
/// recording's target.
fn route_keys(event: &Event) -> Vec<&str> {
    let mut keys = Vec::with_capacity(3);
    if let Some(channel) = event.channel_id() {
        keys.push(channel.as_str());
    }
    if let Some(bridge) = event.bridge_id() {
        keys.push(bridge.as_str());
    }
    let (id, target) = match event {
        Event::PlaybackStarted(e) => (e.playback.id.as_str(), &e.playback.target_uri),
        Event::PlaybackContinuing(e) => (e.playback.id.as_str(), &e.playback.target_uri),
        Event::PlaybackFinished(e) => (e.playback.id.as_str(), &e.playback.target_uri),
        Event::RecordingStarted(e) => (e.recording.name.as_str(), &e.recording.target_uri),
        Event::RecordingFinished(e) => (e.recording.name.as_str(), &e.recording.target_uri),
        Event::RecordingFailed(e) => (e.recording.name.as_str(), &e.recording.target_uri),
        Event::Dial(e) => {
            if let Some(caller) = &e.caller {
                keys.push(caller.id.as_str());
            }
            return keys;
        }
        _ => return keys,
    };
    keys.push(id);
    if let Some((_, target)) = target.split_once(':') {
        keys.push(target);
    }
    keys
}

/// How a workload went.
#[derive(Debug, Default)]
struct Outcome {
    completed: usize,
    failed: Vec<anyhow::Error>,
}

/// `flows` call flows through `app`, `concurrency` at a time.
#[derive(Debug)]
struct Workload {
    client: Client,
    app: String,
    flows: u32,
    concurrency: u32,
    routes: Arc<Routes>,
}

impl Workload {
    async fn run(self) -> Outcome {
        let prefix = format!("wl{:08x}", super::rand_u32());
        let permits = Arc::new(tokio::sync::Semaphore::new(self.concurrency as usize));
        let mut tasks = tokio::task::JoinSet::new();
        let mut outcome = Outcome::default();
        for n in 0..self.flows {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let (tx, rx) = mpsc::unbounded_channel();
            let flow = Flow {
                client: self.client.clone(),
                app: self.app.clone(),
                n,
                prefix: prefix.clone(),
                routes: self.routes.clone(),
                tx,
                rx,
                warnings: 0,
            };
            tasks.spawn(async move {
                let result = flow.run().await;
                drop(permit);
                result.with_context(|| format!("call flow {n}"))
            });
            // Staggered starts, so flows overlap in different phases.
            tokio::time::sleep(Duration::from_millis(40)).await;
            while let Some(done) = tasks.try_join_next() {
                tally(&mut outcome, done);
            }
        }
        while let Some(done) = tasks.join_next().await {
            tally(&mut outcome, done);
        }
        outcome
    }
}

fn tally(outcome: &mut Outcome, done: Result<anyhow::Result<()>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(())) => outcome.completed += 1,
        Ok(Err(err)) => outcome.failed.push(err),
        Err(err) => outcome.failed.push(anyhow::Error::new(err)),
    }
}

/// How long a flow waits for one event it needs before giving up.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// One call flow of the workload; its events arrive on `rx`.
#[derive(Debug)]
struct Flow {
    client: Client,
    app: String,
    n: u32,
    prefix: String,
    routes: Arc<Routes>,
    tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
    warnings: u32,
}

/// DTMF the far end sends, varied by flow.
const DIGITS: &[&str] = &["1234#", "0*9", "5", "#*#", "2580", "7"];

impl Flow {
    /// An id of this flow's objects (channels, bridge, playbacks, recording).
    fn id(&self, part: &str) -> String {
        format!("{}-{}-{part}", self.prefix, self.n)
    }

    /// Waits for the first event `want` accepts; the others are skipped.
    async fn wait(
        &mut self,
        what: &str,
        mut want: impl FnMut(&Event) -> bool,
    ) -> anyhow::Result<Event> {
        let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) if want(&event) => return Ok(event),
                Ok(Some(_)) => {}
                Ok(None) => bail!("the event routing ended while waiting for {what}"),
                Err(_) => bail!("no {what} within {} s", STEP_TIMEOUT.as_secs()),
            }
        }
    }

    /// A step that only exists for the events it raises: its failure is reported, not fatal.
    fn soft<T>(&mut self, step: &str, result: ari_client::Result<T>) {
        if let Err(err) = result {
            self.warnings += 1;
            eprintln!("ari events: flow {}: {step}: {err}", self.n);
        }
    }

    async fn run(mut self) -> anyhow::Result<()> {
        let ids = [
            "a1", "a2", "b1", "b2", "d1", "d2", "bridge", "play", "bplay", "rec", "tone",
        ]
        .map(|part| self.id(part));
        for key in &ids {
            self.routes.add(key, self.n, &self.tx);
        }
        let result = self.steps().await;
        // Whatever happened, leave nothing behind (errors here mean it is gone already).
        let client = self.client.clone();
        for channel in ["a2", "b2", "d1"] {
            let _ = client.channels().hangup(self.id(channel)).await;
        }
        let _ = client.bridges().destroy(self.id("bridge")).await;
        self.routes.remove_flow(self.n);
        result
    }

    async fn steps(&mut self) -> anyhow::Result<()> {
        let client = self.client.clone();
        let channels = client.channels();
        let (a1, a2) = (self.id("a1"), self.id("a2"));
        let n = self.n;
        let digits = DIGITS[n as usize % DIGITS.len()];

        // A call enters the application unanswered, as an incoming call would; its far end
        // (context sandbox, extension dtmf) answers and sends DTMF.
        channels
            .originate(format!("Local/{}@stasis", self.app))
            .context("sandbox")
            .extension("dtmf")
            .channel_id(a1.as_str())
            .other_channel_id(a2.as_str())
            .variable("ARI_ARGS", format!("workload,{n}"))
            .variable("DTMF_DIGITS", digits)
            .variable("DTMF_DELAY", "0.2")
            .await
            .context("cannot originate")?;
        self.wait(
            "StasisStart",
            |e| matches!(e, Event::StasisStart(s) if s.channel.id == a2.as_str()),
        )
        .await?;
        let r = channels
            .set_channel_var(a2.as_str(), "WORKLOAD_FLOW")
            .value(n.to_string())
            .await;
        self.soft("set a variable", r);
        channels
            .answer(a2.as_str())
            .await
            .context("cannot answer")?;
        self.wait("the answer", |e| {
            matches!(e, Event::ChannelStateChange(s)
                if s.channel.id == a2.as_str() && s.channel.state.as_str() == "Up")
        })
        .await?;
        let r = channels
            .set_channel_var(a2.as_str(), "CALLERID(name)")
            .value(format!("Flow {n}"))
            .await;
        self.soft("set the caller id", r);
        let r = channels
            .set_channel_var(a2.as_str(), "CONNECTEDLINE(num)")
            .value(format!("{}", 2000 + n))
            .await;
        self.soft("set the connected line", r);
        // A tone plays until it is stopped.
        let tone = self.id("tone");
        let r = channels
            .play_with_id(a2.as_str(), tone.as_str(), ["tone:1000"])
            .await;
        self.soft("play a tone", r);
        tokio::time::sleep(Duration::from_millis(600)).await;
        let r = client.playbacks().stop(tone.as_str()).await;
        self.soft("stop the tone", r);

        // Two sounds in one playback: started, continuing, finished.
        let play = self.id("play");
        channels
            .play_with_id(
                a2.as_str(),
                play.as_str(),
                ["sound:beep", "sound:hello-world"],
            )
            .await
            .context("cannot play")?;
        self.wait(
            "PlaybackFinished",
            |e| matches!(e, Event::PlaybackFinished(p) if p.playback.id == play.as_str()),
        )
        .await?;

        // Moving the call to an application nobody runs fails, with an event saying so.
        let r = channels
            .move_to_app(a2.as_str(), format!("{}-nowhere", self.prefix))
            .await;
        self.soft("move to another application", r);

        // A short recording, then deleted.
        let rec = self.id("rec");
        channels
            .record(a2.as_str(), rec.as_str(), "wav")
            .max_duration_seconds(Duration::from_secs(1))
            .beep(n.is_multiple_of(2))
            .if_exists("overwrite")
            .await
            .context("cannot record")?;
        self.wait(
            "RecordingFinished",
            |e| matches!(e, Event::RecordingFinished(r) if r.recording.name == rec.as_str()),
        )
        .await?;
        let r = client.recordings().delete_stored(rec.as_str()).await;
        self.soft("delete the recording", r);

        // Hold, music on hold, mute: requests that change the channel's media.
        let r = channels.hold(a2.as_str()).await;
        self.soft("hold", r);
        let r = channels.unhold(a2.as_str()).await;
        self.soft("unhold", r);
        let r = channels.start_moh(a2.as_str()).await;
        self.soft("start music on hold", r);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let r = channels.stop_moh(a2.as_str()).await;
        self.soft("stop music on hold", r);
        let r = channels.mute(a2.as_str()).direction("both").await;
        self.soft("mute", r);
        let r = channels.unmute(a2.as_str()).direction("both").await;
        self.soft("unmute", r);

        // A user event about the channel, and a device state of the flow's own.
        let r = client
            .events_api()
            .user_event("WorkloadEvent", self.app.as_str())
            .source([format!("channel:{a2}")])
            .variable("flow", n.to_string())
            .await;
        self.soft("send a user event", r);
        let device = format!("Stasis:{}", self.id("device"));
        let states = client.device_states();
        let r = states.update(device.as_str(), "BUSY").await;
        self.soft("set a device state", r);
        let r = states.update(device.as_str(), "NOT_INUSE").await;
        self.soft("set a device state", r);
        let r = states.delete(device.as_str()).await;
        self.soft("delete a device state", r);

        self.bridge().await?;
        self.dial().await;

        // Now and then an application comes and goes.
        if n.is_multiple_of(10) {
            let extra = client.events([self.id("extra")]).connect().await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            drop(extra);
        }

        channels
            .hangup(a2.as_str())
            .reason("normal")
            .await
            .context("cannot hang up")?;
        self.wait(
            "StasisEnd",
            |e| matches!(e, Event::StasisEnd(s) if s.channel.id == a2.as_str()),
        )
        .await?;
        Ok(())
    }

    /// A mixing bridge with the first call and a second one (an echo, with talk detection),
    /// a sound played into it, then taken apart.
    async fn bridge(&mut self) -> anyhow::Result<()> {
        let client = self.client.clone();
        let (channels, bridges) = (client.channels(), client.bridges());
        let (a2, b1, b2) = (self.id("a2"), self.id("b1"), self.id("b2"));
        let bridge = self.id("bridge");
        bridges
            .create()
            .bridge_type("mixing")
            .bridge_id(bridge.as_str())
            .name(format!("workload flow {}", self.n))
            .await
            .context("cannot create a bridge")?;
        bridges
            .add_channel(bridge.as_str(), [a2.as_str()])
            .await
            .context("cannot add the call to the bridge")?;
        self.wait("ChannelEnteredBridge", |e| {
            matches!(e, Event::ChannelEnteredBridge(b)
                if b.channel.as_ref().is_some_and(|c| c.id == a2.as_str()))
        })
        .await?;

        channels
            .originate(format!("Local/{}@stasis", self.app))
            .context("sandbox")
            .extension("echo")
            .channel_id(b1.as_str())
            .other_channel_id(b2.as_str())
            .variable("ARI_ARGS", format!("workload,{},second", self.n))
            .await
            .context("cannot originate the second call")?;
        self.wait(
            "StasisStart of the second call",
            |e| matches!(e, Event::StasisStart(s) if s.channel.id == b2.as_str()),
        )
        .await?;
        let r = channels
            .set_channel_var(b2.as_str(), "TALK_DETECT(set)")
            .value("300")
            .await;
        self.soft("turn talk detection on", r);
        channels
            .answer(b2.as_str())
            .await
            .context("cannot answer the second call")?;
        bridges
            .add_channel(bridge.as_str(), [b2.as_str()])
            .await
            .context("cannot add the second call to the bridge")?;
        self.wait("ChannelEnteredBridge of the second call", |e| {
            matches!(e, Event::ChannelEnteredBridge(b)
                if b.channel.as_ref().is_some_and(|c| c.id == b2.as_str()))
        })
        .await?;

        let play = self.id("bplay");
        bridges
            .play_with_id(
                bridge.as_str(),
                play.as_str(),
                ["sound:hello-world", "sound:silence/1"],
            )
            .await
            .context("cannot play into the bridge")?;
        // Talk detection says the echo went quiet during the silence that ends the playback.
        let talked = |e: &Event| matches!(e, Event::ChannelTalkingFinished(t) if t.channel.id == b2.as_str());
        let mut quiet = false;
        self.wait("PlaybackFinished in the bridge", |e| {
            quiet |= talked(e);
            matches!(e, Event::PlaybackFinished(p) if p.playback.id == play.as_str())
        })
        .await?;
        if !quiet {
            let finished = self.wait("ChannelTalkingFinished", talked).await;
            if let Err(err) = finished {
                self.warnings += 1;
                eprintln!(
                    "ari events: flow {}: {}",
                    self.n,
                    crate::report::describe(&err)
                );
            }
        }
        bridges
            .remove_channel(bridge.as_str(), [b2.as_str()])
            .await
            .context("cannot remove the second call")?;
        self.wait(
            "ChannelLeftBridge",
            |e| matches!(e, Event::ChannelLeftBridge(b) if b.channel.id == b2.as_str()),
        )
        .await?;
        let r = channels.hangup(b2.as_str()).await;
        self.soft("hang up the second call", r);
        bridges
            .destroy(bridge.as_str())
            .await
            .context("cannot destroy the bridge")?;
        self.wait(
            "BridgeDestroyed",
            |e| matches!(e, Event::BridgeDestroyed(b) if b.bridge.id == bridge.as_str()),
        )
        .await?;
        Ok(())
    }

    /// A channel created in the application, then dialed: `Dial` events.
    async fn dial(&mut self) {
        let client = self.client.clone();
        let channels = client.channels();
        let (d1, d2) = (self.id("d1"), self.id("d2"));
        let created = channels
            .create("Local/wait@sandbox", self.app.as_str())
            .channel_id(d1.as_str())
            .other_channel_id(d2.as_str())
            .app_args(format!("workload,{},dialed", self.n))
            .await;
        if let Err(err) = created {
            self.soft::<()>("create a channel", Err(err));
            return;
        }
        // It can be dialed once it is in the application.
        let entered = self
            .wait(
                "StasisStart of the created channel",
                |e| matches!(e, Event::StasisStart(s) if s.channel.id == d1.as_str()),
            )
            .await;
        if let Err(err) = entered {
            self.warnings += 1;
            eprintln!(
                "ari events: flow {}: {}",
                self.n,
                crate::report::describe(&err)
            );
        }
        let r = channels
            .dial(d1.as_str())
            .timeout(Duration::from_secs(10))
            .await;
        self.soft("dial", r);
        let answered = self
            .wait("Dial answered", |e| {
                matches!(e, Event::Dial(d) if d.peer.id == d1.as_str() && d.dialstatus == "ANSWER")
            })
            .await;
        if let Err(err) = answered {
            self.warnings += 1;
            eprintln!(
                "ari events: flow {}: {}",
                self.n,
                crate::report::describe(&err)
            );
        }
        let r = channels.hangup(d1.as_str()).await;
        self.soft("hang up the dialed channel", r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_kept_on_one_line() {
        assert_eq!(one_line("{\"a\":1}"), "{\"a\":1}");
        assert_eq!(
            one_line("{\n  \"a\": \"x\\ny\"\r\n}"),
            "{   \"a\": \"x\\ny\"  }"
        );
    }

    #[test]
    fn application_names_are_checked() {
        let source = |apps: &[&str]| EventSource {
            apps: apps.iter().map(|s| (*s).to_owned()).collect(),
            subscribe_all: false,
        };
        assert!(app_names(&source(&["ok_app-1.2"])).is_ok());
        assert!(app_names(&source(&["a,b"])).is_err());
        assert!(app_names(&source(&[""])).is_err());
        let fresh = app_names(&source(&[])).unwrap();
        assert!(fresh[0].starts_with("events_"));
    }
}
