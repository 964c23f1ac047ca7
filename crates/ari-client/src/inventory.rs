//! What the generated surface covers: every operation, model and event type of the spec it
//! was generated from, with the Asterisk version and the spec's checksum.
//!
//! A live test compares these lists with `/ari/api-docs` of a running Asterisk, so a version
//! that adds or drops an operation is noticed.
//!
//! ```
//! use ari_client::inventory;
//!
//! let answer = inventory::OPERATIONS
//!     .iter()
//!     .find(|op| op.resource == "channels" && op.nickname == "answer")
//!     .unwrap();
//! assert_eq!(answer.path, "/channels/{channelId}/answer");
//! assert!(inventory::EVENT_TYPES.contains(&"StasisStart"));
//! assert!(inventory::MODELS.contains(&"Channel"));
//! ```

pub use crate::generated::inventory::{
    ARI_VERSION, ASTERISK_VERSION, EVENT_TYPES, MODELS, OPERATIONS, SPEC_SHA256,
};

/// One operation of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The resource (spec file stem), e.g. `channels`, `deviceStates`.
    pub resource: &'static str,
    /// The operation's `nickname`, e.g. `answer`, `originateWithId`.
    pub nickname: &'static str,
    /// The HTTP method.
    pub method: crate::Method,
    /// The path template below the ARI base URL, e.g. `/channels/{channelId}/answer`.
    pub path: &'static str,
}

impl OperationInfo {
    /// `resource.nickname`, as used in errors and traces (e.g. `channels.answer`).
    pub fn operation(&self) -> String {
        format!("{}.{}", self.resource, self.nickname)
    }
}
