//! The event stream against real failures: Asterisk restarted, down for a minute, the network
//! cut silently, wrong credentials, TLS. Tests that stop their Asterisk use an instance of their
//! own, so the shared one stays undisturbed.

use std::time::{Duration, Instant};

use ari_client::events::Message;
use ari_client::{Client, Method};
use ari_sandbox::{Ports, Sandbox};
use ari_testkit::{EventLog, TcpProxy, builder_for, unique_app};
use futures_util::StreamExt as _;

/// Waits for the next reconnect marker, failing after `within`.
async fn wait_reconnected(
    stream: &mut ari_client::events::EventStream,
    within: Duration,
) -> (Duration, u32) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(Message::Reconnected { down_for, attempts }))) => {
                return (down_for, attempts);
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(err))) => panic!("the stream failed instead of reconnecting: {err}"),
            Ok(None) => panic!("the stream ended instead of reconnecting"),
            Err(_) => panic!("no reconnect within {within:?}"),
        }
    }
}

async fn originate_into(client: &Client, app: &str) {
    let query = [
        ("endpoint".to_owned(), "Local/wait@sandbox".to_owned()),
        ("app".to_owned(), app.to_owned()),
    ];
    client
        .request(Method::Post, "channels", &query, None)
        .await
        .expect("originate");
}

/// A proxy in front of the shared sandbox, and a client (with `password`) that goes through it.
async fn client_through_proxy(password: Option<&str>) -> (TcpProxy, Client) {
    let status = ari_testkit::shared();
    let proxy = TcpProxy::start(([127, 0, 0, 1], status.settings.http_port).into())
        .await
        .unwrap();
    let client = Client::builder()
        .base_url(format!("http://{}/ari", proxy.addr()))
        .credentials(
            &status.settings.user,
            password.unwrap_or(&status.settings.password),
        )
        .build()
        .unwrap();
    (proxy, client)
}

