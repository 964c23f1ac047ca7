//! `ari demo`: hello world, live. A call enters a Stasis application; on `StasisStart` the demo
//! answers it, plays `sound:hello-world`, and hangs up, printing every event as it arrives.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ari_client::events::Message;
use ari_client::ids::{ChannelId, PlaybackId};
use ari_client::models::{ChannelState, Playback};
use ari_client::{Client, Event};
use futures_util::StreamExt as _;

use crate::cli::Connection;

/// What the flow has reached, so the summary can say where it stopped.
#[derive(Debug, Default)]
struct Progress {
    channel: Option<ChannelId>,
    playback: Option<PlaybackId>,
    answered: bool,
    played: Option<Duration>,
    playback_started: Option<Instant>,
    hung_up: bool,
    destroyed: bool,
    events: usize,
}

pub(crate) async fn run(
    connection: Connection,
    app: Option<String>,
    endpoint: Option<String>,
    timeout: u64,
) -> anyhow::Result<ExitCode> {
    let client = crate::connect::client(&connection).await?;
    let app = app.unwrap_or_else(|| format!("demo_{:08x}", super::rand_u32()));
    let started = Instant::now();
    println!(
        "ari demo: Stasis application {app:?} on {}",
        client.base_url()
    );
    let mut events = client
        .events([app.as_str()])
        .connect()
        .await
        .context("cannot open the event WebSocket")?;

    originate(&client, &app, endpoint.as_deref()).await?;
    println!(
        "{:<12}  {:>6}  {:<20}  {:<40}  details",
        "time", "+ms", "event", "channel"
    );

    let mut progress = Progress::default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    while !progress.destroyed {
        let message = match tokio::time::timeout_at(deadline, events.next()).await {
            Ok(Some(message)) => message.context("the event stream failed")?,
            Ok(None) => bail!("asterisk closed the event stream"),
            Err(_) => bail!(
                "the flow did not finish within {timeout} s ({})",
                summary(&progress)
            ),
        };
        let event = match message {
            Message::Event(event) => event,
            Message::Reconnected { down_for, .. } => {
                println!("(reconnected after {down_for:?}; events may be missing)");
                continue;
            }
            other => {
                println!("({other:?})");
                continue;
            }
        };
        if !concerns_us(&event, &progress) {
            continue;
        }
        progress.events += 1;
        print_event(&event, started);
        step(&client, &event, &mut progress).await?;
    }
    println!(
        "done in {:.2} s: {}",
        started.elapsed().as_secs_f64(),
        summary(&progress)
    );
    Ok(ExitCode::SUCCESS)
}

/// Starts the call. In the sandbox the channel enters the application through the dialplan
/// (`Local/<app>@stasis`), unanswered, as an incoming call would; elsewhere `--endpoint` is
/// originated straight into the application.
async fn originate(client: &Client, app: &str, endpoint: Option<&str>) -> anyhow::Result<()> {
    let result = match endpoint {
        None => {
            client
                .channels()
                .originate(format!("Local/{app}@stasis"))
                .context("sandbox")
                .extension("wait")
                .variable("ARI_ARGS", "demo,hello world")
                .await
        }
        Some(endpoint) => {
            client
                .channels()
                .originate(endpoint)
                .app(app)
                .app_args("demo,hello world")
                .await
        }
    };
    result.context("cannot originate the call")?;
    Ok(())
}

/// The first `StasisStart` picks the channel; after that only its events and our playback's.
fn concerns_us(event: &Event, progress: &Progress) -> bool {
    match (&progress.channel, event) {
        (None, Event::StasisStart(_)) => true,
        (None, _) => false,
        (Some(id), Event::PlaybackStarted(e)) => ours(&e.playback, id, progress),
        (Some(id), Event::PlaybackFinished(e)) => ours(&e.playback, id, progress),
        (Some(id), event) => event.channel_id() == Some(id),
    }
}

fn ours(playback: &Playback, channel: &ChannelId, progress: &Progress) -> bool {
    progress.playback.as_ref() == Some(&playback.id)
        || playback.target_uri == format!("channel:{channel}")
}

fn describe(playback: &Playback) -> String {
    format!(
        "playback={} media={} state={}",
        playback.id, playback.media_uri, playback.state
    )
}

