//! Event decoding throughput: typed decoding of a realistic mix of frames against merely
//! parsing the same frames (`serde::de::IgnoredAny`) and against a generic `serde_json::Value`.
//!
//! Run: `cargo bench -p ari-client --bench decode` (plain `std::time`, no harness).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ari_client::events::decode_event;

const FRAMES: &[&str] = &[
    include_str!("../tests/fixtures/events/stasis_start.json"),
    include_str!("../tests/fixtures/events/channel_state_change.json"),
    include_str!("../tests/fixtures/events/channel_dtmf_received.json"),
    include_str!("../tests/fixtures/events/channel_hangup_request.json"),
    include_str!("../tests/fixtures/events/channel_destroyed.json"),
    include_str!("../tests/fixtures/events/channel_varset_global.json"),
    include_str!("../tests/fixtures/events/channel_entered_bridge.json"),
    include_str!("../tests/fixtures/events/playback_finished.json"),
    include_str!("../tests/fixtures/events/dial.json"),
    include_str!("../tests/fixtures/events/stasis_end.json"),
];

/// Events per second of `f` over the frame mix, best of a few rounds.
fn rate(mut f: impl FnMut(&str)) -> f64 {
    let mut best = 0.0f64;
    for _ in 0..5 {
        let started = Instant::now();
        let mut n = 0u64;
        while started.elapsed() < Duration::from_millis(400) {
            for frame in FRAMES {
                f(black_box(frame));
            }
            n += FRAMES.len() as u64;
        }
        best = best.max(n as f64 / started.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let bytes: usize = FRAMES.iter().map(|f| f.len()).sum();
    println!(
        "{} frames, {} bytes on average",
        FRAMES.len(),
        bytes / FRAMES.len()
    );
    // `cargo bench -p ari-client --bench decode -- typed` measures typed decoding only (for
    // profiling).
    if std::env::args().any(|a| a == "typed") {
        let typed = rate(|f| {
            black_box(decode_event(f));
        });
        println!("decode_event (typed):    {typed:>12.0} events/s");
        return;
    }
    // `-- typed` measures typed decoding only (for profiling).
    if std::env::args().any(|a| a == "typed") {
        let typed = rate(|f| {
            black_box(decode_event(f));
        });
        println!("decode_event (typed):    {typed:>12.0} events/s");
        return;
    }
    let ignored = rate(|f| {
        black_box(serde_json::from_str::<serde::de::IgnoredAny>(f).ok());
    });
    let value = rate(|f| {
        black_box(serde_json::from_str::<serde_json::Value>(f).ok());
    });
    let typed = rate(|f| {
        black_box(decode_event(f));
    });
    println!("parse only (IgnoredAny): {ignored:>12.0} events/s");
    println!("serde_json::Value:       {value:>12.0} events/s");
    println!(
        "decode_event (typed):    {typed:>12.0} events/s  ({:.2}x of parse only)",
        typed / ignored
    );
}
