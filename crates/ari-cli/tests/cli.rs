//! The `ari` binary on bad input: a clear message and a non-zero exit, never a panic.
#![allow(
    clippy::expect_used,
    reason = "helpers of tests: a failed step is a failed test, with its message"
)]

use std::process::{Command, Output};

fn ari(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ari"))
        .args(args)
        .env_remove("ARI_URL")
        .env_remove("ARI_USER")
        .env_remove("ARI_PASSWORD")
        .output()
        .expect("the ari binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_clean_failure(out: &Output) {
    assert!(!out.status.success());
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("RUST_BACKTRACE"), "{err}");
}

#[test]
fn an_unknown_subcommand_is_a_usage_error() {
    let out = ari(&["frobnicate"]);
    assert_clean_failure(&out);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_instance_name_is_refused() {
    let out = ari(&["sandbox", "status", "--name", "no spaces please"]);
    assert_clean_failure(&out);
    assert!(
        stderr(&out).contains("invalid instance name"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_instance_says_how_to_start_it() {
    let out = ari(&["sandbox", "status", "--name", "never-started-instance"]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("ari sandbox up --name never-started-instance"));
}

#[test]
fn a_bad_url_is_refused_before_any_request() {
    let out = Command::new(env!("CARGO_BIN_EXE_ari"))
        .args(["demo", "--url", "not a url"])
        .env("ARI_USER", "u")
        .env("ARI_PASSWORD", "secret-password-value")
        .output()
        .unwrap();
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("bad base URL"), "{err}");
    assert!(!err.contains("secret-password-value"), "{err}");
}

#[test]
fn a_url_without_credentials_is_refused() {
    let out = ari(&["demo", "--url", "http://127.0.0.1:9/ari"]);
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("--user"), "{}", stderr(&out));
}

#[test]
fn a_port_out_of_range_is_a_usage_error() {
    let out = ari(&["sandbox", "up", "--http-port", "70000"]);
    assert_clean_failure(&out);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_sandbox_refuses_to_run_without_root() {
    use std::os::unix::fs::PermissionsExt as _;
    // The build directory may be private to root: run a copy that `nobody` can execute.
    let dir = std::env::temp_dir().join(format!("ari-cli-not-root-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let binary = dir.join("ari");
    std::fs::copy(env!("CARGO_BIN_EXE_ari"), &binary).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    // setpriv (util-linux) drops to the `nobody` user for this one command.
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&binary)
        .args(["sandbox", "up", "--cache-dir", "/tmp/ari-cli-test-not-root"])
        .output()
        .expect("setpriv runs");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_clean_failure(&out);
    assert!(stderr(&out).contains("needs root"), "{}", stderr(&out));
}

#[test]
fn events_record_into_a_missing_directory_fails_before_connecting() {
    let out = ari(&[
        "events",
        "record",
        "--out",
        "/nonexistent-dir-for-ari-tests/corpus.jsonl",
        "--url",
        "http://127.0.0.1:9/ari",
        "--user",
        "u",
        "--password",
        "p",
    ]);
    assert_clean_failure(&out);
    assert!(
        stderr(&out).contains("/nonexistent-dir-for-ari-tests"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn events_tail_against_nothing_says_it_cannot_connect() {
    let out = ari(&[
        "events",
        "tail",
        "--url",
        "http://127.0.0.1:9/ari",
        "--user",
        "u",
        "--password",
        "secret-password-value",
    ]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("cannot open the event WebSocket"), "{err}");
    assert!(!err.contains("secret-password-value"), "{err}");
}

#[test]
fn events_record_needs_a_duration_that_is_a_number() {
    let out = ari(&[
        "events",
        "record",
        "--out",
        "/tmp/x.jsonl",
        "--duration",
        "soon",
    ]);
    assert_clean_failure(&out);
    assert_eq!(out.status.code(), Some(2));
}
