//! The fast path never changes what a frame decodes to: for the fixtures and thousands of
//! mutations of them (whitespace, field order, missing, null, repeated, retyped and unknown
//! fields, escapes), whenever it gives an event, serde gives the same one.

use serde_json::{Value, json};

use super::decode;
use crate::events::decode::decode_with_serde;

const FIXTURES: &[(&str, &str)] = &[
    (
        "application_replaced",
        include_str!("../../../tests/fixtures/events/application_replaced.json"),
    ),
    (
        "bridge_created",
        include_str!("../../../tests/fixtures/events/bridge_created.json"),
    ),
    (
        "channel_destroyed",
        include_str!("../../../tests/fixtures/events/channel_destroyed.json"),
    ),
    (
        "channel_dtmf_received",
        include_str!("../../../tests/fixtures/events/channel_dtmf_received.json"),
    ),
    (
        "channel_entered_bridge",
        include_str!("../../../tests/fixtures/events/channel_entered_bridge.json"),
    ),
    (
        "channel_hangup_request",
        include_str!("../../../tests/fixtures/events/channel_hangup_request.json"),
    ),
    (
        "channel_state_change",
        include_str!("../../../tests/fixtures/events/channel_state_change.json"),
    ),
    (
        "channel_talking_finished",
        include_str!("../../../tests/fixtures/events/channel_talking_finished.json"),
    ),
    (
        "channel_transfer",
        include_str!("../../../tests/fixtures/events/channel_transfer.json"),
    ),
    (
        "channel_userevent",
        include_str!("../../../tests/fixtures/events/channel_userevent.json"),
    ),
    (
        "channel_varset_global",
        include_str!("../../../tests/fixtures/events/channel_varset_global.json"),
    ),
    (
        "device_state_changed",
        include_str!("../../../tests/fixtures/events/device_state_changed.json"),
    ),
    (
        "dial",
        include_str!("../../../tests/fixtures/events/dial.json"),
    ),
    (
        "endpoint_state_change",
        include_str!("../../../tests/fixtures/events/endpoint_state_change.json"),
    ),
    (
        "extra_fields",
        include_str!("../../../tests/fixtures/events/extra_fields.json"),
    ),
    (
        "known_type_misfit",
        include_str!("../../../tests/fixtures/events/known_type_misfit.json"),
    ),
    (
        "playback_finished",
        include_str!("../../../tests/fixtures/events/playback_finished.json"),
    ),
    (
        "recording_finished",
        include_str!("../../../tests/fixtures/events/recording_finished.json"),
    ),
    (
        "stasis_end",
        include_str!("../../../tests/fixtures/events/stasis_end.json"),
    ),
    (
        "stasis_start",
        include_str!("../../../tests/fixtures/events/stasis_start.json"),
    ),
    (
        "unknown_type",
        include_str!("../../../tests/fixtures/events/unknown_type.json"),
    ),
];

/// Whenever the fast path gives an event, serde gives the same; returns whether it gave one.
fn agree(what: &str, text: &str) -> bool {
    // The router reads the same frames' keys without decoding them: they must match too.
    crate::events::router::check_frame_keys(what, text);
    let Some(fast) = decode(text) else {
        return false;
    };
    match decode_with_serde(text) {
        Ok(general) => assert_eq!(fast, general, "{what}: the paths disagree on\n{text}"),
        Err(err) => panic!("{what}: the fast path read what serde refuses ({err}):\n{text}"),
    }
    true
}

/// A step of a path into a JSON document.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every path to a value below the top-level object.
fn paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(Step::Key(key.clone()));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'v>(value: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::Index(i) => v.get_mut(*i),
    })
}

/// Removes the member or element at `path`.
fn remove(value: &mut Value, path: &[Step]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    match (get_mut(value, parent), last) {
        (Some(Value::Object(map)), Step::Key(k)) => {
            map.remove(k);
        }
        (Some(Value::Array(items)), Step::Index(i)) => {
            items.remove(*i);
        }
        _ => {}
    }
}

