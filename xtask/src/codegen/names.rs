//! Naming and typing decisions: how spec names become Rust names, and which strings of the
//! spec are ids, durations, enums or maps. Every table here is a decision of this crate, not a
//! fact of the spec; a name missing from a table falls back to a generic rule, so a newer spec
//! still generates.

/// `sendDTMF` → `send_dtmf`, `maxDurationSeconds` → `max_duration_seconds`,
/// `transfer_progress` → `transfer_progress`, `RTPstat` → `rtpstat`.
pub(crate) fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '-' || c == ' ' || c == '.' {
            if !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `deviceStates` → `DeviceStates`, `no_answer` → `NoAnswer`, `NOT_INUSE` → `NotInuse`,
/// `Dialing Offhook` → `DialingOffhook`, `Pre-ring` → `PreRing`.
pub(crate) fn upper_camel(name: &str) -> String {
    let mut out = String::new();
    for word in snake(name).split('_').filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

/// Rust keywords that appear as spec names.
fn escape_keyword(name: String) -> String {
    match name.as_str() {
        "type" => "kind".to_owned(),
        "move" | "continue" | "ref" | "self" | "static" | "match" | "loop" | "fn" | "use"
        | "mod" | "in" | "as" | "impl" | "let" | "mut" | "pub" | "return" | "struct" | "super"
        | "trait" | "where" | "while" | "async" | "await" | "dyn" | "enum" | "extern" | "false"
        | "true" | "for" | "if" | "else" | "const" | "crate" | "break" => {
            format!("{name}_")
        }
        _ => name,
    }
}

/// The Rust name of a model field (the spec's names are already snake case).
pub(crate) fn field_name(name: &str) -> String {
    escape_keyword(snake(name))
}

/// The Rust name of an operation parameter (method argument and builder setter).
pub(crate) fn param_name(resource: &str, nickname: &str, param: &str) -> String {
    match (resource, nickname, param) {
        ("bridges", "create" | "createWithId", "type") => "bridge_type".to_owned(),
        _ => escape_keyword(snake(param)),
    }
}

/// The Rust module of a resource: `deviceStates` → `device_states`.
pub(crate) fn resource_module(resource: &str) -> String {
    snake(resource)
}

/// The handle type of a resource: `deviceStates` → `DeviceStates`.
pub(crate) fn resource_handle(resource: &str) -> String {
    upper_camel(resource)
}

/// The `Client` method returning a resource's handle.
///
/// `events` is taken by the hand-written `Client::events(apps)` (the event WebSocket), so the
/// resource's other operations (user events, claiming a channel) hang off `events_api()`.
pub(crate) fn client_accessor(resource: &str) -> String {
    match resource {
        "events" => "events_api".to_owned(),
        _ => snake(resource),
    }
}

/// The method name of an operation.
pub(crate) fn method_name(resource: &str, nickname: &str) -> String {
    match (resource, nickname) {
        // `move` is a keyword; the operation moves the channel to another Stasis application.
        ("channels", "move") => "move_to_app".to_owned(),
        ("channels", "rtpstatistics") => "rtp_statistics".to_owned(),
        _ => escape_keyword(snake(nickname)),
    }
}

/// The request builder type of an operation: `originate` → `OriginateRequest`.
pub(crate) fn request_type(resource: &str, nickname: &str) -> String {
    format!("{}Request", upper_camel(&method_name(resource, nickname)))
}

/// The page of an operation in Asterisk's online documentation.
pub(crate) fn docs_url(resource: &str, nickname: &str) -> String {
    let mut page = String::new();
    let mut chars = resource.chars();
    if let Some(first) = chars.next() {
        page.push(first.to_ascii_uppercase());
        page.extend(chars.map(|c| c.to_ascii_lowercase()));
    }
    format!(
        "https://docs.asterisk.org/Latest_API/API_Documentation/Asterisk_REST_Interface/\
         {page}_REST_API/#{}",
        nickname.to_ascii_lowercase()
    )
}

/// The id newtype (in `crate::ids`) of an operation parameter holding an id, if any.
pub(crate) fn param_id(resource: &str, nickname: &str, param: &str) -> Option<&'static str> {
    Some(match (resource, nickname, param) {
        (_, _, "channelId" | "otherChannelId" | "originator" | "snoopId") => "ChannelId",
        ("bridges", "addChannel" | "removeChannel", "channel") => "ChannelId",
        ("channels", "dial", "caller") => "ChannelId",
        (_, _, "bridgeId") => "BridgeId",
        (_, _, "playbackId") => "PlaybackId",
        (_, _, "recordingName" | "destinationRecordingName") => "RecordingName",
        ("bridges" | "channels", "record", "name") => "RecordingName",
        (_, _, "applicationName" | "app" | "application") => "ApplicationName",
        (_, _, "deviceName") => "DeviceName",
        (_, _, "mailboxName") => "MailboxName",
        (_, _, "soundId") => "SoundId",
        (_, _, "moduleName") => "ModuleName",
        (_, _, "logChannelName") => "LogChannelName",
        _ => return None,
    })
}

/// The id newtype of a model field (or of the elements of a list field), if any.
pub(crate) fn field_id(model: &str, field: &str) -> Option<&'static str> {
    Some(match (model, field) {
        ("Channel", "id") => "ChannelId",
        ("Bridge", "channels" | "video_source_id") => "ChannelId",
        ("Application" | "Endpoint", "channel_ids") => "ChannelId",
        ("RTPstat", "channel_uniqueid") => "ChannelId",
        ("BridgeVideoSourceChanged", "old_video_source_id") => "ChannelId",
        ("Bridge", "id") => "BridgeId",
        ("Application", "bridge_ids") => "BridgeId",
        ("BridgeAttendedTransfer", "destination_bridge") => "BridgeId",
        ("Playback", "id") => "PlaybackId",
        ("LiveRecording" | "StoredRecording", "name") => "RecordingName",
        ("Application", "name") => "ApplicationName",
        ("BridgeAttendedTransfer", "destination_application") => "ApplicationName",
        ("ApplicationMoveFailed", "destination") => "ApplicationName",
        ("CallClaimed", "winner_app") => "ApplicationName",
        // Inherited by every event from `Event`.
        (_, "application") => "ApplicationName",
        ("Application", "device_names") => "DeviceName",
        ("DeviceState", "name") => "DeviceName",
        ("Mailbox", "name") => "MailboxName",
        ("Sound", "id") => "SoundId",
        ("Module", "name") => "ModuleName",
        ("LogChannel", "channel") => "LogChannelName",
        _ => return None,
    })
}

