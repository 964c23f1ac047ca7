//! REST throughput and latency against the live sandbox (loopback): `GET /asterisk/info`
//! through `ari_client` over HTTP (typed, decoded into `AsteriskInfo`; and untyped, the body
//! left as bytes) and over REST over WebSocket (the event stream's socket, and two sockets of
//! their own from `Client::rest_sockets`), against a raw `reqwest` client on the same
//! endpoint (the baseline; also with the body decoded into `AsteriskInfo`, as the typed client
//! does), one request at a time and 16 in flight. A second baseline, raw WebSockets
//! (tokio-tungstenite sending `RESTRequest` frames and matching the `RESTResponse`s in one
//! task per socket, a closed loop with no queue in between; one socket, and two sharing the
//! requests as `rest_sockets` does), tells Asterisk's own cost of REST over WebSocket from the
//! client's.
//!
//! The machine is shared, so the clients take turns in slices (in a new random order in each
//! slice, on new connections) and a change of load touches all of them alike. One
//! request at a time, each client takes turns over eight connections of its own: a connection
//! keeps one of two speeds for its lifetime here, and eight draws average it out. The
//! report gives each client's median throughput over the slices, p50 and p99 latency over all
//! its requests, the median over the slices of its ratio to raw reqwest in the same slice at the
//! same concurrency with the quartiles of those ratios (the middle half of the slices: how far
//! the machine's noise spreads them), the same median ratio to the bare client on the same
//! transport ("vs bare": raw reqwest for HTTP, the raw WebSockets with as many sockets for
//! REST over WebSocket), and CPU time per request: the client's own (this
//! process's threads, from `/proc/self/task/*/schedstat`: what the client costs, whatever else
//! runs on the machine) and Asterisk's (its threads' `schedstat`).
//!
//! Run: `cargo bench -p ari-benches --bench rest` (brings the sandbox up; about a minute).
//! Without `--bench` (e.g. `cargo test --benches`) it runs a few requests as a smoke check.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ari_client::Client;
use futures_util::{SinkExt as _, StreamExt as _};
use rand::seq::SliceRandom as _;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest as _};

type RawSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Requests per slice: sequential, and in total with 16 in flight.
const SEQUENTIAL: usize = 480;
const PARALLEL: usize = 2_000;
const IN_FLIGHT: usize = 16;
const SLICES: usize = 24;
/// Connections each client takes turns over, one request at a time (see [`run`]).
const SEQUENTIAL_CONNECTIONS: usize = 8;

/// Who sends the requests.
#[derive(Debug, Clone)]
enum Target {
    /// A plain reqwest client, reading the body as bytes (and, with `decode`, parsing it into
    /// `AsteriskInfo` with serde_json, as the typed client does).
    Reqwest {
        http: reqwest::Client,
        url: Arc<str>,
        user: Arc<str>,
        password: Arc<str>,
        decode: bool,
    },
    /// `ari_client` over HTTP or, for a `rest_client()`, over the event WebSocket.
    Ari(Client),
    /// `ari_client`'s untyped [`Client::request`]: the same transport, the body left as bytes.
    AriUntyped(Client),
    /// Bare WebSockets, each written and read by a measuring task of its own (a closed loop);
    /// one request at a time goes over the first.
    RawWebSocket(Arc<[tokio::sync::Mutex<RawSocket>]>),
}

impl Target {
    async fn call(&self) -> anyhow::Result<()> {
        match self {
            Target::Reqwest {
                http,
                url,
                user,
                password,
                decode,
            } => {
                let response = http
                    .get(url.as_ref())
                    .basic_auth(user.as_ref(), Some(password.as_ref()))
                    .send()
                    .await?;
                if !response.status().is_success() {
                    bail!("GET asterisk/info answered {}", response.status());
                }
                let body = response.bytes().await?;
                if *decode {
                    serde_json::from_slice::<ari_client::models::AsteriskInfo>(&body)?;
                }
            }
            Target::Ari(client) => {
                client.asterisk().get_info().await?;
            }
            Target::AriUntyped(client) => {
                client
                    .request(ari_client::Method::Get, "asterisk/info", &[], None)
                    .await?;
            }
            Target::RawWebSocket(sockets) => {
                let socket = sockets.first().context("no raw WebSocket")?;
                raw_closed_loop(socket, 1, 1).await?;
            }
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
        cpu: Duration::ZERO,
        asterisk_cpu: Duration::ZERO,
    })
}