async fn channel_count(client: &Client) -> usize {
    let channels = client
        .request(Method::Get, "channels", &[], None)
        .await
        .expect("list channels")
        .json()
        .expect("json");
    channels.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_restarted_asterisk_is_reconnected_with_a_marker() {
    let status = ari_testkit::bring_up("fault_restart", Ports::default()).unwrap();
    let sandbox = Sandbox::new("fault_restart").unwrap();
    let client = ari_testkit::client_for(&status);
    let app = unique_app("restart");
    let mut log = EventLog::new(
        client
            .events([app.as_str()])
            .backoff(Duration::from_millis(100), Duration::from_secs(1))
            .connect()
            .await
            .unwrap(),
    );
    originate_into(&client, &app).await;
    originate_into(&client, &app).await;
    log.wait_type("StasisStart").await;
    log.wait_type("StasisStart").await;
    assert!(channel_count(&client).await >= 2);

    let stopped = Instant::now();
    tokio::task::spawn_blocking(move || {
        sandbox.down().unwrap();
        ari_testkit::bring_up("fault_restart", Ports::default()).unwrap();
    })
    .await
    .unwrap();
    let (down_for, attempts) = wait_reconnected(log.stream_mut(), Duration::from_secs(20)).await;
    eprintln!("restart: reconnected after {down_for:?}, {attempts} attempt(s)");
    assert!(attempts >= 1);
    assert!(down_for <= stopped.elapsed());
    // The restart ended the calls; after the marker, what Asterisk reports is the new truth.
    assert_eq!(channel_count(&client).await, 0);
    // And the stream works: a new call's events arrive.
    originate_into(&client, &app).await;
    log.wait_type("StasisStart").await;
    Sandbox::new("fault_restart").unwrap().down().unwrap();
}

#[tokio::test]
async fn a_long_outage_is_survived() {
    let status = ari_testkit::bring_up("fault_outage", Ports::default()).unwrap();
    let client = ari_testkit::client_for(&status);
    let app = unique_app("outage");
    let mut stream = client
        .events([app.as_str()])
        .backoff(Duration::from_millis(200), Duration::from_secs(5))
        .connect()
        .await
        .unwrap();
    let sandbox = Sandbox::new("fault_outage").unwrap();
    tokio::task::spawn_blocking(move || sandbox.down().unwrap())
        .await
        .unwrap();
    // The outage itself is what is tested: Asterisk stays down for a minute.
    tokio::time::sleep(Duration::from_secs(62)).await;
    tokio::task::spawn_blocking(|| {
        ari_testkit::bring_up("fault_outage", Ports::default()).unwrap()
    })
    .await
    .unwrap();
    let (down_for, attempts) = wait_reconnected(&mut stream, Duration::from_secs(20)).await;
    eprintln!("outage: reconnected after {down_for:?}, {attempts} attempt(s)");
    assert!(down_for >= Duration::from_secs(60), "{down_for:?}");
    assert!(attempts > 5, "kept retrying through the outage: {attempts}");
    let mut log = EventLog::new(stream);
    originate_into(&client, &app).await;
    log.wait_type("StasisStart").await;
    Sandbox::new("fault_outage").unwrap().down().unwrap();
}

#[tokio::test]
async fn a_silent_network_cut_is_detected_and_reconnected() {
    let (proxy, client) = client_through_proxy(None).await;
    let app = unique_app("cut");
    let ping = Duration::from_secs(2);
    let mut stream = client
        .events([app.as_str()])
        .ping_interval(ping)
        .idle_timeout(ping * 2)
        .connect()
        .await
        .unwrap();
    let cut_at = Instant::now();
    proxy.cut();
    let (_, attempts) = wait_reconnected(&mut stream, Duration::from_secs(15)).await;
    let detected = cut_at.elapsed();
    eprintln!("silent cut (ping {ping:?}): back after {detected:?}, {attempts} attempt(s)");
    assert!(attempts >= 1);
    // Two ping intervals to notice, plus the first backoff and the handshake.
    assert!(detected < ping * 2 + Duration::from_secs(3), "{detected:?}");
    let mut log = EventLog::new(stream);
    originate_into(&ari_testkit::client(), &app).await;
    log.wait_type("StasisStart").await;
}

#[tokio::test]
async fn default_keepalive_detects_a_cut_within_ten_seconds() {
    let (proxy, client) = client_through_proxy(None).await;
    let app = unique_app("cutdefault");
    let mut stream = client.events([app.as_str()]).connect().await.unwrap();
    let cut_at = Instant::now();
    proxy.cut();
    wait_reconnected(&mut stream, Duration::from_secs(20)).await;
    assert!(
        cut_at.elapsed() < Duration::from_secs(12),
        "{:?}",
        cut_at.elapsed()
    );
}

#[tokio::test]
async fn a_base_url_without_ari_says_what_to_check_instead_of_showing_a_page() {
    let status = ari_testkit::shared();
    let client = builder_for(status, status.ari_url().replacen("/ari", "/not-ari", 1))
        .build()
        .unwrap();
    for err in failures_of(&client).await {
        assert!(err.is_not_found(), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("no ARI at this URL"), "{text}");
        assert!(!text.contains('<'), "{text}");
    }
}

#[tokio::test]
async fn a_wrong_password_fails_at_once_with_one_attempt() {
    let (proxy, client) = client_through_proxy(Some("not-the-password")).await;
    let started = Instant::now();
    let err = client
        .events([unique_app("badpw")])
        .connect()
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    eprintln!("wrong password: refused after {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(proxy.connections(), 1, "exactly one attempt");
    assert!(!format!("{err} {err:?}").contains("not-the-password"));

    let err = client
        .request(Method::Get, "asterisk/info", &[], None)
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(proxy.connections(), 2, "and one for the REST request");
}

#[tokio::test]
async fn https_and_wss_work_with_the_sandbox_ca_and_fail_without_it() {
    let status = ari_testkit::shared();
    let client = builder_for(status, status.ari_tls_url())
        .ca_file(&status.ca_file)
        .build()
        .unwrap();
    let info = client
        .request(Method::Get, "asterisk/info", &[], None)
        .await
        .unwrap()
        .json()
        .unwrap();
    assert!(
        info["system"]["version"]
            .as_str()
            .unwrap()
            .starts_with("22.")
    );
    let app = unique_app("tls");
    let mut log = EventLog::new(client.events([app.as_str()]).connect().await.unwrap());
    originate_into(&client, &app).await;
    log.wait_type("StasisStart").await;

    let untrusting = builder_for(status, status.ari_tls_url()).build().unwrap();
    let [over_http, over_websocket] = failures_of(&untrusting).await;
    assert!(over_http.is_connect(), "{over_http}");
    // The error says what to do about it, on both transports.
    for err in [over_http, over_websocket] {
        let chain = causes(&err);
        assert!(
            chain.contains("certificate") && chain.contains("ca_file"),
            "{chain}"
        );
    }

    // A scheme that does not match the port is named as the likely cause.
    let plain_port_over_tls =
        builder_for(status, status.ari_url().replacen("http://", "https://", 1))
            .build()
            .unwrap();
    for err in failures_of(&plain_port_over_tls).await {
        let chain = causes(&err);
        assert!(chain.contains("does not speak TLS"), "{chain}");
    }
    let tls_port_in_plain = builder_for(
        status,
        status.ari_tls_url().replacen("https://", "http://", 1),
    )
    .build()
    .unwrap();
    let err = tls_port_in_plain
        .events([unique_app("tlsbad")])
        .connect()
        .await
        .unwrap_err();
    assert!(causes(&err).contains("https://"), "{}", causes(&err));
}

/// How `client`, misconfigured, fails: over HTTP, then opening an event WebSocket.
async fn failures_of(client: &Client) -> [ari_client::Error; 2] {
    let over_http = client
        .request(Method::Get, "asterisk/info", &[], None)
        .await
        .unwrap_err();
    let over_websocket = client
        .events([unique_app("misconfigured")])
        .connect()
        .await
        .unwrap_err();
    [over_http, over_websocket]
}

/// An error and its sources, as one line.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut cause = err.source();
    while let Some(current) = cause {
        line.push_str(": ");
        line.push_str(&current.to_string());
        cause = current.source();
    }
    line
}
