//! The runnable examples, run live: each example's `run` is called here against the sandbox,
//! and what it reports is checked.

use std::time::Duration;

use ari_testkit::unique_app;

#[allow(
    dead_code,
    unreachable_pub,
    reason = "an example is a binary: its main is for `cargo run`, its items public for readers"
)]
#[path = "../../examples/hello_world.rs"]
mod hello_world;

#[allow(
    dead_code,
    unreachable_pub,
    reason = "an example is a binary: its main is for `cargo run`, its items public for readers"
)]
#[path = "../../examples/bridge_two_calls.rs"]
mod bridge_two_calls;

#[allow(
    dead_code,
    unreachable_pub,
    reason = "an example is a binary: its main is for `cargo run`, its items public for readers"
)]
#[path = "../../examples/early_bridge_dial.rs"]
mod early_bridge_dial;

#[allow(
    dead_code,
    unreachable_pub,
    reason = "an example is a binary: its main is for `cargo run`, its items public for readers"
)]
#[path = "../../examples/presence_monitor.rs"]
mod presence_monitor;

#[tokio::test]
async fn hello_world_answers_plays_and_hangs_up() {
    let events = hello_world::run(&ari_testkit::client(), &unique_app("ex_hello"))
        .await
        .unwrap();
    assert_eq!(
        events,
        [
            "StasisStart",
            "ChannelStateChange",
            "PlaybackStarted",
            "PlaybackFinished",
            "ChannelHangupRequest",
            "StasisEnd"
        ]
    );
}

#[tokio::test]
async fn bridge_two_calls_joins_both_and_cleans_up() {
    let outcome = bridge_two_calls::run(&ari_testkit::client(), &unique_app("ex_bridge"))
        .await
        .unwrap();
    assert_eq!(outcome.channels_in_bridge, 2);
    let entered = outcome
        .bridge_events
        .iter()
        .filter(|e| *e == "ChannelEnteredBridge")
        .count();
    assert_eq!(entered, 2, "{:?}", outcome.bridge_events);
    assert_eq!(
        outcome.bridge_events.last().map(String::as_str),
        Some("BridgeDestroyed")
    );
}

#[tokio::test]
async fn early_bridge_dial_sets_variables_before_dialling() {
    let outcome = early_bridge_dial::run(&ari_testkit::client(), &unique_app("ex_early"))
        .await
        .unwrap();
    assert_eq!(outcome.variable_on_callee, "early-bridge example");
    assert_eq!(outcome.callee_states.last().map(String::as_str), Some("Up"));
    assert_eq!(outcome.dial_statuses, ["ANSWER"]);
}

#[tokio::test]
async fn presence_monitor_lists_the_sandbox_endpoints() {
    let rows = presence_monitor::run(
        &ari_testkit::client(),
        &unique_app("ex_presence"),
        Duration::from_millis(500),
    )
    .await
    .unwrap();
    let endpoints: Vec<&str> = rows.iter().map(|r| r.endpoint.as_str()).collect();
    for ext in ari_sandbox::SIP_ENDPOINTS {
        assert!(
            endpoints.contains(&format!("PJSIP/{ext}").as_str()),
            "{endpoints:?}"
        );
    }
}
