//! The typed ARI surface exercised live, resource by resource, against the real Asterisk.
//!
//! Each resource module has an `exercise` function that calls its operations through the typed
//! client and asserts what Asterisk did: the state read back with another operation, the events
//! it sent, or what arrived on a socket of the test (SIP requests, RTP). It runs twice, as
//! `over_http` and `over_websocket` (REST over the event WebSocket), so both transports carry
//! the same calls.
//!
//! `CALLS` in each module lists the operations its exercise calls. A tracing recorder attached to
//! the exercise checks, at the end of each run, that every listed operation really went to
//! Asterisk, over the transport under test and no other. [`NOT_CALLED`] lists the operations of
//! the spec that no exercise calls, with the reason; `operations_are_exercised` checks that the
//! two lists cover the whole inventory and that at least 90 operations are exercised.
//!
//! Beside them: `event_types` drives one workload for as many event types as the sandbox can
//! produce (at least 35 must arrive, typed); `sip` is a minimal SIP peer on loopback UDP that
//! Asterisk calls, messages and refers, and whose RTP is counted; `support` has the per-run
//! context, the request recorder and access to the sandbox's CLI and directories.
//!
//! Each transport's run of a resource has its own Stasis application, ids prefixed with it, and
//! (for SIP) its own endpoint: `channels` uses 101 (HTTP) and 102 (WebSocket), `endpoints` 103
//! and 104, `event_types` 105. What a run changes globally (modules, log channels) is done in
//! turns.

mod applications;
mod asterisk;
mod bridges;
mod channels;
mod device_states;
mod endpoints;
mod event_types;
mod events;
mod mailboxes;
mod playbacks;
mod recordings;
mod sip;
mod sounds;
mod support;

use std::collections::BTreeSet;

use ari_client::inventory::OPERATIONS;

/// The operations each resource's exercise calls (checked by its runs).
const EXERCISED: &[(&str, &[&str])] = &[
    ("applications", applications::CALLS),
    ("asterisk", asterisk::CALLS),
    ("bridges", bridges::CALLS),
    ("channels", channels::CALLS),
    ("deviceStates", device_states::CALLS),
    ("endpoints", endpoints::CALLS),
    ("events", events::CALLS),
    ("mailboxes", mailboxes::CALLS),
    ("playbacks", playbacks::CALLS),
    ("recordings", recordings::CALLS),
    ("sounds", sounds::CALLS),
];

/// The operations no exercise calls, and why.
pub(crate) const NOT_CALLED: &[(&str, &str)] = &[(
    "channels.transfer_progress",
    "it reports progress of a SIP REFER that the application handles itself (a ChannelTransfer \
     event first), which needs an endpoint with `transfer_handling=ari-only`; the sandbox's \
     endpoints use the default, and their pjsip.conf objects can be neither created nor updated over ARI (403). Called \
     on an ordinary PJSIP call it answers 204 and sends nothing: no effect to assert",
)];

#[test]
fn operations_are_exercised() {
    let inventory: BTreeSet<String> = OPERATIONS.iter().map(|op| op.operation()).collect();
    assert_eq!(inventory.len(), 109);

    let mut exercised = BTreeSet::new();
    for (resource, calls) in EXERCISED {
        for op in *calls {
            assert!(
                inventory.contains(*op),
                "{resource}: {op} is not an operation of the inventory"
            );
            exercised.insert(*op);
        }
    }
    let not_called: BTreeSet<&str> = NOT_CALLED.iter().map(|(op, _)| *op).collect();
    assert_eq!(
        not_called.len(),
        NOT_CALLED.len(),
        "NOT_CALLED repeats itself"
    );
    for op in &not_called {
        assert!(
            inventory.contains(*op),
            "NOT_CALLED: {op} is not an operation"
        );
        assert!(
            !exercised.contains(op),
            "{op} is exercised, yet in NOT_CALLED"
        );
    }
    let unaccounted: Vec<&String> = inventory
        .iter()
        .filter(|op| !exercised.contains(op.as_str()) && !not_called.contains(op.as_str()))
        .collect();
    assert!(
        unaccounted.is_empty(),
        "neither exercised nor in NOT_CALLED: {unaccounted:?}"
    );
    eprintln!(
        "{} of {} operations exercised; not called: {NOT_CALLED:?}",
        exercised.len(),
        inventory.len()
    );
    assert!(
        exercised.len() >= 90,
        "only {} operations exercised",
        exercised.len()
    );
}