/// The unit of an integer parameter that is a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Seconds,
    Milliseconds,
}

impl Unit {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Milliseconds => "milliseconds",
        }
    }
}

/// An integer parameter generated as a `std::time::Duration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DurationParam {
    pub(crate) unit: Unit,
    /// A value meaning "no limit" that no `Duration` can express (originate's `-1`); such a
    /// parameter also gets a `no_<name>()` setter sending it.
    pub(crate) unlimited: Option<i64>,
}

/// The durations among the integer parameters, decided by name and documented unit:
///
/// | operation | parameter | unit |
/// |---|---|---|
/// | `channels.originate`, `channels.originateWithId` | `timeout` | seconds, `-1` = none |
/// | `channels.dial` | `timeout` | seconds |
/// | `channels.sendDTMF` | `before`, `between`, `duration`, `after` | milliseconds |
/// | `channels.play*`, `bridges.play*` | `offsetms`, `skipms` | milliseconds |
/// | `channels.record`, `bridges.record` | `maxDurationSeconds`, `maxSilenceSeconds` | seconds |
pub(crate) fn duration_param(resource: &str, nickname: &str, param: &str) -> Option<DurationParam> {
    let seconds = DurationParam {
        unit: Unit::Seconds,
        unlimited: None,
    };
    let millis = DurationParam {
        unit: Unit::Milliseconds,
        unlimited: None,
    };
    Some(match (resource, nickname, param) {
        ("channels", "originate" | "originateWithId", "timeout") => DurationParam {
            unit: Unit::Seconds,
            unlimited: Some(-1),
        },
        ("channels", "dial", "timeout") => seconds,
        ("channels", "sendDTMF", "before" | "between" | "duration" | "after") => millis,
        ("channels" | "bridges", "play" | "playWithId", "offsetms" | "skipms") => millis,
        ("channels" | "bridges", "record", "maxDurationSeconds" | "maxSilenceSeconds") => seconds,
        _ => return None,
    })
}

