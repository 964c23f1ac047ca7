//! Shared pieces of the benchmarks of the toolkit and of the test of their event corpus.
//!
//! - [`corpus`]: the frames Asterisk sent while `ari events record --workload` drove call flows
//!   against the sandbox (`corpus/events.jsonl`, one frame per line, as sent).
//!
//! The benchmarks themselves are in `benches/`; see the "Performance" section of the README
//! for what each measures and how to run it.
#![deny(missing_docs)]

use std::path::PathBuf;

use anyhow::Context as _;

/// Where the recorded corpus is: `benches/corpus/events.jsonl`.
pub fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/events.jsonl")
}

/// The frames of the corpus, in the order Asterisk sent them.
pub fn corpus() -> anyhow::Result<Vec<String>> {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the corpus {}", path.display()))?;
    Ok(text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect())
}
