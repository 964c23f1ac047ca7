//! REST throughput and latency against the live sandbox (loopback): `GET /asterisk/info`
//! through `ari_client` (typed, decoded into `AsteriskInfo`; and untyped, the body left as
//! bytes like the baseline's) over HTTP and over REST over WebSocket, against a raw `reqwest` client on the same endpoint (the baseline), one request
//! at a time and 16 in flight. A second baseline, a raw WebSocket (tokio-tungstenite sending
//! `RESTRequest` frames and matching the `RESTResponse`s in one task, a closed loop with no
//! queue in between), tells Asterisk's own cost of REST over WebSocket from the client's.
//!
//! The machine is shared, so the clients take turns in short slices (the order rotating from
//! slice to slice) and a change of load touches all of them alike; the report gives each
//! configuration's median throughput over the slices, p50 and p99 latency over all its
//! requests, and the ratio to raw reqwest at the same concurrency.
//!
//! Run: `cargo bench -p ari-benches --bench rest` (brings the sandbox up; about a minute).
//! Without `--bench` (e.g. `cargo test --benches`) it runs a few requests as a smoke check.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ari_client::Client;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest as _};

type RawSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Requests per slice: sequential, and in total with 16 in flight.
const SEQUENTIAL: usize = 600;
const PARALLEL: usize = 2_400;
const IN_FLIGHT: usize = 16;
const SLICES: usize = 12;

/// Who sends the requests.
#[derive(Debug, Clone)]
enum Target {
    /// A plain reqwest client, reading the body as bytes.
    Reqwest {
        http: reqwest::Client,
        url: Arc<str>,
        user: Arc<str>,
        password: Arc<str>,
    },
    /// `ari_client` over HTTP or, for a `rest_client()`, over the event WebSocket.
    Ari(Client),
    /// `ari_client`'s untyped [`Client::request`]: the same transport, the body left as bytes.
    AriUntyped(Client),
    /// A bare WebSocket, written and read by the measuring task itself.
    RawWebSocket(Arc<tokio::sync::Mutex<RawSocket>>),
}

impl Target {
    async fn call(&self) -> anyhow::Result<()> {
        match self {
            Target::Reqwest {
                http,
                url,
                user,
                password,
            } => {
                let response = http
                    .get(url.as_ref())
                    .basic_auth(user.as_ref(), Some(password.as_ref()))
                    .send()
                    .await?;
                if !response.status().is_success() {
                    bail!("GET asterisk/info answered {}", response.status());
                }
                response.bytes().await?;
            }
            Target::Ari(client) => {
                client.asterisk().get_info().await?;
            }
            Target::AriUntyped(client) => {
                client
                    .request(ari_client::Method::Get, "asterisk/info", &[], None)
                    .await?;
            }
            Target::RawWebSocket(_) => bail!("the raw WebSocket is driven by raw_closed_loop"),
        }
        Ok(())
    }
}

/// Opens a bare event WebSocket for `app`.
async fn raw_socket(url: &str, user: &str, password: &str, app: &str) -> anyhow::Result<RawSocket> {
    let url = format!(
        "{}/events?app={app}&subscribeAll=false",
        url.replacen("http", "ws", 1)
    );
    let mut request = url.as_str().into_client_request()?;
    request.headers_mut().insert(
        "Authorization",
        ari_client::events::basic_authorization(user, password).parse()?,
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

/// `total` requests over the bare socket, `in_flight` at a time: each answer sends the next.
async fn raw_closed_loop(
    socket: &tokio::sync::Mutex<RawSocket>,
    total: usize,
    in_flight: usize,
) -> anyhow::Result<Run> {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "type")]
        kind: String,
        transaction_id: Option<String>,
        status_code: Option<u16>,
    }
    let mut socket = socket.lock().await;
    let started = Instant::now();
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    let mut latencies = Vec::with_capacity(total);
    let mut next = 0usize;
    let frame = |n: usize| {
        let id = format!("raw-{n}");
        let text = format!(
            r#"{{"type":"RESTRequest","transaction_id":"{id}","request_id":"{id}","method":"GET","uri":"asterisk/info"}}"#
        );
        (id, tungstenite::Message::Text(text.into()))
    };
    while next < total.min(in_flight) {
        let (id, message) = frame(next);
        sent_at.insert(id, Instant::now());
        socket.send(message).await?;
        next += 1;
    }
    while latencies.len() < total {
        let Some(message) = socket.next().await else {
            bail!("asterisk closed the raw WebSocket");
        };
        let tungstenite::Message::Text(text) = message? else {
            continue;
        };
        let answer: Answer = serde_json::from_str(text.as_str())?;
        if answer.kind != "RESTResponse" {
            continue;
        }
        let Some(at) = answer.transaction_id.and_then(|id| sent_at.remove(&id)) else {
            continue;
        };
        if answer.status_code != Some(200) {
            bail!("GET asterisk/info answered {:?}", answer.status_code);
        }
        latencies.push(at.elapsed());
        if next < total {
            let (id, message) = frame(next);
            sent_at.insert(id, Instant::now());
            socket.send(message).await?;
            next += 1;
        }
    }
    Ok(Run {
        elapsed: started.elapsed(),
        latencies,
    })
}

