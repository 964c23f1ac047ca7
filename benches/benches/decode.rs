//! Event decoding throughput over the recorded corpus (`corpus/events.jsonl`, 10k frames of a
//! real Asterisk 22), side by side in one run:
//!
//! | id | decodes each frame into |
//! |---|---|
//! | `typed` | `ari_client::Event` with [`decode_event`] (what the event stream does) |
//! | `value` | `serde_json::Value` (a generic tree) |
//! | `ignored_any` | `serde::de::IgnoredAny`: parse only, nothing kept (the limit) |
//! | `asterisk_rs_event` | `asterisk_rs_ari::AriEvent` (its serde-tagged enum) |
//! | `asterisk_rs_message` | `asterisk_rs_ari::AriMessage` (what its WebSocket client decodes) |
//!
//! Throughput is in elements: events per second. After the measurements the run prints each
//! decoder's rate and the ratios of `typed` to the others (also written to
//! `target/criterion/decode/ratios.txt`).
//!
//! Run: `cargo bench -p ari-benches --bench decode` (about a minute). One decoder only:
//! `cargo bench -p ari-benches --bench decode -- typed`; for a profiler:
//! `cargo bench -p ari-benches --bench decode -- typed --profile-time 20`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use ari_client::events::decode_event;
use criterion::{Criterion, Throughput};

/// The decoders, by benchmark id, with the name printed in the summary.
const DECODERS: &[(&str, &str)] = &[
    ("typed", "ari_client::Event (decode_event)"),
    ("value", "serde_json::Value"),
    ("ignored_any", "serde::de::IgnoredAny (parse only)"),
    ("asterisk_rs_event", "asterisk_rs_ari::AriEvent"),
    ("asterisk_rs_message", "asterisk_rs_ari::AriMessage"),
];

fn bench(c: &mut Criterion, frames: &[String]) {
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("typed", |b| {
        b.iter(|| {
            for frame in frames {
                black_box(decode_event(black_box(frame)));
            }
        });
    });
    group.bench_function("value", |b| {
        b.iter(|| {
            for frame in frames {
                black_box(serde_json::from_str::<serde_json::Value>(black_box(frame)).ok());
            }
        });
    });
    group.bench_function("ignored_any", |b| {
        b.iter(|| {
            for frame in frames {
                black_box(serde_json::from_str::<serde::de::IgnoredAny>(black_box(frame)).ok());
            }
        });
    });
    group.bench_function("asterisk_rs_event", |b| {
        b.iter(|| {
            for frame in frames {
                black_box(serde_json::from_str::<asterisk_rs_ari::AriEvent>(black_box(frame)).ok());
            }
        });
    });
    group.bench_function("asterisk_rs_message", |b| {
        b.iter(|| {
            for frame in frames {
                black_box(
                    serde_json::from_str::<asterisk_rs_ari::AriMessage>(black_box(frame)).ok(),
                );
            }
        });
    });
    group.finish();
}

/// Criterion's directory: `target/criterion`, found from this executable
/// (`target/<profile>/deps/decode-…`) unless `CRITERION_HOME` says otherwise.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.join("criterion")))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// Nanoseconds per iteration (one pass over the corpus) that criterion measured for `id`.
fn nanos_per_pass(dir: &Path, id: &str) -> Option<f64> {
    let path = dir.join("decode").join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    ["slope", "mean"]
        .iter()
        .find_map(|stat| estimates[*stat]["point_estimate"].as_f64())
}

/// How many frames each decoder accepts (a decoder that rejects frames does less work).
fn accepted(frames: &[String]) -> String {
    let count = |ok: &dyn Fn(&str) -> bool| frames.iter().filter(|f| ok(f)).count();
    let typed = count(&|f| !decode_event(f).is_unknown());
    let event = count(&|f| serde_json::from_str::<asterisk_rs_ari::AriEvent>(f).is_ok());
    let message = count(&|f| serde_json::from_str::<asterisk_rs_ari::AriMessage>(f).is_ok());
    format!(
        "frames decoded without error: typed {typed}, AriEvent {event}, AriMessage {message} of {}",
        frames.len()
    )
}

fn summarize(dir: &Path, frames: &[String]) -> anyhow::Result<()> {
    let bytes: usize = frames.iter().map(String::len).sum();
    let mut out = format!(
        "corpus: {} frames, {:.1} MB, {} bytes per frame on average\n{}\n\n",
        frames.len(),
        bytes as f64 / 1e6,
        bytes / frames.len().max(1),
        accepted(frames)
    );
    let rates: Vec<(&str, &str, f64)> = DECODERS
        .iter()
        .filter_map(|(id, name)| {
            let nanos = nanos_per_pass(dir, id)?;
            Some((*id, *name, frames.len() as f64 / (nanos * 1e-9)))
        })
        .collect();
    let typed = rates.iter().find(|(id, ..)| *id == "typed").map(|r| r.2);
    for (_, name, rate) in &rates {
        write!(out, "{name:<36} {:>12.0} events/s", rate)?;
        match typed {
            Some(typed) if *name != DECODERS[0].1 => {
                writeln!(out, "   typed is {:.2}x this", typed / rate)?
            }
            _ => out.push('\n'),
        }
    }
    println!("\n{out}");
    let path = dir.join("decode/ratios.txt");
    std::fs::write(&path, &out).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let frames = ari_benches::corpus()?;
    let dir = criterion_dir();
    let mut criterion = Criterion::default()
        .output_directory(&dir)
        .configure_from_args();
    bench(&mut criterion, &frames);
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs each function once and
    // measures nothing worth a summary.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--profile-time") {
        summarize(&dir, &frames)?;
    }
    Ok(())
}