/// The enum type of a parameter with allowed values. Parameters sharing a name share the
/// enum; an unlisted one gets `<Operation><Param>`.
pub(crate) fn param_enum(resource: &str, nickname: &str, param: &str) -> String {
    match (resource, nickname, param) {
        ("asterisk", "getInfo", "only") => "AsteriskInfoSection".to_owned(),
        (_, "record", "ifExists") => "RecordingIfExists".to_owned(),
        (_, "record", "terminateOn") => "RecordingTerminateOn".to_owned(),
        ("channels", "hangup", "reason") => "HangupReason".to_owned(),
        ("channels", "mute" | "unmute", "direction") => "MuteDirection".to_owned(),
        ("channels", _, "spy" | "whisper") => "SnoopDirection".to_owned(),
        ("channels", "externalMedia", "encapsulation") => "ExternalMediaEncapsulation".to_owned(),
        ("channels", "externalMedia", "transport") => "ExternalMediaTransport".to_owned(),
        ("channels", "externalMedia", "connection_type") => {
            "ExternalMediaConnectionType".to_owned()
        }
        ("channels", "externalMedia", "direction") => "ExternalMediaDirection".to_owned(),
        ("deviceStates", "update", "deviceState") => "DeviceStateValue".to_owned(),
        ("playbacks", "control", "operation") => "PlaybackOperation".to_owned(),
        _ => format!("{}{}", upper_camel(nickname), upper_camel(param)),
    }
}

/// The enum type of a model field with allowed values; an unlisted one gets
/// `<Model><Field>`.
pub(crate) fn field_enum(model: &str, field: &str) -> String {
    match (model, field) {
        ("Bridge", "bridge_type") => "BridgeType".to_owned(),
        ("Channel", "state") => "ChannelState".to_owned(),
        ("DeviceState", "state") => "DeviceStateValue".to_owned(),
        ("Endpoint", "state") => "EndpointState".to_owned(),
        ("ContactInfo", "contact_status") => "ContactStatus".to_owned(),
        ("Playback", "state") => "PlaybackState".to_owned(),
        ("LiveRecording", "state") => "RecordingState".to_owned(),
        _ => format!("{model}{}", upper_camel(field)),
    }
}

/// The variant name of an allowed value: `no_answer` → `NoAnswer`, `*` → `Star`.
pub(crate) fn variant_name(value: &str) -> String {
    match value {
        "*" => "Star".to_owned(),
        "#" => "Hash".to_owned(),
        _ => {
            let name = upper_camel(value);
            if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                format!("V{name}")
            } else {
                name
            }
        }
    }
}

/// `object` fields that Asterisk fills with string values only (channel and bridge variables,
/// message variables): generated as `BTreeMap<String, String>` instead of raw JSON.
pub(crate) fn is_string_map(model: &str, field: &str) -> bool {
    matches!(
        (model, field),
        ("Channel", "channelvars")
            | ("Bridge", "bridgevars")
            | ("Variables", "variables")
            | ("TextMessage", "variables")
    )
}

/// Where an event's main channel is, as a path of fields ending at a `Channel`, when it has
/// no `channel` field of its own (events with one use it).
pub(crate) fn event_channel_path(event: &str) -> Option<&'static [&'static str]> {
    Some(match event {
        // A REFER: the channel that sent it.
        "ChannelTransfer" => &["referred_by", "source_channel"],
        "BridgeAttendedTransfer" => &["transferer_first_leg"],
        // The dialed channel; the caller is optional.
        "Dial" => &["peer"],
        _ => return None,
    })
}

/// Models that are boxed where a field holds them optionally (`Option<Box<Channel>>`).
///
/// A `Channel` is about 440 bytes and a `Bridge` about 250; events such as `Dial` or
/// `BridgeAttendedTransfer` hold up to seven optional ones, which would make every such
/// event kilobytes large and its decoding mostly memory moves. Absent ones now cost a pointer.
pub(crate) fn box_when_optional(model: &str) -> bool {
    matches!(model, "Channel" | "Bridge")
}
