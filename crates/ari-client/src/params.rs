//! Helpers the generated request builders use to fill a [`Request`](crate::client::Request).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Sets query parameter `name`, replacing an earlier value (a setter called twice keeps the
/// last value, as a builder should).
pub(crate) fn set_query(
    query: &mut Vec<(&'static str, String)>,
    name: &'static str,
    value: String,
) {
    if let Some(slot) = query.iter_mut().find(|(n, _)| *n == name) {
        slot.1 = value;
    } else {
        query.push((name, value));
    }
}

/// Runs `f` on the body as a JSON object, creating it (or replacing a non-object) if needed.
fn with_body_object(body: &mut Option<Value>, f: impl FnOnce(&mut Map<String, Value>)) {
    let mut map = match body.take() {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    f(&mut map);
    *body = Some(Value::Object(map));
}

/// Sets `{"<field>": value}` in the body, keeping its other fields.
pub(crate) fn set_body_field(body: &mut Option<Value>, field: &str, value: Value) {
    with_body_object(body, |map| {
        map.insert(field.to_owned(), value);
    });
}

/// Adds `name: value` to the object `{"<field>": {...}}` of the body.
pub(crate) fn insert_body_entry(body: &mut Option<Value>, field: &str, name: String, value: Value) {
    with_body_object(body, |map| {
        let slot = map
            .entry(field.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        if let Value::Object(entries) = slot {
            entries.insert(name, value);
        }
    });
}

/// Appends `value` to the array `{"<field>": [...]}` of the body.
pub(crate) fn push_body_element(body: &mut Option<Value>, field: &str, value: Value) {
    with_body_object(body, |map| {
        let slot = map
            .entry(field.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(items) = slot {
            items.push(value);
        }
    });
}

/// A map of strings as a JSON object.
pub(crate) fn string_map(
    entries: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
) -> Value {
    let map: BTreeMap<String, String> = entries
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    Value::Object(
        map.into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// Event types as an event filter's list: `[{"type": "StasisStart"}, ...]`.
pub(crate) fn event_types(types: impl IntoIterator<Item = impl Into<String>>) -> Value {
    Value::Array(
        types
            .into_iter()
            .map(|t| {
                let mut entry = Map::new();
                entry.insert("type".to_owned(), Value::String(t.into()));
                Value::Object(entry)
            })
            .collect(),
    )
}

/// A value as JSON. The generated code calls this with models and raw JSON only, whose
/// serialization cannot fail (string keys, no non-finite floats); `null` if it ever did.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_query_replaces() {
        let mut q = Vec::new();
        set_query(&mut q, "a", "1".into());
        set_query(&mut q, "b", "2".into());
        set_query(&mut q, "a", "3".into());
        assert_eq!(q, vec![("a", "3".to_owned()), ("b", "2".to_owned())]);
    }

    #[test]
    fn body_helpers_build_objects() {
        let mut body = None;
        set_body_field(&mut body, "variables", string_map([("A", "1")]));
        insert_body_entry(&mut body, "variables", "B".into(), Value::from("2"));
        push_body_element(&mut body, "fields", Value::from(1));
        assert_eq!(
            body,
            Some(serde_json::json!({"variables": {"A": "1", "B": "2"}, "fields": [1]}))
        );
    }
}
