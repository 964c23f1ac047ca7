//! A typed client for the Asterisk REST Interface (ARI) of Asterisk 22.
//!
//! (The crate tour is written once the generated surface lands.)
#![deny(missing_docs)]

mod client;
mod config;
mod error;
pub mod events;
mod generated;

pub use client::{Client, Method, RawResponse};
pub use config::{ClientBuilder, Credentials};
pub use error::{ApiError, Error, ErrorKind, Result};
pub use generated::events::Event;
