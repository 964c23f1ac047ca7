//! The event WebSocket: `GET /ari/events`, delivered as a typed [`Stream`](futures_util::Stream)
//! that survives restarts of Asterisk and broken networks; the typed [`Event`] and the decoding
//! of one frame ([`decode_event`], [`try_decode_event`]).
//!
//! The event structs themselves are models (e.g. [`StasisStart`](crate::models::StasisStart)),
//! shared with the REST operations.

mod decode;
pub(crate) mod fast;
mod outbound;
mod queue;
mod rest_pool;
pub(crate) mod rest_ws;
mod router;
mod socket;

use std::time::Duration;

pub use crate::generated::events::Event;
pub use decode::{decode_event, try_decode_event};
pub use outbound::{OutboundListener, basic_authorization};
pub use rest_pool::RestSocketsBuilder;
pub use router::{Filter, Router, Subscription};
pub use socket::{EventStream, EventStreamBuilder};

/// One item of an [`EventStream`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Message {
    /// An event from Asterisk.
    Event(Event),
    /// The connection was lost and is back. Events of the outage are lost: resync the state
    /// you keep (for example with `GET /channels`).
    Reconnected {
        /// How long the connection was down.
        down_for: Duration,
        /// How many connection attempts it took.
        attempts: u32,
    },
    /// A frame as Asterisk sent it; only with
    /// [`EventStreamBuilder::raw_frames`].
    Frame(String),
    /// The consumer fell behind by the stream's capacity; this many events were dropped here.
    Lagged {
        /// The number of events dropped.
        missed: u64,
    },
}

impl Message {
    /// The event, if this item is one.
    pub fn into_event(self) -> Option<Event> {
        match self {
            Message::Event(event) => Some(event),
            _ => None,
        }
    }

    /// The event, if this item is one.
    pub fn as_event(&self) -> Option<&Event> {
        match self {
            Message::Event(event) => Some(event),
            _ => None,
        }
    }
}
