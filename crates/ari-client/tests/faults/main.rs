//! Fault injection against a fake ARI server: refused credentials, dropped, silent and refused
//! connections, malformed frames, slow and absent answers, REST over WebSocket when the socket
//! breaks, bursts against slow consumers, and secrets kept out of every message.
//!
//! One test binary; run it with `cargo test -p ari-client --test faults`. Nothing here needs
//! Asterisk: `support::FakeAri` plays its part.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support code: a failed unwrap is a failed test (clippy.toml only covers #[test] fns)"
)]

mod support;

mod auth;
mod burst;
mod frames;
mod http;
mod reconnect;
mod rest_over_ws;
mod secrets;
