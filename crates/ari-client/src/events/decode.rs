//! Decoding one event frame, fast, in two tiers.
//!
//! 1. The frames Asterisk writes go through [`super::fast`], a reader specialised for them that
//!    fills the typed structs directly (about twice as fast as serde here).
//! 2. Whatever it does not read (escapes in strings, floats, malformed or unusual frames) goes
//!    through serde, which decides: same result, or the error.
//!
//! The serde tier makes one pass over the text whatever the order of the fields. Serde's
//! internally tagged enums (`#[serde(tag = "type")]`) buffer the whole frame into an
//! intermediate tree before choosing the variant; this tier reads the frame's map itself:
//! fields before `type` are kept as raw JSON slices (skipped, not parsed), and once `type`
//! names the variant its struct reads those slices and then the rest of the map straight from
//! the text. Asterisk writes `type` first for most events (then nothing is kept); a few
//! (`ChannelVarset`, `ChannelHangupRequest`) put it later.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IntoDeserializer as _, MapAccess, Visitor};
use serde_json::value::RawValue;

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
    // The frames Asterisk writes take the fast path; what it cannot read, serde decides.
    if let Some(event) = super::fast::decode(text) {
        return Ok(event);
    }
    decode_with_serde(text)
}

/// The general path: serde, one pass over the text.
pub(crate) fn decode_with_serde(text: &str) -> Result<Event, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let read = serde::Deserializer::deserialize_map(&mut de, FrameVisitor)?;
    de.end()?;
    match read {
        Read::Event(event) => Ok(event),
        // Valid JSON of a type this version does not know: kept whole (a second pass, for
        // rare frames only).
        Read::Unknown => serde_json::from_str(text).map(Event::Unknown),
    }
}

/// What one pass over a frame gave.
enum Read {
    Event(Event),
    /// No `type`, or one this version does not know.
    Unknown,
}

/// Reads a frame's map: keeps what precedes `type`, then hands everything to the variant.
struct FrameVisitor;

impl<'de> Visitor<'de> for FrameVisitor {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ARI event (a JSON object with a `type`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        // Fields before `type`, as raw JSON; empty (no allocation) when `type` comes first.
        let mut before: Vec<(Text<'de>, &'de RawValue)> = Vec::new();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if key.0 == "type" {
                let event_type: Text<'de> = map.next_value()?;
                let rest = Replay {
                    before: before.into_iter(),
                    value: None,
                    rest: map,
                };
                return match decode_known(&event_type.0, rest) {
                    Ok(result) => result.map(Read::Event),
                    Err(mut rest) => {
                        // The map must be read to its end before the frame is parsed again.
                        while rest
                            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                            .is_some()
                        {}
                        Ok(Read::Unknown)
                    }
                };
            }
            before.push((key, map.next_value()?));
        }
        Ok(Read::Unknown)
    }
}

/// A string, borrowed from the frame unless it holds escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// The map a variant's struct reads: first the fields that preceded `type` (parsed now from
/// their raw slices), then the rest of the frame.
struct Replay<'de, A> {
    before: std::vec::IntoIter<(Text<'de>, &'de RawValue)>,
    /// The raw value of the key just handed out from `before`.
    value: Option<&'de RawValue>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.before.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(key.0.into_deserializer()).map(Some)
            }
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(raw) => seed
                .deserialize(&mut serde_json::Deserializer::from_str(raw.get()))
                .map_err(de::Error::custom),
            None => self.rest.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.rest.size_hint().map(|n| n + self.before.len())
    }
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
