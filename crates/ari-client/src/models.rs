//! Every model of the spec as a Rust type, re-exported flat: [`Channel`], [`Bridge`],
//! [`Playback`], the event structs such as [`StasisStart`], and the enums of allowed values
//! such as [`ChannelState`].
//!
//! Models are plain structs (`Debug`, `Clone`, `PartialEq`, serde both ways); a field the spec
//! calls optional is an `Option` skipped when `None`. Fields holding ids use the newtypes of
//! [`ids`](crate::ids), `Date` fields are [`Timestamp`](crate::time::Timestamp)s, and fields
//! with allowed values are enums that keep unknown values in `Other(String)`. Unknown fields
//! are ignored, so a newer Asterisk never breaks decoding.
//!
//! The spec's `Event` model is the enum [`Event`] of all event types.

pub use crate::generated::models::*;
