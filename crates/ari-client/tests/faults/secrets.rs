//! The password never shows: not in `Debug` output, not in errors, not in logs.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ari_client::Method;
use futures_util::StreamExt as _;

use crate::support::{
    APP, FakeAri, HttpReply, Upgrade, assert_error_has_no_secret, assert_no_secret,
    expect_reconnected,
};

#[tokio::test]
async fn debug_output_of_clients_builders_and_streams_hides_the_password() {
    let server = FakeAri::start().await;
    let builder = server.builder();
    assert_no_secret(&format!("{builder:?} {builder:#?}"));
    let client = builder.build().unwrap();
    assert_no_secret(&format!("{client:?} {client:#?}"));
    let events = client.events([APP]);
    assert_no_secret(&format!("{events:?} {events:#?}"));
    let stream = events.connect().await.unwrap();
    assert_no_secret(&format!("{stream:?} {stream:#?}"));
    let rest = stream.rest_client();
    assert_no_secret(&format!("{rest:?} {rest:#?}"));
    // The user name is fine to show, so the redaction is not just an empty `Debug`.
    assert!(format!("{client:?}").contains(crate::support::USER));
}

/// A `tracing` writer that keeps everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn errors_and_logs_of_a_troubled_session_hide_the_password() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .finish();
    // The test runs on one thread, so every task of it logs here.
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = FakeAri::start().await;
    server.on_http(|req| match req.target.as_str() {
        "slow" => HttpReply::Hang,
        _ => HttpReply::text(500, "boom"),
    });
    let client = server
        .builder()
        .request_timeout(Duration::from_millis(200))
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut errors = Vec::new();
    errors.push(
        client
            .request(Method::Get, "slow", &[], None)
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .request(Method::Get, "boom", &[], None)
            .await
            .unwrap_err(),
    );

    let mut stream = client
        .events([APP])
        .backoff(Duration::from_millis(10), Duration::from_millis(20))
        .connect()
        .await
        .unwrap();
    let conn = server.next_ws().await;
    server.script_upgrades([Upgrade::Refuse, Upgrade::Hang]);
    conn.reset();
    assert!(expect_reconnected(&mut stream).await >= 3);
    let conn = server.next_ws().await;
    server.set_password("rotated");
    conn.close();
    let end: Vec<_> = tokio::time::timeout(Duration::from_secs(5), stream.collect::<Vec<_>>())
        .await
        .expect("the stream did not end after the password changed");
    errors.extend(end.into_iter().filter_map(Result::err));
    errors.push(
        client
            .events([APP])
            .connect()
            .await
            .expect_err("connected with a rotated password"),
    );

    assert!(errors.iter().any(ari_client::Error::is_auth));
    for err in &errors {
        assert_error_has_no_secret(err);
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("reconnect"), "nothing was logged: {logs}");
    assert_no_secret(&logs);
}
