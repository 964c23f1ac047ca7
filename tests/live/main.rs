//! Live tests against the real Asterisk 22 of `ari-sandbox`.
//!
//! The shared `default` instance is brought up once per run (built on a fresh machine); tests
//! that stop or kill an Asterisk use an instance of their own. A test that cannot reach Asterisk
//! fails: nothing here is skipped or ignored.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of tests: a failed step is a failed test, with its message"
)]

mod coverage;
mod examples;
mod faults;
mod hello;
mod ops;
mod outbound;
mod replaced;
mod rest_sockets;
mod routing;
mod sandbox;
