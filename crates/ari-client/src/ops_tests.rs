//! How the generated operations build their requests: paths, query formatting, bodies and
//! documented errors. No network: requests are inspected, not sent.

use std::time::Duration;

use serde_json::json;

use crate::client::Request;
use crate::ids::{BridgeId, ChannelId};
use crate::models::{ConfigTuple, HangupReason, MuteDirection, RecordingTerminateOn};
use crate::{Client, Method};

fn client() -> Client {
    Client::builder()
        .base_url("http://127.0.0.1:8088/ari")
        .credentials("u", "p")
        .build()
        .unwrap()
}

fn query(req: &Request) -> Vec<(&str, &str)> {
    req.query.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn path_parameters_are_encoded() {
    let client = client();
    let answer = client.channels().answer("1700000000.42");
    let req = answer.request();
    assert_eq!(req.operation, "channels.answer");
    assert_eq!(req.method, Method::Post);
    assert_eq!(req.template, "/channels/{channelId}/answer");
    assert_eq!(req.path, "channels/1700000000.42/answer");
    assert!(req.query.is_empty());
    assert_eq!(req.body, None);

    let get = client.endpoints().get("PJSIP", "alice bob/1");
    assert_eq!(get.request().path, "endpoints/PJSIP/alice%20bob%2F1");
}

#[test]
fn documented_errors_come_from_the_spec() {
    let client = client();
    let answer = client.channels().answer("x");
    assert!(
        answer
            .request()
            .errors
            .contains(&(404, "Channel not found"))
    );
    assert!(answer.request().errors.iter().any(|(code, _)| *code == 412));
    // `channels.move` writes its codes as strings in the spec (a fixup).
    let moved = client.channels().move_to_app("x", "other");
    assert_eq!(moved.request().errors.len(), 2);
}

#[test]
fn originate_formats_every_kind_of_value() {
    let client = client();
    let req = client
        .channels()
        .originate("PJSIP/alice")
        .app("hello")
        .app_args("a,b")
        .priority(3)
        .timeout(Duration::from_millis(20_900))
        .channel_id(ChannelId::new("my-id"))
        .variable("CALLERID(name)", "Alice")
        .variable("X", "1");
    assert_eq!(
        query(req.request()),
        [
            ("endpoint", "PJSIP/alice"),
            ("app", "hello"),
            ("appArgs", "a,b"),
            ("priority", "3"),
            ("timeout", "20"),
            ("channelId", "my-id"),
        ]
    );
    assert_eq!(
        req.request().body,
        Some(json!({"variables": {"CALLERID(name)": "Alice", "X": "1"}}))
    );
    // Setting a parameter again replaces it; `no_timeout` sends the spec's -1.
    let req = req.timeout(Duration::from_secs(5)).no_timeout();
    assert!(query(req.request()).contains(&("timeout", "-1")));
    assert_eq!(
        query(req.request())
            .iter()
            .filter(|(k, _)| *k == "timeout")
            .count(),
        1
    );
}

#[test]
fn durations_use_the_unit_of_the_spec() {
    let client = client();
    let dtmf = client
        .channels()
        .send_dtmf("c")
        .dtmf("12#")
        .before(Duration::from_millis(250))
        .between(Duration::from_millis(100))
        .duration(Duration::from_secs(1));
    assert_eq!(
        query(dtmf.request()),
        [
            ("dtmf", "12#"),
            ("before", "250"),
            ("between", "100"),
            ("duration", "1000")
        ]
    );
    let record = client
        .bridges()
        .record("b", "rec-1", "wav")
        .max_duration_seconds(Duration::from_secs(60))
        .max_silence_seconds(Duration::from_millis(2_500))
        .beep(true)
        .terminate_on(RecordingTerminateOn::Hash);
    assert_eq!(
        query(record.request()),
        [
            ("name", "rec-1"),
            ("format", "wav"),
            ("maxDurationSeconds", "60"),
            ("maxSilenceSeconds", "2"),
            ("beep", "true"),
            ("terminateOn", "#"),
        ]
    );
}

#[test]
fn lists_are_comma_joined_and_enums_sent_as_strings() {
    let client = client();
    let a = ChannelId::new("a");
    let add = client
        .bridges()
        .add_channel(BridgeId::new("b"), [&a, &ChannelId::new("c")])
        .mute(false);
    assert_eq!(
        query(add.request()),
        [("channel", "a,c"), ("mute", "false")]
    );
    let play = client
        .channels()
        .play(&a, ["sound:hello-world", "digits:42"]);
    assert_eq!(
        query(play.request()),
        [("media", "sound:hello-world,digits:42")]
    );
    let hangup = client.channels().hangup(&a).reason(HangupReason::NoAnswer);
    assert_eq!(query(hangup.request()), [("reason", "no_answer")]);
    assert_eq!(hangup.request().method, Method::Delete);
    // Enum parameters also take strings, unknown ones included.
    let mute = client.channels().mute(&a).direction("in");
    assert_eq!(query(mute.request()), [("direction", "in")]);
    let _: MuteDirection = "sideways".into();
    let info = client.asterisk().get_info().only(["build", "status"]);
    assert_eq!(query(info.request()), [("only", "build,status")]);
}

#[test]
fn bodies_follow_what_asterisk_reads() {
    let client = client();
    let set = client
        .channels()
        .set_channel_vars("c", [("A", "1"), ("B", "2")]);
    assert_eq!(
        set.request().body,
        Some(json!({"variables": {"A": "1", "B": "2"}}))
    );
    let update = client
        .asterisk()
        .update_object("res_pjsip", "endpoint", "alice")
        .fields([ConfigTuple {
            attribute: "allow".into(),
            value: "ulaw".into(),
        }])
        .field(ConfigTuple {
            attribute: "context".into(),
            value: "default".into(),
        });
    assert_eq!(update.request().method, Method::Put);
    assert_eq!(
        update.request().body,
        Some(json!({"fields": [
            {"attribute": "allow", "value": "ulaw"},
            {"attribute": "context", "value": "default"}
        ]}))
    );
    let filter = client
        .applications()
        .filter("app")
        .filter(json!({"allowed": [{"type": "StasisStart"}]}));
    assert_eq!(
        filter.request().body,
        Some(json!({"allowed": [{"type": "StasisStart"}]}))
    );
    let typed = client
        .applications()
        .filter("app")
        .allowed(["StasisStart", "StasisEnd"])
        .disallowed(["ChannelVarset"]);
    assert_eq!(
        typed.request().body,
        Some(json!({
            "allowed": [{"type": "StasisStart"}, {"type": "StasisEnd"}],
            "disallowed": [{"type": "ChannelVarset"}]
        }))
    );
    let user = client
        .events_api()
        .user_event("score", "app")
        .source(["channel:1.2"])
        .variable("points", "3");
    assert_eq!(
        query(user.request()),
        [("application", "app"), ("source", "channel:1.2")]
    );
    assert_eq!(
        user.request().body,
        Some(json!({"variables": {"points": "3"}}))
    );
}

#[test]
fn every_operation_has_a_method() {
    // The inventory and the generated handles come from the same spec; spot-check each
    // resource's accessor and a few renamed operations.
    let client = client();
    let _ = client.device_states().update("Stasis:x", "BUSY");
    let _ = client.mailboxes().update("1000@default", 1, 2);
    let _ = client.recordings().get_stored_file("r");
    let _ = client.sounds().list().lang("en");
    let _ = client.playbacks().control("p", "pause");
    let _ = client.channels().rtp_statistics("c");
    let _ = client.events_api().event_websocket(["app"]);
    assert_eq!(crate::inventory::OPERATIONS.len(), 109);
    assert_eq!(crate::inventory::MODELS.len(), 85);
    assert_eq!(crate::inventory::EVENT_TYPES.len(), 45);
}