async fn step(client: &Client, event: &Event, progress: &mut Progress) -> anyhow::Result<()> {
    match event {
        Event::StasisStart(e) if progress.channel.is_none() => {
            progress.channel = Some(e.channel.id.clone());
            // An application hears of a channel only while it is in Stasis; subscribing to the
            // channel itself also brings the ChannelDestroyed that follows StasisEnd.
            if let Some(app) = &e.application {
                client
                    .applications()
                    .subscribe(app.clone(), [format!("channel:{}", e.channel.id)])
                    .await
                    .context("cannot subscribe to the channel")?;
            }
            client
                .channels()
                .answer(e.channel.id.clone())
                .await
                .context("cannot answer")?;
        }
        Event::ChannelStateChange(e)
            if e.channel.state == ChannelState::Up && !progress.answered =>
        {
            progress.answered = true;
            let playback = PlaybackId::new(format!("{}-hello", e.channel.id));
            progress.playback = Some(playback.clone());
            client
                .channels()
                .play(e.channel.id.clone(), ["sound:hello-world"])
                .playback_id(playback)
                .await
                .context("cannot play")?;
        }
        Event::PlaybackStarted(_) => progress.playback_started = Some(Instant::now()),
        Event::PlaybackFinished(_) => {
            progress.played = progress.playback_started.map(|t| t.elapsed());
            if let Some(channel) = &progress.channel {
                progress.hung_up = true;
                client
                    .channels()
                    .hangup(channel.clone())
                    .await
                    .context("cannot hang up")?;
            }
        }
        Event::ChannelDestroyed(_) => progress.destroyed = true,
        _ => {}
    }
    Ok(())
}

fn print_event(event: &Event, started: Instant) {
    let time = event
        .timestamp()
        .map(|t| t.to_datetime().format("%H:%M:%S%.3f").to_string())
        .unwrap_or_default();
    let channel = match event {
        Event::StasisStart(e) => e.channel.name.clone(),
        Event::StasisEnd(e) => e.channel.name.clone(),
        Event::ChannelStateChange(e) => e.channel.name.clone(),
        Event::ChannelDestroyed(e) => e.channel.name.clone(),
        Event::ChannelHangupRequest(e) => e.channel.name.clone(),
        Event::ChannelVarset(e) => e
            .channel
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        Event::PlaybackStarted(e) => e.playback.target_uri.clone(),
        Event::PlaybackFinished(e) => e.playback.target_uri.clone(),
        _ => event
            .channel_id()
            .map(ToString::to_string)
            .unwrap_or_default(),
    };
    let details = match event {
        Event::StasisStart(e) => format!("args={:?} state={}", e.args, e.channel.state),
        Event::ChannelStateChange(e) => format!("state={}", e.channel.state),
        Event::PlaybackStarted(e) => describe(&e.playback),
        Event::PlaybackFinished(e) => describe(&e.playback),
        Event::ChannelDestroyed(e) => format!("cause={} ({})", e.cause, e.cause_txt),
        Event::ChannelHangupRequest(e) => {
            format!(
                "cause={}",
                e.cause.map(|c| c.to_string()).unwrap_or_default()
            )
        }
        Event::ChannelVarset(e) => format!("{}={}", e.variable, e.value),
        _ => String::new(),
    };
    println!(
        "{time:<12}  {:>6}  {:<20}  {channel:<40}  {details}",
        started.elapsed().as_millis(),
        event.event_type()
    );
}

fn summary(progress: &Progress) -> String {
    let mut parts = Vec::new();
    parts.push(
        if progress.answered {
            "answered"
        } else {
            "not answered"
        }
        .to_owned(),
    );
    match progress.played {
        Some(d) => parts.push(format!(
            "played sound:hello-world ({:.2} s)",
            d.as_secs_f64()
        )),
        None => parts.push("no playback finished".to_owned()),
    }
    parts.push(
        if progress.destroyed {
            "hung up"
        } else if progress.hung_up {
            "hangup sent"
        } else {
            "still up"
        }
        .to_owned(),
    );
    format!("{}; {} events", parts.join(", "), progress.events)
}
