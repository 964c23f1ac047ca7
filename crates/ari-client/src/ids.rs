//! Typed identifiers, so that a [`BridgeId`] cannot be passed where a [`ChannelId`] is expected.
//!
//! Each id wraps the `String` Asterisk uses on the wire (serde-transparent) and converts from
//! `&str`, `String`, `&String` and a reference to itself, so operations that take
//! `impl Into<ChannelId>` accept `"1700000000.42"`, `channel.id.clone()` or `&channel.id`:
//!
//! ```
//! use ari_client::ids::{BridgeId, ChannelId};
//!
//! let channel = ChannelId::from("1700000000.42");
//! let bridge: BridgeId = "conference".into();
//! assert_eq!(channel.as_str(), "1700000000.42");
//! assert_eq!(bridge, "conference");
//! assert_eq!(channel.to_string(), "1700000000.42");
//! ```
//!
//! Ids are only ever compared and sent back; `Default` is the empty id.

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id received from Asterisk or chosen by the caller.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The inner `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    };
}

id_type! {
    /// The unique id of a channel (`Channel.id`, Asterisk's uniqueid), e.g. `1700000000.42`.
    ///
    /// Also used for ids the caller assigns to new channels: `channelId`/`otherChannelId` of
    /// originate, and `snoopId` of a snoop channel.
    ChannelId
}

id_type! {
    /// The id of a bridge (`Bridge.id`).
    BridgeId
}

id_type! {
    /// The id of a playback (`Playback.id`).
    PlaybackId
}

id_type! {
    /// The name of a live or stored recording (`LiveRecording.name`, `StoredRecording.name`).
    RecordingName
}

id_type! {
    /// The name of a Stasis application (`Application.name`, the `app` parameters).
    ApplicationName
}

id_type! {
    /// The name of a device whose state ARI controls, e.g. `Stasis:mydevice`.
    DeviceName
}

id_type! {
    /// The name of a mailbox, e.g. `1000@default`.
    MailboxName
}

id_type! {
    /// The id of a sound (`Sound.id`), e.g. `tt-weasels`.
    SoundId
}

id_type! {
    /// The name of an Asterisk module, e.g. `res_ari.so`.
    ModuleName
}

id_type! {
    /// The name of a log channel (`LogChannel.channel`).
    LogChannelName
}

#[cfg(test)]
mod tests {
    use super::*;

    fn takes_channel(id: impl Into<ChannelId>) -> ChannelId {
        id.into()
    }

    #[test]
    fn ids_convert_from_strings_and_references() {
        let owned = ChannelId::new("1.2");
        assert_eq!(takes_channel("1.2"), owned);
        assert_eq!(takes_channel(String::from("1.2")), owned);
        assert_eq!(takes_channel(&owned), owned);
        let string = String::from("1.2");
        assert_eq!(takes_channel(&string), owned);
        assert_eq!(String::from(owned.clone()), "1.2");
        assert_eq!(format!("{owned:?}"), "ChannelId(\"1.2\")");
    }

    #[test]
    fn ids_are_transparent_on_the_wire() {
        let id: BridgeId = serde_json::from_str("\"b-1\"").unwrap();
        assert_eq!(id, "b-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"b-1\"");
        let set: std::collections::HashSet<BridgeId> = [id.clone()].into_iter().collect();
        assert!(set.contains("b-1"));
    }
}
