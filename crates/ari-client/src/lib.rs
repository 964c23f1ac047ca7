//! A typed client for the Asterisk REST Interface (ARI) of Asterisk 22.
//!
//! # From the spec to Rust
//!
//! Asterisk describes ARI in a Swagger 1.2 spec (`/usr/share/asterisk/rest-api/*.json`):
//! resources with operations, models, and the events of its WebSocket. `cargo xtask codegen`
//! turns that spec into this crate's typed surface, so every one of its operations, models
//! and events is here ([`inventory`] lists them, with the Asterisk version and the spec's
//! checksum):
//!
//! - **Operations**, grouped by resource: `client.channels()`, `client.bridges()`, … return a
//!   handle (e.g. [`ops::Channels`]) with one method per operation. A method takes the required
//!   parameters and returns a request builder with a setter per optional parameter; `.await`
//!   sends it. Errors documented by the spec come back in [`ApiError::documented`].
//! - **Models** in [`models`]: plain structs such as [`models::Channel`], with
//!   [`ids`] newtypes (a [`ids::BridgeId`] is not a [`ids::ChannelId`]),
//!   [`time::Timestamp`]s, `std::time::Duration` parameters and enums of allowed values that
//!   keep unknown values.
//! - **Events**: [`Event`], one variant per event type plus `Unknown` keeping the raw JSON.
//!
//! # Transports
//!
//! Requests go over HTTP(S) ([`Client`], built by [`ClientBuilder`]); events arrive on the
//! WebSocket `GET /ari/events` ([`Client::events`]):
//!
//! - an [`EventStream`](events::EventStream) is one consumer's `Stream` of
//!   [`Message`](events::Message)s: events, plus a `Reconnected` marker after the connection
//!   came back (it pings, notices a silent peer, reconnects with backoff and jitter, and stops
//!   at once on refused credentials), and `Lagged` when the consumer fell behind its bounded
//!   queue;
//! - a [`Router`](events::Router) shares one connection among many
//!   [`Subscription`](events::Subscription)s, routed by application, channel, bridge,
//!   playback, recording or event type; [`handles`] build on it (race-free creation: ids are
//!   made here and subscribed before the request leaves), and so does the [`mirror`];
//! - [`EventStream::rest_client`](events::EventStream::rest_client) sends the typed operations
//!   over the WebSocket instead of HTTP (Asterisk 22.4+), [`Client::rest_sockets`] over a few
//!   WebSockets of their own (Asterisk serves one socket's requests one at a time), and
//!   [`Client::listen_outbound`] accepts the WebSocket Asterisk opens itself (22.5+).
//!
//! [`Client::request`] calls any path untyped.
//!
//! # Example
//!
//! Answer every call of the Stasis application `hello`, play a sound, hang up:
//!
//! ```no_run
//! use futures_util::StreamExt as _;
//! use ari_client::{Client, Event};
//!
//! # async fn run() -> ari_client::Result<()> {
//! let client = Client::builder()
//!     .base_url("http://127.0.0.1:8088/ari")
//!     .credentials("asterisk", "secret")
//!     .build()?;
//! let mut events = client.events(["hello"]).connect().await?;
//! while let Some(item) = events.next().await {
//!     if let Some(Event::StasisStart(start)) = item?.into_event() {
//!         let channel = &start.channel.id;
//!         client.channels().answer(channel).await?;
//!         client
//!             .channels()
//!             .play(channel, ["sound:hello-world"])
//!             .skipms(std::time::Duration::from_secs(2))
//!             .await?;
//!         client.channels().hangup(channel).reason("normal").await?;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`ops`] | one handle per resource, one request builder per operation |
//! | [`models`] | the spec's models and enums |
//! | [`events`] | [`Event`], frame decoding, the event WebSocket |
//! | [`handles`] | a channel, bridge, playback or recording with its own events |
//! | [`ids`] | typed ids |
//! | [`mirror`] | channels, bridges and endpoints kept in step with Asterisk |
//! | [`time`] | [`Timestamp`](time::Timestamp) |
//! | [`inventory`] | every operation, model and event type, with the spec's version |
#![deny(missing_docs)]

mod client;
mod config;
mod enums;
mod error;
pub mod events;
mod generated;
pub mod handles;
pub mod ids;
pub mod inventory;
pub mod mirror;
pub mod models;
#[cfg(test)]
mod ops_tests;
mod params;
pub mod time;

pub use client::{Client, Method, RawResponse};
pub use config::{ClientBuilder, Credentials};
pub use error::{ApiError, Error, ErrorKind, Result};
pub use generated::events::Event;
pub use generated::ops;
