//! Router cost: events per second and client CPU time per event through
//! `client.events([app]).connect_router()` with 1, 100 and 1,000 per-channel subscribers
//! (`router.subscribe(Filter::Channel(id))`), fed by a burst of real frames.
//!
//! The frames come from a small WebSocket server on loopback that speaks like Asterisk: it
//! accepts the client's `GET /ari/events` upgrade and replays frames of the recorded corpus
//! (those about a channel), rewritten so that their channels are the subscribers'. The server
//! runs on its own thread and renders every frame before the burst starts, so the measurement
//! isolates the client: CPU time is the process's (`/proc/self/stat`) minus the server
//! thread's (`/proc/thread-self/stat`), over the events delivered; each subscriber's queue
//! holds the whole burst, so none is dropped.
//!
//! Three spreads of the burst over the subscribers:
//! - `calls`: each channel of the corpus (in each pass over it) becomes one subscriber's
//!   channel, so events reach a subscriber in the runs a call produces, as live traffic does;
//! - `round robin`: frame `i` goes to subscriber `i mod n`, so with many subscribers every
//!   event wakes a different idle task (the worst case: the runtime's wake-ups dominate);
//! - `one busy`: every frame goes to subscriber 0 while the other `n - 1` subscriptions stay
//!   open: the router's own work per event with `n` entries in its table.
//!
//! Each runs on tokio's multi-thread runtime (a worker per core) and on a current-thread
//! runtime: on the first, waking a subscriber's task that sleeps on the other worker costs a
//! cross-thread wake-up (a futex and a context switch), which one thread never pays; the
//! difference between the two is the scheduler's, not the router's.
//!
//! Run: `cargo bench -p ari-benches --bench router` (about a minute; no Asterisk needed);
//! `-- 1000` measures one subscriber count only.
//! Without `--bench` (e.g. `cargo test --benches`) it runs a small burst as a smoke check.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ari_client::Client;
use ari_client::events::{Filter, Message, decode_event};
use ari_client::ids::ChannelId;
use futures_util::{FutureExt as _, SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite;

/// Events per burst, subscriber counts, bursts per count.
const EVENTS: usize = 100_000;
const SUBSCRIBERS: [usize; 3] = [1, 100, 1_000];
const ROUNDS: usize = 5;

/// A corpus frame about a channel, and that channel's id as it appears in the frame (quoted).
#[derive(Debug)]
struct Template {
    frame: String,
    quoted_id: String,
}

/// A small stable hash (FNV-1a), to map a corpus channel to a subscriber.
fn fnv(bytes: &[u8], seed: u64) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325 ^ seed, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn templates() -> anyhow::Result<Vec<Template>> {
    let mut out = Vec::new();
    for frame in ari_benches::corpus()? {
        let Some(id) = decode_event(&frame).channel_id().map(|id| id.to_string()) else {
            continue;
        };
        let template = Template {
            quoted_id: format!("\"{id}\""),
            frame,
        };
        // Keep the frames that route to the rewritten channel.
        if decode_event(&template.render("bench-probe")).channel_id()
            == Some(&ChannelId::new("bench-probe"))
        {
            out.push(template);
        }
    }
    if out.is_empty() {
        bail!("no frame of the corpus is about a channel");
    }
    Ok(out)
}

impl Template {
    fn render(&self, channel: &str) -> String {
        self.frame
            .replace(&self.quoted_id, &format!("\"{channel}\""))
    }
}

fn channel_name(subscriber: usize) -> String {
    format!("bench-channel-{subscriber}")
}

/// CPU seconds (user + system) from a `/proc/.../stat` file: fields 14 and 15, in clock ticks
/// of 1/100 s.
fn cpu_seconds(path: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    // The command name (field 2) may hold spaces; the fields after it are plain.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("unexpected /proc stat format")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<f64> {
        Ok(fields.get(i).context("short /proc stat")?.parse::<u64>()? as f64)
    };
    // `after` starts at field 3 (state): utime is field 14, stime field 15.
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

/// The server thread: accepts one event WebSocket, waits for `go`, sends every frame, reports
/// the CPU time the sending took, then reads until the client closes.
fn serve(
    listener: std::net::TcpListener,
    frames: Vec<String>,
    go: std::sync::mpsc::Receiver<()>,
    sent: std::sync::mpsc::Sender<anyhow::Result<f64>>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let socket = tokio_tungstenite::accept_async(stream).await?;
        let (mut sink, mut source) = socket.split();
        // The go signal arrives once the subscribers are in place.
        tokio::task::spawn_blocking(move || go.recv()).await??;
        let result = async {
            let before = cpu_seconds("/proc/thread-self/stat")?;
            for chunk in frames.chunks(64) {
                for frame in chunk {
                    sink.feed(tungstenite::Message::Text(frame.as_str().into()))
                        .await?;
                }
                sink.flush().await?;
            }
            anyhow::Ok(cpu_seconds("/proc/thread-self/stat")? - before)
        }
        .await;
        let _ = sent.send(result);
        // Answer pings and the close handshake until the client goes.
        while let Some(Ok(_)) = source.next().await {}
        anyhow::Ok(())
    })
}

