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

/// The body parameter that is an event filter (`{"allowed": [{"type": ...}], "disallowed":
/// [...]}`): its builder also gets typed `allowed`/`disallowed` setters.
pub(crate) fn is_event_filter(resource: &str, nickname: &str, param: &str) -> bool {
    (resource, nickname, param) == ("applications", "filter", "filter")
}

/// A one-line summary of each operation, written for this crate (the spec's own prose is not
/// copied). An operation missing here is documented by its method and path alone.
pub(crate) fn summary(resource: &str, nickname: &str) -> Option<&'static str> {
    Some(match (resource, nickname) {
        ("applications", "list") => "Lists the Stasis applications.",
        ("applications", "get") => "Gets one Stasis application.",
        ("applications", "subscribe") => {
            "Subscribes an application to the events of channels, bridges, endpoints or devices."
        }
        ("applications", "unsubscribe") => "Unsubscribes an application from event sources.",
        ("applications", "filter") => "Sets which event types an application receives.",
        ("asterisk", "getObject") => "Reads a dynamic configuration object.",
        ("asterisk", "updateObject") => "Creates or updates a dynamic configuration object.",
        ("asterisk", "deleteObject") => "Deletes a dynamic configuration object.",
        ("asterisk", "getInfo") => "Asterisk's build, system, configuration and status.",
        ("asterisk", "ping") => "Checks that Asterisk answers.",
        ("asterisk", "listModules") => "Lists the loaded modules.",
        ("asterisk", "getModule") => "Gets one module.",
        ("asterisk", "loadModule") => "Loads a module.",
        ("asterisk", "unloadModule") => "Unloads a module.",
        ("asterisk", "reloadModule") => "Reloads a module.",
        ("asterisk", "listLogChannels") => "Lists the log channels.",
        ("asterisk", "addLog") => "Adds a log channel.",
        ("asterisk", "deleteLog") => "Deletes a log channel.",
        ("asterisk", "rotateLog") => "Rotates a log channel.",
        ("asterisk", "getGlobalVar") => "Reads a global variable.",
        ("asterisk", "setGlobalVar") => "Sets a global variable.",
        ("bridges", "list") => "Lists the bridges.",
        ("bridges", "create") => "Creates a bridge.",
        ("bridges", "createWithId") => "Creates a bridge with an id chosen by the caller.",
        ("bridges", "get") => "Gets one bridge.",
        ("bridges", "destroy") => "Destroys a bridge.",
        ("bridges", "getBridgeVar") => "Reads a bridge variable.",
        ("bridges", "setBridgeVar") => "Sets a bridge variable.",
        ("bridges", "getBridgeVars") => "Reads several bridge variables.",
        ("bridges", "setBridgeVars") => "Sets several bridge variables.",
        ("bridges", "addChannel") => "Adds channels to a bridge.",
        ("bridges", "removeChannel") => "Removes channels from a bridge.",
        ("bridges", "setVideoSource") => "Makes a channel the video source of a bridge.",
        ("bridges", "clearVideoSource") => "Lets a bridge choose its video source again.",
        ("bridges", "startMoh") => "Plays music on hold to a bridge.",
        ("bridges", "stopMoh") => "Stops music on hold in a bridge.",
        ("bridges", "play") => "Plays media to a bridge.",
        ("bridges", "playWithId") => {
            "Plays media to a bridge, with a playback id chosen by the caller."
        }
        ("bridges", "record") => "Records a bridge.",
        ("channels", "list") => "Lists the active channels.",
        ("channels", "originate") => "Creates a channel and dials an endpoint.",
        ("channels", "create") => "Creates a channel without dialing it; dial it with `dial`.",
        ("channels", "get") => "Gets one channel.",
        ("channels", "originateWithId") => {
            "Creates a channel with an id chosen by the caller and dials an endpoint."
        }
        ("channels", "hangup") => "Hangs up a channel.",
        ("channels", "continueInDialplan") => "Sends a channel from Stasis back to the dialplan.",
        ("channels", "move") => "Moves a channel to another Stasis application.",
        ("channels", "redirect") => "Redirects a channel to another endpoint.",
        ("channels", "answer") => "Answers a channel.",
        ("channels", "ring") => "Indicates ringing to a channel.",
        ("channels", "ringStop") => "Stops indicating ringing to a channel.",
        ("channels", "progress") => "Indicates call progress to a channel.",
        ("channels", "sendDTMF") => "Sends DTMF digits to a channel.",
        ("channels", "mute") => "Mutes a channel.",
        ("channels", "unmute") => "Unmutes a channel.",
        ("channels", "hold") => "Puts a channel on hold.",
        ("channels", "unhold") => "Takes a channel off hold.",
        ("channels", "startMoh") => "Plays music on hold to a channel.",
        ("channels", "stopMoh") => "Stops music on hold on a channel.",
        ("channels", "startSilence") => "Plays silence to a channel.",
        ("channels", "stopSilence") => "Stops playing silence to a channel.",
        ("channels", "play") => "Plays media to a channel.",
        ("channels", "playWithId") => {
            "Plays media to a channel, with a playback id chosen by the caller."
        }
        ("channels", "record") => "Records a channel.",
        ("channels", "getChannelVar") => "Reads a channel variable or dialplan function.",
        ("channels", "setChannelVar") => "Sets a channel variable or dialplan function.",
        ("channels", "getChannelVars") => "Reads several channel variables.",
        ("channels", "setChannelVars") => "Sets several channel variables.",
        ("channels", "snoopChannel") => "Creates a channel that spies on or whispers to a channel.",
        ("channels", "snoopChannelWithId") => {
            "Creates a snooping channel with an id chosen by the caller."
        }
        ("channels", "dial") => "Dials a channel made by `create`.",
        ("channels", "rtpstatistics") => "The RTP statistics of a channel.",
        ("channels", "externalMedia") => {
            "Creates a channel exchanging media with an external server."
        }
        ("channels", "transfer_progress") => "Reports the progress of a REFER transfer.",
        ("deviceStates", "list") => "Lists the device states controlled by ARI.",
        ("deviceStates", "get") => "Gets the state of a device.",
        ("deviceStates", "update") => "Sets the state of an ARI-controlled device, creating it.",
        ("deviceStates", "delete") => "Deletes an ARI-controlled device state.",
        ("endpoints", "list") => "Lists the endpoints.",
        ("endpoints", "sendMessage") => "Sends a text message to a URI.",
        ("endpoints", "refer") => "Sends a REFER to a URI.",
        ("endpoints", "listByTech") => "Lists the endpoints of one technology.",
        ("endpoints", "get") => "Gets one endpoint.",
        ("endpoints", "sendMessageToEndpoint") => "Sends a text message to an endpoint.",
        ("endpoints", "referToEndpoint") => "Sends a REFER to an endpoint.",
        ("events", "eventWebsocket") => "Opens the event WebSocket.",
        ("events", "userEvent") => "Raises a user event.",
        ("events", "claimChannel") => "Claims a broadcast call for an application.",
        ("mailboxes", "list") => "Lists the mailboxes.",
        ("mailboxes", "get") => "Gets one mailbox.",
        ("mailboxes", "update") => "Sets the message counts of a mailbox.",
        ("mailboxes", "delete") => "Deletes a mailbox.",
        ("playbacks", "get") => "Gets one playback.",
        ("playbacks", "stop") => "Stops a playback.",
        ("playbacks", "control") => "Pauses, resumes, restarts, rewinds or forwards a playback.",
        ("recordings", "listStored") => "Lists the stored recordings.",
        ("recordings", "getStored") => "Gets one stored recording.",
        ("recordings", "deleteStored") => "Deletes a stored recording.",
        ("recordings", "getStoredFile") => "Downloads the file of a stored recording.",
        ("recordings", "copyStored") => "Copies a stored recording.",
        ("recordings", "getLive") => "Gets one live recording.",
        ("recordings", "cancel") => "Stops a live recording and discards it.",
        ("recordings", "stop") => "Stops a live recording and keeps it.",
        ("recordings", "pause") => "Pauses a live recording.",
        ("recordings", "unpause") => "Resumes a paused live recording.",
        ("recordings", "mute") => "Mutes a live recording.",
        ("recordings", "unmute") => "Unmutes a live recording.",
        ("sounds", "list") => "Lists the sounds.",
        ("sounds", "get") => "Gets one sound.",
        _ => return None,
    })
}
