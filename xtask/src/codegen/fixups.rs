//! Quirks of Asterisk's ARI spec, each corrected by one documented function.
//!
//! Every fixup runs on the parsed spec before anything is generated; [`apply`] runs them all.
//! A fixup that finds nothing to fix is a no-op, so a newer spec that corrected the quirk
//! still generates.

use super::spec::{Resource, Spec};

/// Applies every fixup to `spec`.
pub(crate) fn apply(spec: &mut Spec) {
    error_codes_written_as_strings(spec);
    path_parameters_without_required(spec);
}

/// `POST /channels/{channelId}/move` writes its error codes as strings (`"404"`, `"409"`)
/// where every other operation writes numbers; read them as numbers.
pub(crate) fn error_codes_written_as_strings(spec: &mut Spec) {
    for op in operations(&mut spec.resources) {
        for error in &mut op.error_responses {
            if let Some(code) = error
                .code
                .as_str()
                .and_then(|s| s.trim().parse::<u64>().ok())
            {
                error.code = serde_json::Value::from(code);
            }
        }
    }
}

/// The path parameters of the `/endpoints/{tech}/...` operations omit `required`; a path
/// parameter is always required, so mark every one as such.
pub(crate) fn path_parameters_without_required(spec: &mut Spec) {
    for op in operations(&mut spec.resources) {
        for param in &mut op.parameters {
            if param.param_type == "path" {
                param.required = Some(true);
            }
        }
    }
}

/// `Event` declares `application` and `timestamp` required, but not every frame carries both:
/// the `RESTResponse` answers of REST over WebSocket are `Event`s whose payload is the
/// response, and a frame missing either would otherwise fall back to `Event::Unknown`. The
/// generator therefore makes the fields it inherits from `Message` and `Event` optional on
/// every event (the accessors `Event::application()`/`timestamp()` return `Option`).
///
/// This is applied while building event structs (see `emit_models`), not to the parsed spec,
/// so that the inventory still reports the spec's own facts.
pub(crate) fn inherited_event_fields_are_optional() -> bool {
    true
}

/// The `GET /events` operation is a WebSocket upgrade, not a REST call: it is listed in the
/// inventory and gets a method that hands over to the hand-written event stream
/// (`Client::events`) instead of a request builder.
pub(crate) fn is_websocket_upgrade(upgrade: Option<&str>) -> bool {
    upgrade == Some("websocket")
}

fn operations(
    resources: &mut [Resource],
) -> impl Iterator<Item = &mut super::spec::Operation> + '_ {
    resources
        .iter_mut()
        .flat_map(|r| r.file.apis.iter_mut())
        .flat_map(|api| api.operations.iter_mut())
}
