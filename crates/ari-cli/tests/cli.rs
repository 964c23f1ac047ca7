//! The `ari` binary on bad input: a clear message and a non-zero exit, never a panic.

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
