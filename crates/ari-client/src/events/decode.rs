//! Decoding one event frame, fast: find the `type`, then deserialize the variant's struct
//! straight from the text.
//!
//! Serde's internally tagged enums (`#[serde(tag = "type")]`) buffer the whole frame into an
//! intermediate tree before choosing the variant; this path never does. Asterisk writes `type`
//! first (`{"type":"StasisStart",...`), which a few byte comparisons read; any other layout
//! falls back to a pass that reads only `type` and skips the rest.

use std::borrow::Cow;

use serde::Deserialize;

use crate::generated::events::{Event, decode_known};

/// Decodes one frame of the event WebSocket into an [`Event`]. Never fails.
///
/// A frame of an unknown type, or one that does not fit its type (the error is then available
/// from [`try_decode_event`]), becomes [`Event::Unknown`] with the raw JSON kept; a frame that
/// is not JSON at all becomes `Event::Unknown(Value::String(text))`.
///
/// ```
/// use ari_client::{Event, events::decode_event};
///
/// let event = decode_event(r#"{"type":"ChannelDtmfReceived","digit":"5","duration_ms":120,
///     "channel":{"id":"1700000000.1","name":"PJSIP/alice-00000001","state":"Up",
///     "protocol_id":"","caller":{"name":"","number":"101"},"connected":{"name":"","number":""},
///     "accountcode":"","dialplan":{"context":"default","exten":"s","priority":1,
///     "app_name":"Stasis","app_data":"demo"},"creationtime":"2026-11-23T19:35:30.123+0000",
///     "language":"en"},"application":"demo","timestamp":"2026-11-23T19:35:31.000+0000"}"#);
/// match &event {
///     Event::ChannelDtmfReceived(dtmf) => assert_eq!(dtmf.digit, "5"),
///     other => panic!("unexpected {other:?}"),
/// }
/// assert_eq!(event.channel_id().map(|id| id.as_str()), Some("1700000000.1"));
/// assert_eq!(event.application(), Some("demo"));
/// ```
pub fn decode_event(text: &str) -> Event {
    match try_decode_event(text) {
        Ok(event) => event,
        Err(_) => Event::Unknown(
            serde_json::from_str(text)
                .unwrap_or_else(|_| serde_json::Value::String(text.to_owned())),
        ),
    }
}

/// Decodes one frame, reporting why a frame does not fit.
///
/// `Ok(Event::Unknown(_))` for valid JSON of an unknown type (or without a `type`);
/// `Err` for text that is not JSON or a frame of a known type that does not fit its struct
/// (e.g. a required field missing). Unknown fields never cause an error.
pub fn try_decode_event(text: &str) -> Result<Event, serde_json::Error> {
    let event_type = match leading_type(text) {
        Some(t) => Cow::Borrowed(t),
        None => match serde_json::from_str::<TypeOnly<'_>>(text)?.event_type {
            Some(t) => t,
            None => return serde_json::from_str(text).map(Event::Unknown),
        },
    };
    match decode_known(&event_type, text) {
        Some(result) => result,
        None => serde_json::from_str(text).map(Event::Unknown),
    }
}

/// Only the `type` of a frame; every other field is skipped.
#[derive(Deserialize)]
struct TypeOnly<'a> {
    #[serde(rename = "type", borrow, default)]
    event_type: Option<Cow<'a, str>>,
}

/// The `type` when it is the first member: `{ "type" : "X"`, with any JSON whitespace and no
/// escapes in `X`.
fn leading_type(text: &str) -> Option<&str> {
    let rest = text.trim_start_matches(is_ws).strip_prefix('{')?;
    let rest = rest.trim_start_matches(is_ws).strip_prefix("\"type\"")?;
    let rest = rest.trim_start_matches(is_ws).strip_prefix(':')?;
    let rest = rest.trim_start_matches(is_ws).strip_prefix('"')?;
    let end = rest.find(['"', '\\'])?;
    (rest.as_bytes().get(end) == Some(&b'"')).then(|| &rest[..end])
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

impl<'de> Deserialize<'de> for Event {
    /// Reads the value as raw JSON text, then decodes it like [`try_decode_event`]. Works with
    /// `serde_json` (from text, readers or `Value`s).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        try_decode_event(raw.get()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_type_fast_path() {
        assert_eq!(
            leading_type(r#"{"type":"StasisStart","x":1}"#),
            Some("StasisStart")
        );
        assert_eq!(leading_type("{\n  \"type\" : \"Dial\" }"), Some("Dial"));
        assert_eq!(leading_type(r#"{"x":1,"type":"Dial"}"#), None);
        assert_eq!(leading_type(r#"{"type":"Di\"al"}"#), None);
        assert_eq!(leading_type(r#"{"type":5}"#), None);
        assert_eq!(leading_type(""), None);
    }

    #[test]
    fn type_not_first_still_decodes() {
        let text = r#"{"application":"a","type":"ApplicationReplaced","timestamp":"2026-11-23T19:35:30.123+0000"}"#;
        let event = try_decode_event(text).unwrap();
        assert!(matches!(event, Event::ApplicationReplaced(_)));
        assert_eq!(event.application(), Some("a"));
    }

    #[test]
    fn garbage_is_kept() {
        assert_eq!(
            decode_event("not json"),
            Event::Unknown(serde_json::Value::String("not json".into()))
        );
        assert!(try_decode_event("not json").is_err());
        let no_type = decode_event(r#"{"a":1}"#);
        assert!(no_type.is_unknown());
        assert_eq!(no_type.event_type(), "");
    }
}