/// One measurement: how long `total` requests took, and each one's latency.
#[derive(Debug)]
struct Run {
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// CPU time of this process meanwhile.
    cpu: Duration,
    /// CPU time of Asterisk meanwhile.
    asterisk_cpu: Duration,
}

/// CPU time used so far by a process's threads (the first field of each thread's
/// `schedstat`, in nanoseconds): `self`, or Asterisk's PID. A thread that ended takes its time
/// with it; the benchmark's connections stay open while they are measured.
fn process_cpu(process: &str) -> anyhow::Result<Duration> {
    let mut nanos = 0u64;
    for task in std::fs::read_dir(format!("/proc/{process}/task"))? {
        let path = task?.path().join("schedstat");
        // A thread may end between the listing and the read.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        nanos += text
            .split_whitespace()
            .next()
            .context("empty schedstat")?
            .parse::<u64>()?;
    }
    Ok(Duration::from_nanos(nanos))
}

/// The CPU time so far of this process and of Asterisk (zero when its PID is unknown).
fn cpu_now(asterisk: Option<u32>) -> anyhow::Result<(Duration, Duration)> {
    let server = match asterisk {
        Some(pid) => process_cpu(&pid.to_string())?,
        None => Duration::ZERO,
    };
    Ok((process_cpu("self")?, server))
}

/// Runs `requests` and adds the CPU time this process and Asterisk spent meanwhile.
async fn with_cpu(
    asterisk: Option<u32>,
    requests: impl std::future::Future<Output = anyhow::Result<Run>>,
) -> anyhow::Result<Run> {
    let (client, server) = cpu_now(asterisk)?;
    let mut run = requests.await?;
    let (client_after, server_after) = cpu_now(asterisk)?;
    run.cpu = client_after.saturating_sub(client);
    run.asterisk_cpu = server_after.saturating_sub(server);
    Ok(run)
}

async fn measure(
    target: &Target,
    total: usize,
    in_flight: usize,
    asterisk: Option<u32>,
) -> anyhow::Result<Run> {
    with_cpu(asterisk, measure_requests(target, total, in_flight)).await
}

/// `total` requests one at a time, each on the next of `targets` in turn.
async fn measure_in_turns(
    targets: &[Target],
    total: usize,
    asterisk: Option<u32>,
) -> anyhow::Result<Run> {
    let targets = targets.to_vec();
    let measuring = async move {
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(total);
        for target in targets.iter().cycle().take(total) {
            let t = Instant::now();
            target.call().await?;
            latencies.push(t.elapsed());
        }
        anyhow::Ok(Run {
            elapsed: started.elapsed(),
            latencies,
            cpu: Duration::ZERO,
            asterisk_cpu: Duration::ZERO,
        })
    };
    // A task of its own, as the requests with 16 in flight run in tasks.
    with_cpu(asterisk, async { tokio::spawn(measuring).await? }).await
}

async fn measure_requests(target: &Target, total: usize, in_flight: usize) -> anyhow::Result<Run> {
    if let Target::RawWebSocket(sockets) = target {
        // The requests and the concurrency shared out over the sockets, all at once.
        let n = sockets.len();
        let loops = sockets.iter().enumerate().map(|(k, socket)| {
            let share = |all: usize| all / n + usize::from(k < all % n);
            raw_closed_loop(socket, share(total), share(in_flight).max(1))
        });
        let runs = futures_util::future::try_join_all(loops).await?;
        return Ok(Run {
            elapsed: runs.iter().map(|r| r.elapsed).max().unwrap_or_default(),
            latencies: runs.into_iter().flat_map(|r| r.latencies).collect(),
            cpu: Duration::ZERO,
            asterisk_cpu: Duration::ZERO,
        });
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
        cpu: Duration::ZERO,
        asterisk_cpu: Duration::ZERO,
    })
}

/// The value at fraction `p` of `sorted` (nearest rank).
fn percentile_of(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
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
    cpu: Duration,
    asterisk_cpu: Duration,
}

