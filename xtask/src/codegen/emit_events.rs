//! `generated/events.rs`: the `Event` enum over every subtype of the spec's `Event` model.

use std::fmt::Write as _;

use super::ir::{FieldIr, Ir, ModelIr, Ty};
use super::names;
use super::{File, header};

pub(crate) fn emit(ir: &Ir) -> File {
    let mut out = header(ir);
    out.push_str("//! [`Event`]: one variant per event type of the spec, plus `Unknown`.\n\n");
    let events: Vec<&ModelIr> = ir.events.iter().filter_map(|e| ir.model(e)).collect();
    writeln!(
        out,
        "/// An event of ARI's event WebSocket: one variant per event type of the spec ({n}), \
         plus [`Event::Unknown`].\n\
         ///\n\
         /// Each variant boxes the model struct of its type (so an `Event` stays two words \
         whatever its type); the struct is the same one models use, e.g. \
         [`StasisStart`](crate::models::StasisStart). The fields every event inherits \
         (`type`, `application`, `timestamp`, `asterisk_id`) are reachable on any variant \
         through [`event_type`](Self::event_type), [`application`](Self::application), \
         [`timestamp`](Self::timestamp) and [`asterisk_id`](Self::asterisk_id).\n\
         ///\n\
         /// Decode a frame with [`decode_event`](crate::events::decode_event) (never fails) or \
         [`try_decode_event`](crate::events::try_decode_event); `Event` also implements \
         `Deserialize` through the same path, and `Serialize` writes the `type` first, so \
         encoding and decoding round-trip.\n\
         #[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum Event {{",
        n = events.len()
    )
    .ok();
    for e in &events {
        writeln!(
            out,
            "/// A [`{n}`](crate::models::{n}) event.\n{n}(Box<crate::models::{n}>),",
            n = e.name
        )
        .ok();
    }
    out.push_str(
        "/// An event whose type this version does not know, or a frame that did not fit its \
         type: the raw JSON, kept whole.\nUnknown(serde_json::Value),\n}\n\n",
    );

    out.push_str("impl Event {\n");
    // event_type
    out.push_str(
        "/// The event's `type`, e.g. `\"StasisStart\"` (for `Unknown`, its `type` field or \
         `\"\"`).\npub fn event_type(&self) -> &str {\nmatch self {\n",
    );
    for e in &events {
        writeln!(out, "Self::{n}(_) => crate::models::{n}::TYPE,", n = e.name).ok();
    }
    out.push_str(
        "Self::Unknown(raw) => raw.get(\"type\").and_then(serde_json::Value::as_str).unwrap_or(\"\"),\n}\n}\n\n",
    );
    // common fields
    common_accessor(
        &mut out,
        &events,
        "application",
        "/// The Stasis application the event was sent to.",
        "Option<&str>",
        "e.application.as_ref().map(crate::ids::ApplicationName::as_str)",
        "raw.get(\"application\").and_then(serde_json::Value::as_str)",
    );
    common_accessor(
        &mut out,
        &events,
        "timestamp",
        "/// When Asterisk created the event (`None` for `Unknown`).",
        "Option<&crate::time::Timestamp>",
        "e.timestamp.as_ref()",
        "None",
    );
    common_accessor(
        &mut out,
        &events,
        "asterisk_id",
        "/// The id of the Asterisk that sent the event (set on clusters and by recent versions).",
        "Option<&str>",
        "e.asterisk_id.as_deref()",
        "raw.get(\"asterisk_id\").and_then(serde_json::Value::as_str)",
    );
    path_accessor(
        &mut out,
        ir,
        &events,
        "channel_id",
        "/// The id of the channel the event is about: its `channel` field, or for events \
         without one the obvious channel (`ChannelTransfer`: `referred_by.source_channel`; \
         `BridgeAttendedTransfer`: `transferer_first_leg`; `Dial`: `peer`).",
        "ChannelId",
        "Channel",
        "channel",
    );
    path_accessor(
        &mut out,
        ir,
        &events,
        "bridge_id",
        "/// The id of the bridge the event is about: its `bridge` field, if it has one.",
        "BridgeId",
        "Bridge",
        "bridge",
    );
    out.push_str(
        "/// `true` for [`Event::Unknown`].\npub fn is_unknown(&self) -> bool {\nmatches!(self, Self::Unknown(_))\n}\n}\n\n",
    );

    // decode_known: dispatch on the length first, so a type is found with a few comparisons
    // rather than one per event type; the struct reads the rest of the frame's map.
    out.push_str(
        "/// Decodes the rest of a frame's map as an event of type `type_name`; gives the map back \
         if the type is unknown.\n\
         pub(crate) fn decode_known<'de, A: serde::de::MapAccess<'de>>(type_name: &str, map: A) \
         -> Result<Result<Event, A::Error>, A> {\n\
         use serde::Deserialize as _;\n\
         use serde::de::value::MapAccessDeserializer as Rest;\n\
         Ok(match (type_name.len(), type_name) {\n",
    );
    let mut by_len: Vec<&&ModelIr> = events.iter().collect();
    by_len.sort_by(|a, b| (a.name.len(), &a.name).cmp(&(b.name.len(), &b.name)));
    for e in by_len {
        writeln!(
            out,
            "({len}, {n:?}) => crate::models::{n}::deserialize(Rest::new(map)).map(|e| Event::{n}(Box::new(e))),",
            len = e.name.len(),
            n = e.name
        )
        .ok();
    }
    out.push_str("_ => return Err(map),\n})\n}\n\n");

    // fast_decode_known: the same dispatch for the fast path.
    out.push_str(
        "/// The fast path: reads the frame at `p` as an event of type `type_name`; `None` if the \
         type is unknown or the frame needs the general path.\n\
         pub(crate) fn fast_decode_known(type_name: &str, p: &mut crate::events::fast::Parser<'_>) \
         -> Option<Event> {\n\
         use crate::events::fast::FastDecode as _;\n\
         Some(match (type_name.len(), type_name) {\n",
    );
    let mut by_len: Vec<&&ModelIr> = events.iter().collect();
    by_len.sort_by(|a, b| (a.name.len(), &a.name).cmp(&(b.name.len(), &b.name)));
    for e in by_len {
        writeln!(
            out,
            "({len}, {n:?}) => Event::{n}(Box::new(crate::models::{n}::fast(p)?)),",
            len = e.name.len(),
            n = e.name
        )
        .ok();
    }
    out.push_str("_ => return None,\n})\n}\n\n");

    emit_key_paths(&mut out, ir, &events);

    // Serialize
    out.push_str(
        "impl serde::Serialize for Event {\n\
         fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {\n\
         match self {\n",
    );
    for e in &events {
        writeln!(out, "Self::{}(e) => e.serialize(serializer),", e.name).ok();
    }
    out.push_str("Self::Unknown(raw) => raw.serialize(serializer),\n}\n}\n}\n");
    File::new("events.rs", out)
}

