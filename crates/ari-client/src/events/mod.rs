//! The event WebSocket: `GET /ari/events`, delivered as a typed [`Stream`](futures_util::Stream).

mod decode;
mod socket;

pub use decode::decode_event;
pub use socket::{EventStream, EventStreamBuilder};