/// One burst through a router with `subscribers` per-channel subscriptions.
#[derive(Debug)]
struct Burst {
    events_per_second: f64,
    cpu_micros_per_event: f64,
}

/// How a burst's frames are spread over the subscribers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Spread {
    /// Each corpus channel (per pass over the corpus) to one subscriber.
    Calls,
    /// Frame `i` to subscriber `i mod n`.
    RoundRobin,
    /// Every frame to subscriber 0.
    OneBusy,
}

async fn burst(
    templates: &[Template],
    subscribers: usize,
    events: usize,
    spread: Spread,
) -> anyhow::Result<Burst> {
    let frames: Vec<String> = (0..events)
        .map(|i| {
            let template = &templates[i % templates.len()];
            let target = match spread {
                Spread::Calls => {
                    let pass = (i / templates.len()) as u64;
                    (fnv(template.quoted_id.as_bytes(), pass) % subscribers as u64) as usize
                }
                Spread::RoundRobin => i % subscribers,
                Spread::OneBusy => 0,
            };
            template.render(&channel_name(target))
        })
        .collect();
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let (go_tx, go_rx) = std::sync::mpsc::channel();
    let (sent_tx, sent_rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || serve(listener, frames, go_rx, sent_tx));

    let client = Client::builder()
        .base_url(format!("http://{addr}/ari"))
        .credentials("bench", "bench")
        .build()?;
    let router = client
        .events(["bench"])
        .capacity(events)
        .connect_router()
        .await?;
    let delivered = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(tokio::sync::Notify::new());
    let mut consumers = tokio::task::JoinSet::new();
    for n in 0..subscribers {
        let mut subscription = router.subscribe(Filter::Channel(ChannelId::new(channel_name(n))));
        let delivered = delivered.clone();
        let done = done.clone();
        consumers.spawn(async move {
            let count = |item: ari_client::Result<Message>| match item {
                Ok(Message::Event(_)) => 1,
                Ok(Message::Lagged { missed }) => usize::try_from(missed).unwrap_or(0),
                _ => 0,
            };
            while let Some(item) = subscription.next().await {
                // Counted into the shared total once per wake-up, not per event: one counter
                // bumped by every consumer on both workers would cost each event a cache-line
                // transfer, the harness's cost and not the router's.
                let mut counted = count(item);
                while let Some(Some(item)) = subscription.next().now_or_never() {
                    counted += count(item);
                }
                if counted > 0
                    && delivered.fetch_add(counted, Ordering::Relaxed) + counted >= events
                {
                    done.notify_one();
                }
            }
        });
    }

    let cpu_before = cpu_seconds("/proc/self/stat")?;
    let started = Instant::now();
    go_tx.send(())?;
    tokio::time::timeout(Duration::from_secs(120), done.notified())
        .await
        .context("the burst was not delivered within 120 s")?;
    let elapsed = started.elapsed();
    let cpu_after = cpu_seconds("/proc/self/stat")?;
    let server_cpu = sent_rx.recv()??;
    let client_cpu = (cpu_after - cpu_before - server_cpu).max(0.0);

    drop(router);
    consumers.abort_all();
    while consumers.join_next().await.is_some() {}
    tokio::task::spawn_blocking(move || server.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the server thread panicked"))??;
    let missing = events.saturating_sub(delivered.load(Ordering::Relaxed));
    if missing > 0 {
        bail!("{missing} events were not delivered");
    }
    Ok(Burst {
        events_per_second: events as f64 / elapsed.as_secs_f64(),
        cpu_micros_per_event: client_cpu * 1e6 / events as f64,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// One line of the report.
#[derive(Debug)]
struct Row {
    runtime: &'static str,
    spread: Spread,
    subscribers: usize,
    events_per_second: f64,
    cpu_micros_per_event: f64,
}

/// Every spread and subscriber count on the current runtime.
///
/// The cases take turns within each round, so a change of load on the shared machine touches
/// all of them alike; each row is the median of its rounds.
async fn run(
    runtime: &'static str,
    templates: &[Template],
    events: usize,
    rounds: usize,
) -> anyhow::Result<Vec<Row>> {
    // `-- 1000` measures only that subscriber count (e.g. under a profiler).
    let only: Vec<usize> = std::env::args().filter_map(|a| a.parse().ok()).collect();
    let cases: Vec<(Spread, usize)> = [Spread::Calls, Spread::RoundRobin, Spread::OneBusy]
        .into_iter()
        .flat_map(|spread| {
            SUBSCRIBERS
                .into_iter()
                .filter(|n| only.is_empty() || only.contains(n))
                .map(move |n| (spread, n))
        })
        .collect();
    let mut samples: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); cases.len()];
    for round in 0..rounds {
        for (i, &(spread, subscribers)) in cases.iter().enumerate() {
            let b = burst(templates, subscribers, events, spread).await?;
            samples[i].0.push(b.events_per_second);
            samples[i].1.push(b.cpu_micros_per_event);
        }
        eprintln!("router: {runtime}, round {} of {rounds} done", round + 1);
    }
    Ok(cases
        .into_iter()
        .zip(samples)
        .map(|((spread, subscribers), (rates, cpu))| Row {
            runtime,
            spread,
            subscribers,
            events_per_second: median(rates),
            cpu_micros_per_event: median(cpu),
        })
        .collect())
}

fn main() -> anyhow::Result<()> {
    report("glibc malloc")
}

/// Runs every case and prints the table; `allocator` names the global allocator in use.
pub(crate) fn report(allocator: &str) -> anyhow::Result<()> {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let templates = templates()?;
    let (events, rounds) = if smoke { (2_000, 1) } else { (EVENTS, ROUNDS) };
    // The default multi-thread runtime (a worker per core), and one thread: waking a task
    // on another worker costs a cross-thread wake-up, which one thread never pays.
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut rows = multi.block_on(run("multi-thread", &templates, events, rounds))?;
    drop(multi);
    let single = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rows.extend(single.block_on(run("current-thread", &templates, events, rounds))?);
    println!(
        "\nrouter: bursts of {events} corpus frames ({} distinct) from a loopback fake Asterisk; \
         median of {rounds}; allocator: {allocator}\n",
        templates.len()
    );
    println!(
        "{:<15} {:<12} {:>12} {:>12} {:>22}",
        "runtime", "spread", "subscribers", "events/s", "client CPU µs/event"
    );
    for row in rows {
        let spread = match row.spread {
            Spread::Calls => "calls",
            Spread::RoundRobin => "round robin",
            Spread::OneBusy => "one busy",
        };
        println!(
            "{:<15} {spread:<12} {:>12} {:>12.0} {:>22.2}",
            row.runtime, row.subscribers, row.events_per_second, row.cpu_micros_per_event
        );
    }
    Ok(())
}