fn common_accessor(
    out: &mut String,
    events: &[&ModelIr],
    name: &str,
    doc: &str,
    ret: &str,
    known: &str,
    unknown: &str,
) {
    writeln!(
        out,
        "{doc}\npub fn {name}(&self) -> {ret} {{\nmatch self {{"
    )
    .ok();
    let (with, without): (Vec<&&ModelIr>, Vec<&&ModelIr>) = events
        .iter()
        .partition(|e| e.fields.iter().any(|f| f.rust_name == name));
    // One arm per type: the bound `e` has a different type in each.
    for e in with {
        writeln!(out, "Self::{}(e) => {known},", e.name).ok();
    }
    if !without.is_empty() {
        let arms: Vec<String> = without
            .iter()
            .map(|e| format!("Self::{}(_)", e.name))
            .collect();
        writeln!(out, "{} => None,", arms.join(" | ")).ok();
    }
    let raw = if unknown == "None" { "_" } else { "raw" };
    writeln!(out, "Self::Unknown({raw}) => {unknown},\n}}\n}}\n").ok();
}

/// An accessor returning `Option<&crate::ids::<id>>` from the `id` of the `target` model
/// reached through the event's `field` (or its `names::event_channel_path`).
#[allow(
    clippy::too_many_arguments,
    reason = "one call per accessor, all arguments named"
)]
fn path_accessor(
    out: &mut String,
    ir: &Ir,
    events: &[&ModelIr],
    name: &str,
    doc: &str,
    id: &str,
    target: &str,
    field: &str,
) {
    writeln!(
        out,
        "{doc}\npub fn {name}(&self) -> Option<&crate::ids::{id}> {{\nmatch self {{"
    )
    .ok();
    let mut none = Vec::new();
    for e in events {
        let path = accessor_path(e, target, field);
        match path_expr(ir, e, &path) {
            Some(expr) => {
                writeln!(out, "Self::{}(e) => {expr},", e.name).ok();
            }
            None => none.push(format!("Self::{}(_)", e.name)),
        }
    }
    none.push("Self::Unknown(_)".to_owned());
    writeln!(out, "{} => None,\n}}\n}}\n", none.join(" | ")).ok();
}