impl Tally {
    fn add(&mut self, run: Run) {
        self.rates
            .push(run.latencies.len() as f64 / run.elapsed.as_secs_f64());
        self.latencies.extend(run.latencies);
        self.cpu += run.cpu;
        self.asterisk_cpu += run.asterisk_cpu;
    }

    fn cpu_micros_per_request(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.latencies.len().max(1) as f64
    }

    fn asterisk_micros_per_request(&self) -> f64 {
        self.asterisk_cpu.as_secs_f64() * 1e6 / self.latencies.len().max(1) as f64
    }

    /// This client's rate over the baseline's in each slice, sorted: both met the same load of
    /// the shared machine, which a ratio of medians ignores.
    fn ratios_to(&self, baseline: &[f64]) -> Vec<f64> {
        let mut ratios: Vec<f64> = self
            .rates
            .iter()
            .zip(baseline)
            .map(|(rate, base)| rate / base)
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    }

    fn median_rate(&self) -> f64 {
        let mut rates = self.rates.clone();
        rates.sort_by(f64::total_cmp);
        rates.get(rates.len() / 2).copied().unwrap_or(0.0)
    }
}

/// The names of the clients, in the order [`connect`] gives them.
/// For each client of [`NAMES`], the bare client on the same transport and number of sockets:
/// raw reqwest for HTTP, the raw WebSockets for REST over WebSocket.
const BARE: [usize; 8] = [0, 0, 0, 0, 6, 7, 6, 7];

const NAMES: [&str; 8] = [
    "raw reqwest, HTTP",
    "raw reqwest + serde_json decode, HTTP",
    "ari_client, HTTP",
    "ari_client untyped request, HTTP",
    "ari_client, REST over WebSocket",
    "ari_client, REST over 2 WebSockets",
    "raw WebSocket (closed loop)",
    "raw 2 WebSockets (closed loops)",
];

/// Fresh clients, each with its own connection to Asterisk, plus the event stream that carries
/// REST over WebSocket (kept open while its client is used).
async fn connect(
    status: &ari_sandbox::Status,
) -> anyhow::Result<([Target; 8], ari_client::events::EventStream)> {
    let client = ari_testkit::client_for(status);
    let reqwest = |decode| -> anyhow::Result<Target> {
        Ok(Target::Reqwest {
            http: reqwest::Client::builder()
                .build()
                .context("cannot build the reqwest client")?,
            url: format!("{}/asterisk/info", status.ari_url()).into(),
            user: status.settings.user.as_str().into(),
            password: status.settings.password.as_str().into(),
            decode,
        })
    };
    let app = ari_testkit::unique_app("bench_rest");
    let events = client
        .events([app.as_str()])
        .connect()
        .await
        .context("cannot open the event WebSocket")?;
    let mut raw = Vec::new();
    for _ in 0..3 {
        let socket = raw_socket(
            &status.ari_url(),
            &status.settings.user,
            &status.settings.password,
            &ari_testkit::unique_app("bench_rest_raw"),
        )
        .await
        .context("cannot open a raw WebSocket")?;
        raw.push(tokio::sync::Mutex::new(socket));
    }
    let pair: Arc<[_]> = raw.split_off(1).into();
    let targets = [
        reqwest(false)?,
        reqwest(true)?,
        Target::Ari(client.clone()),
        // Its own client, so its own connection.
        Target::AriUntyped(ari_testkit::client_for(status)),
        Target::Ari(events.rest_client()),
        // Its own sockets, closed when the target is dropped.
        Target::Ari(
            ari_testkit::client_for(status)
                .rest_sockets()
                .sockets(2)
                .application_prefix(ari_testkit::unique_app("bench_rest_sockets"))
                .connect()
                .await
                .context("cannot open the REST WebSockets")?,
        ),
        Target::RawWebSocket(raw.into()),
        Target::RawWebSocket(pair),
    ];
    Ok((targets, events))
}