/// JSON text with every object's members in reverse order, the member at `repeat` (if any)
/// written twice, and `ws` between tokens.
fn write(value: &Value, repeat: Option<&[Step]>, ws: &str, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            let mut first = true;
            for (key, child) in map.iter().rev() {
                let child_repeat = match repeat {
                    Some([Step::Key(k), rest @ ..]) if k == key => Some(rest),
                    _ => None,
                };
                let times = if child_repeat.is_some_and(<[Step]>::is_empty) {
                    2
                } else {
                    1
                };
                for _ in 0..times {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push_str(ws);
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push_str(ws);
                    out.push(':');
                    out.push_str(ws);
                    write(child, child_repeat.filter(|r| !r.is_empty()), ws, out);
                }
            }
            out.push_str(ws);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, child) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(ws);
                let child_repeat = match repeat {
                    Some([Step::Index(j), rest @ ..]) if *j == i && !rest.is_empty() => Some(rest),
                    _ => None,
                };
                write(child, child_repeat, ws, out);
            }
            out.push_str(ws);
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Values of every JSON shape, some of them only serde can read.
fn replacements() -> Vec<Value> {
    vec![
        Value::Null,
        json!(0),
        json!(-1),
        json!(1.5),
        json!(9_223_372_036_854_775_807_u64),
        json!(9_223_372_036_854_775_808_u64),
        json!(true),
        json!(""),
        json!("x"),
        json!("a\"b\\n"),
        json!("Up"),
        json!("2026-11-23T19:35:30.123+0000"),
        json!("2026-11-23T19:35:30Z"),
        json!([]),
        json!(["a", "b"]),
        json!([1]),
        json!({}),
        json!({"k": "v"}),
        json!({"k": 1}),
    ]
}

#[test]
fn the_fixtures_take_the_fast_path_with_the_same_result() {
    for (name, text) in FIXTURES {
        let taken = agree(name, text);
        let expected = !matches!(*name, "unknown_type" | "known_type_misfit");
        assert_eq!(taken, expected, "{name}: fast path taken: {taken}");
    }
}

#[test]
fn layout_changes_keep_the_fast_path_and_the_result() {
    for (name, text) in FIXTURES {
        let value: Value = serde_json::from_str(text).unwrap();
        if matches!(*name, "unknown_type" | "known_type_misfit") {
            continue;
        }
        for ws in ["", " ", "\n\t ", "\r\n"] {
            let mut reversed = String::new();
            write(&value, None, ws, &mut reversed);
            assert!(agree(name, &reversed), "{name}: not taken:\n{reversed}");
        }
        assert!(agree(name, &serde_json::to_string_pretty(&value).unwrap()));
        assert!(agree(name, &format!("  {text}\n")));
    }
}

#[test]
fn mutated_frames_never_decode_differently() {
    let mut taken = 0;
    let mut total = 0;
    for (name, text) in FIXTURES {
        let value: Value = serde_json::from_str(text).unwrap();
        let mut all = Vec::new();
        paths(&value, &mut Vec::new(), &mut all);
        for path in &all {
            let what = format!("{name} at {path:?}");
            let mut check = |text: &str| {
                total += 1;
                if agree(&what, text) {
                    taken += 1;
                }
            };
            let mut removed = value.clone();
            remove(&mut removed, path);
            check(&removed.to_string());
            for replacement in replacements() {
                let mut changed = value.clone();
                if let Some(slot) = get_mut(&mut changed, path) {
                    *slot = replacement;
                }
                check(&changed.to_string());
            }
            let mut repeated = String::new();
            write(&value, Some(path), "", &mut repeated);
            check(&repeated);
            let mut extended = value.clone();
            if let Some(Value::Object(map)) = get_mut(&mut extended, &path[..path.len() - 1]) {
                map.insert(
                    "zz_new".into(),
                    json!({"a": [1, 2.5e3, null, {"b": false}]}),
                );
            }
            check(&extended.to_string());
        }
    }
    // Most mutations still take the fast path (unknown fields, order, nulls of optional
    // fields, …): the test exercises it, not only the fallback.
    assert!(
        taken * 5 > total,
        "fast path taken {taken} of {total} times"
    );
}

#[test]
fn malformed_frames_are_left_to_serde() {
    for text in [
        "",
        "null",
        "[]",
        "{}",
        r#"{"type":"StasisStart""#,
        r#"{"type":"StasisStart"} x"#,
        r#"{"type":5}"#,
        r#"{"type":"Dial","peer":{}}"#,
        r#"{"type":"BridgeDestroyed","bridge":{"id":"b","technology":"t","bridge_type":"mixing","bridge_class":"c","creator":"c","name":"n","channels":[],"creationtime":"2026-11-23T19:35:30.123+0000"},}"#,
    ] {
        agree(text, text);
    }
}

#[test]
fn the_recorded_corpus_routes_by_the_keys_read_from_each_frame() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benches/corpus/events.jsonl"
    );
    let corpus = std::fs::read_to_string(path).unwrap();
    let mut read = 0;
    for (n, frame) in corpus.lines().enumerate() {
        if crate::events::router::check_frame_keys(&format!("corpus line {}", n + 1), frame) {
            read += 1;
        }
    }
    assert_eq!(
        read,
        corpus.lines().count(),
        "every real frame's keys are read fast"
    );
}