/// The fields (Rust names) from an event to the model whose `id` an accessor returns: `field`
/// itself when the event has it with the `target` model, else the event's known path (for
/// channels), else none.
fn accessor_path<'a>(event: &ModelIr, target: &str, field: &'a str) -> Vec<&'a str> {
    let direct = event
        .fields
        .iter()
        .any(|f| f.rust_name == field && f.ty == Ty::Model(target.to_owned()));
    if direct {
        vec![field]
    } else if target == "Channel" {
        names::event_channel_path(&event.name)
            .map(|p| p.to_vec())
            .unwrap_or_default()
    } else {
        Vec::new()
    }
}

/// The fields from an event along `path` (Rust names), each a model, then the `id` field of
/// the last model; `None` when the path is empty or does not lead to a model with an `id`.
fn id_fields<'m>(ir: &'m Ir, event: &'m ModelIr, path: &[&str]) -> Option<Vec<&'m FieldIr>> {
    if path.is_empty() {
        return None;
    }
    let mut model = event;
    let mut fields = Vec::with_capacity(path.len() + 1);
    for step in path {
        let field = model.fields.iter().find(|f| f.rust_name == *step)?;
        let Ty::Model(next) = &field.ty else {
            return None;
        };
        fields.push(field);
        model = ir.model(next)?;
    }
    fields.push(model.fields.iter().find(|f| f.rust_name == "id")?);
    Some(fields)
}

/// The path to the id an accessor returns, as the frame names the fields: e.g. `["peer",
/// "id"]`. Empty when the accessor gives `None` for the event.
fn wire_path(ir: &Ir, event: &ModelIr, path: &[&str]) -> Vec<String> {
    id_fields(ir, event, path)
        .map(|fields| fields.iter().map(|f| f.spec_name.clone()).collect())
        .unwrap_or_default()
}

/// `key_paths`: where the ids that `channel_id` and `bridge_id` return sit in a frame, so the
/// router can route a frame without decoding it.
fn emit_key_paths(out: &mut String, ir: &Ir, events: &[&ModelIr]) {
    out.push_str(
        "/// Where the ids that [`Event::channel_id`] and [`Event::bridge_id`] return sit in a \
         frame of type `type_name`: the fields from the top-level object, as the frame names \
         them (empty: the type has none). `None` for a type this version does not know.\n\
         pub(crate) fn key_paths(type_name: &str) -> Option<crate::events::fast::KeyPaths> {\n\
         use crate::events::fast::KeyPaths;\n\
         Some(match (type_name.len(), type_name) {\n",
    );
    let mut by_len: Vec<&&ModelIr> = events.iter().collect();
    by_len.sort_by(|a, b| (a.name.len(), &a.name).cmp(&(b.name.len(), &b.name)));
    let list = |path: Vec<String>| {
        let quoted: Vec<String> = path.iter().map(|s| format!("{s:?}")).collect();
        format!("&[{}]", quoted.join(", "))
    };
    for e in by_len {
        let channel = wire_path(ir, e, &accessor_path(e, "Channel", "channel"));
        let bridge = wire_path(ir, e, &accessor_path(e, "Bridge", "bridge"));
        writeln!(
            out,
            "({len}, {n:?}) => KeyPaths {{ channel: {c}, bridge: {b} }},",
            len = e.name.len(),
            n = e.name,
            c = list(channel),
            b = list(bridge),
        )
        .ok();
    }
    out.push_str("_ => return None,\n})\n}\n\n");
}

/// `Some(&e.a.id)`, `e.a.as_ref().map(|v| &v.id)`, … for a path of fields ending at a model
/// with an `id`.
fn path_expr(ir: &Ir, event: &ModelIr, path: &[&str]) -> Option<String> {
    let fields = id_fields(ir, event, path)?;
    let (_id, steps) = fields.split_last()?;
    let mut expr = "e".to_owned();
    let mut optional = false;
    for field in steps {
        let step = &field.rust_name;
        expr = match (optional, field.required) {
            (false, true) => format!("{expr}.{step}"),
            (false, false) => format!("{expr}.{step}.as_ref()"),
            (true, true) => format!("{expr}.map(|v| &v.{step})"),
            (true, false) => format!("{expr}.and_then(|v| v.{step}.as_ref())"),
        };
        optional = optional || !field.required;
    }
    Some(if optional {
        format!("{expr}.map(|v| &v.id)")
    } else {
        format!("Some(&{expr}.id)")
    })
}