/// One measurement: how long `total` requests took, and each one's latency.
#[derive(Debug)]
struct Run {
    elapsed: Duration,
    latencies: Vec<Duration>,
}

async fn measure(target: &Target, total: usize, in_flight: usize) -> anyhow::Result<Run> {
    if let Target::RawWebSocket(socket) = target {
        return raw_closed_loop(socket, total, in_flight).await;
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..in_flight {
        let target = target.clone();
        let count = total / in_flight + usize::from(worker < total % in_flight);
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(count);
            for _ in 0..count {
                let t = Instant::now();
                target.call().await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut latencies = Vec::with_capacity(total);
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done??);
    }
    Ok(Run {
        elapsed: started.elapsed(),
        latencies,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The results of one configuration over all rounds.
#[derive(Debug, Default)]
struct Tally {
    rates: Vec<f64>,
    latencies: Vec<Duration>,
}

impl Tally {
    fn add(&mut self, run: Run) {
        self.rates
            .push(run.latencies.len() as f64 / run.elapsed.as_secs_f64());
        self.latencies.extend(run.latencies);
    }

    fn median_rate(&self) -> f64 {
        let mut rates = self.rates.clone();
        rates.sort_by(f64::total_cmp);
        rates.get(rates.len() / 2).copied().unwrap_or(0.0)
    }
}

async fn run(smoke: bool) -> anyhow::Result<()> {
    let status = ari_testkit::shared();
    let client = ari_testkit::client_for(status);
    let reqwest = Target::Reqwest {
        http: reqwest::Client::builder()
            .build()
            .context("cannot build the reqwest client")?,
        url: format!("{}/asterisk/info", status.ari_url()).into(),
        user: status.settings.user.as_str().into(),
        password: status.settings.password.as_str().into(),
    };
    let app = ari_testkit::unique_app("bench_rest");
    let events = client
        .events([app.as_str()])
        .connect()
        .await
        .context("cannot open the event WebSocket")?;
    let raw_app = ari_testkit::unique_app("bench_rest_raw");
    let raw = raw_socket(
        &status.ari_url(),
        &status.settings.user,
        &status.settings.password,
        &raw_app,
    )
    .await
    .context("cannot open the raw WebSocket")?;
    let targets = [
        ("raw reqwest, HTTP", reqwest),
        ("ari_client, HTTP", Target::Ari(client.clone())),
        (
            "ari_client untyped request, HTTP",
            Target::AriUntyped(client.clone()),
        ),
        (
            "ari_client, REST over WebSocket",
            Target::Ari(events.rest_client()),
        ),
        (
            "raw WebSocket (closed loop)",
            Target::RawWebSocket(Arc::new(tokio::sync::Mutex::new(raw))),
        ),
    ];
    let (sequential, parallel, slices) = if smoke {
        (8, 32, 1)
    } else {
        (SEQUENTIAL, PARALLEL, SLICES)
    };
    // Warm up: connections, pools, Asterisk's own caches.
    for (_, target) in &targets {
        measure(target, sequential / 10 + 1, 1).await?;
        measure(target, parallel / 10 + IN_FLIGHT, IN_FLIGHT).await?;
    }
    let mut tallies: Vec<[Tally; 2]> = targets.iter().map(|_| Default::default()).collect();
    for slice in 0..slices {
        for (slot, (total, in_flight)) in [(sequential, 1), (parallel, IN_FLIGHT)]
            .into_iter()
            .enumerate()
        {
            for turn in 0..targets.len() {
                let i = (slice + turn) % targets.len();
                let (name, target) = &targets[i];
                let run = measure(target, total, in_flight)
                    .await
                    .with_context(|| format!("{name}, {in_flight} in flight"))?;
                tallies[i][slot].add(run);
            }
        }
    }
    drop(events);

    println!(
        "\nGET /asterisk/info on {} ({slices} slices of {sequential} sequential and {parallel} \
         parallel requests per client;\nmedian throughput of the slices, latency over all \
         requests)\n",
        status.ari_url(),
    );
    println!(
        "{:<36} {:>9} {:>10} {:>9} {:>9} {:>11}",
        "client", "in flight", "req/s", "p50 µs", "p99 µs", "vs reqwest"
    );
    for (slot, in_flight) in [(0, 1), (1, IN_FLIGHT)] {
        let baseline = tallies[0][slot].median_rate();
        for (i, (name, _)) in targets.iter().enumerate() {
            let tally = &mut tallies[i][slot];
            tally.latencies.sort();
            let rate = tally.median_rate();
            println!(
                "{name:<36} {in_flight:>9} {rate:>10.0} {:>9} {:>9} {:>10.3}x",
                percentile(&tally.latencies, 0.50).as_micros(),
                percentile(&tally.latencies, 0.99).as_micros(),
                rate / baseline
            );
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(smoke))
}
