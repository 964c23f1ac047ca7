//! The sandbox's own life cycle, on an instance of its own.

use ari_sandbox::{Ports, Sandbox};

#[test]
fn up_is_idempotent_and_down_then_up_restarts() {
    let sandbox = Sandbox::new("lifecycle").unwrap();
    let first = ari_testkit::bring_up("lifecycle", Ports::default()).unwrap();
    let pid = first.pid.expect("running after up");
    assert!(
        first.version.as_deref().unwrap_or("").starts_with("22."),
        "{first}"
    );
    assert!(
        first.failed_modules.is_empty(),
        "modules failed: {:?}",
        first.failed_modules
    );
    // Another instance gets ports of its own, never the default ones.
    assert_ne!(first.settings.http_port, 8088);

    let again = ari_testkit::bring_up("lifecycle", Ports::default()).unwrap();
    assert_eq!(
        again.pid,
        Some(pid),
        "a second up must not restart asterisk"
    );

    assert!(sandbox.down().unwrap());
    let stopped = sandbox.status().unwrap();
    assert_eq!(stopped.pid, None);
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    assert!(
        !sandbox.down().unwrap(),
        "a second down finds nothing running"
    );

    let restarted = ari_testkit::bring_up("lifecycle", Ports::default()).unwrap();
    assert!(restarted.pid.is_some_and(|p| p != pid));
    assert_eq!(
        restarted.settings.http_port, first.settings.http_port,
        "ports are kept"
    );
    assert_eq!(
        restarted.settings.password, first.settings.password,
        "credentials are kept"
    );
    assert!(sandbox.down().unwrap());
}

#[test]
fn a_crashed_instance_is_found_stopped_and_starts_again() {
    let sandbox = Sandbox::new("crash").unwrap();
    let up = ari_testkit::bring_up("crash", Ports::default()).unwrap();
    assert!(sandbox.kill().unwrap());
    let after = sandbox.status().unwrap();
    assert_eq!(after.pid, None, "a killed asterisk is reported stopped");
    let again = ari_testkit::bring_up("crash", Ports::default()).unwrap();
    assert!(again.pid.is_some_and(|p| Some(p) != up.pid));
    assert!(sandbox.down().unwrap());
}

#[test]
fn a_busy_port_is_reported_clearly() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let err = ari_testkit::bring_up(
        "busyport",
        Ports {
            http: Some(port),
            ..Ports::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, ari_sandbox::Error::PortBusy { port: p, .. } if p == port),
        "{err}"
    );
    assert!(err.to_string().contains(&port.to_string()));
}

#[test]
fn an_unreachable_mirror_fails_with_a_clear_hint_and_leaves_no_half_root() {
    let cache = std::env::temp_dir().join(format!("ari-sandbox-nomirror-{}", std::process::id()));
    let sandbox = Sandbox::new("nomirror")
        .unwrap()
        .with_cache_dir(&cache)
        // Nothing listens on the discard port: the download fails at once.
        .with_mirror("http://127.0.0.1:9/debian");
    let err = sandbox.up(Ports::default(), &|_| {}).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("debootstrap"), "{text}");
    assert!(text.contains("mirror could not be reached"), "{text}");
    assert!(
        !sandbox.root_dir().exists(),
        "no half-built root is left as if it were whole"
    );
    // The next attempt starts afresh rather than trusting what the failed one left.
    sandbox.reset(&|_| {}).unwrap();
    std::fs::remove_dir_all(&cache).unwrap();
}