async fn run(smoke: bool) -> anyhow::Result<()> {
    let status = ari_testkit::shared();
    // Asterisk's own CPU per request, as the sandbox's status gives its PID.
    let asterisk = status.pid;
    let (sequential, parallel, slices) = if smoke {
        (8, 32, 1)
    } else {
        (SEQUENTIAL, PARALLEL, SLICES)
    };
    let mut tallies: Vec<[Tally; 2]> = NAMES.iter().map(|_| Default::default()).collect();
    let connections = if smoke { 2 } else { SEQUENTIAL_CONNECTIONS };
    for _ in 0..slices {
        // New connections in every slice. On this VM one request at a time over a connection
        // takes one of two times (about 35 or about 90 µs on one VM), depending on the
        // connection (where its Asterisk thread runs, it seems), and keeps it for its lifetime:
        // one request at a time, each client takes turns over several connections of its own,
        // so that its rate averages as many draws as the others'.
        let mut sets = Vec::with_capacity(connections);
        for _ in 0..connections {
            sets.push(connect(status).await?);
        }
        // A new order in every slice, so that no client always runs first, or always after
        // the same other client. HTTP connections open on the first request: warming up in
        // that order spreads the opening too.
        let mut order: Vec<usize> = (0..NAMES.len()).collect();
        order.shuffle(&mut rand::rng());
        for &i in &order {
            for (targets, _) in &sets {
                measure(&targets[i], 4, 1, asterisk).await?;
            }
            measure(&sets[0].0[i], IN_FLIGHT * 4, IN_FLIGHT, asterisk).await?;
        }
        for &i in &order {
            let turns: Vec<Target> = sets.iter().map(|(targets, _)| targets[i].clone()).collect();
            let run = measure_in_turns(&turns, sequential, asterisk)
                .await
                .with_context(|| format!("{}, one at a time", NAMES[i]))?;
            tallies[i][0].add(run);
        }
        for &i in order.iter().rev() {
            let run = measure(&sets[0].0[i], parallel, IN_FLIGHT, asterisk)
                .await
                .with_context(|| format!("{}, {IN_FLIGHT} in flight", NAMES[i]))?;
            tallies[i][1].add(run);
        }
        drop(sets);
    }

    println!(
        "\nGET /asterisk/info on {} ({slices} slices of {sequential} sequential requests over \
         {connections} connections in turns and {parallel} parallel requests per client,\nnew \
         connections in each slice; median throughput of the slices, latency over all \
         requests)\n",
        status.ari_url(),
    );
    println!(
        "{:<38} {:>9} {:>10} {:>9} {:>9} {:>11} {:>13} {:>9} {:>11} {:>15}",
        "client",
        "in flight",
        "req/s",
        "p50 µs",
        "p99 µs",
        "vs reqwest",
        "middle half",
        "vs bare",
        "CPU µs/req",
        "Asterisk µs/req"
    );
    for (slot, in_flight) in [(0, 1), (1, IN_FLIGHT)] {
        let baseline = tallies[0][slot].rates.clone();
        // "vs bare": the median slice's ratio to the bare client on the same transport.
        let bare: Vec<f64> = BARE
            .iter()
            .enumerate()
            .map(|(i, &bare)| {
                let ratios = tallies[i][slot].ratios_to(&tallies[bare][slot].rates);
                percentile_of(&ratios, 0.5)
            })
            .collect();
        for (i, name) in NAMES.iter().enumerate() {
            let tally = &mut tallies[i][slot];
            tally.latencies.sort();
            let rate = tally.median_rate();
            // The median slice's ratio, and the quartiles: the middle half of the slices.
            let ratios = tally.ratios_to(&baseline);
            let quantile = |q: f64| percentile_of(&ratios, q);
            println!(
                "{name:<38} {in_flight:>9} {rate:>10.0} {:>9} {:>9} {:>10.3}x {:>6.2}–{:<6.2} {:>8.3}x {:>11.1} {:>15.1}",
                percentile(&tally.latencies, 0.50).as_micros(),
                percentile(&tally.latencies, 0.99).as_micros(),
                quantile(0.5),
                quantile(0.25),
                quantile(0.75),
                bare[i],
                tally.cpu_micros_per_request(),
                tally.asterisk_micros_per_request()
            );
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let smoke = !std::env::args().any(|a| a == "--bench");
    // One thread runs the clients and their I/O. With a multi-thread runtime on this 2-vCPU
    // VM, a request's latency depends on whether its task shares a worker with the I/O driver
    // (about 30 µs) or needs a cross-thread wake-up (about 100 µs), which swamps the clients'
    // own differences.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(smoke))
}
