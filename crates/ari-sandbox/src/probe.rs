//! Asking a starting Asterisk whether ARI answers yet, with plain HTTP/1.1 over loopback.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use base64::Engine as _;

/// What `GET /ari/asterisk/info` answered.
pub(crate) enum Probe {
    /// ARI answered 200; the Asterisk version it reported.
    Ready(String),
    /// Something answered, but not yet with ARI (HTTP status given).
    NotReady(u16),
    /// Nothing listens.
    Closed,
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Probe::Ready(version) => write!(f, "ready ({version})"),
            Probe::NotReady(status) => write!(f, "HTTP {status}"),
            Probe::Closed => write!(f, "nothing listens"),
        }
    }
}

pub(crate) fn ari_info(port: u16, user: &str, password: &str) -> Probe {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return Probe::Closed;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let request = format!(
        "GET /ari/asterisk/info HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: Basic {auth}\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return Probe::Closed;
    }
    let mut answer = Vec::new();
    if stream.read_to_end(&mut answer).is_err() && answer.is_empty() {
        return Probe::Closed;
    }
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(0);
    if status != 200 {
        return Probe::NotReady(status);
    }
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    // The body may be chunked; the JSON object is what lies between the outer braces.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(start), Some(end)) if start < end => &body[start..=end],
        _ => "",
    };
    let version = serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v["system"]["version"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Probe::Ready(version)
}
