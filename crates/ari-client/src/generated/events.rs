//! PLACEHOLDER.

/// An ARI event.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// An event this version does not know, kept as raw JSON.
    Unknown(serde_json::Value),
}

impl Event {
    /// The event's `type`.
    pub fn event_type(&self) -> &str {
        match self {
            Event::Unknown(v) => v.get("type").and_then(|t| t.as_str()).unwrap_or(""),
        }
    }
}
