//! `generated/models/*.rs`: one struct per model, one enum per set of allowed values.

use std::fmt::Write as _;

use super::ir::{FieldIr, Ir, ModelIr, ModelKind, Ty};
use super::names;
use super::spec::AllowableValues;
use super::{File, header};

/// The model files: `models/mod.rs`, `models/<resource>.rs`, `models/enums.rs`.
pub(crate) fn emit(ir: &Ir) -> Vec<File> {
    let mut files = Vec::new();
    let mut modules = Vec::new();
    for resource in &ir.resources {
        let models: Vec<&ModelIr> = ir
            .models
            .iter()
            .filter(|m| m.resource == resource.name && m.kind != ModelKind::EventBase)
            .collect();
        if models.is_empty() {
            continue;
        }
        let module = names::resource_module(&resource.name);
        let mut out = header(ir);
        writeln!(out, "//! The models of `{}.json`.\n", resource.name).ok();
        for model in models {
            emit_model(&mut out, ir, model);
        }
        files.push(File::new(format!("models/{module}.rs"), out));
        modules.push(module);
    }
    files.push(File::new("models/enums.rs", emit_enums(ir)));

    let mut out = header(ir);
    out.push_str("//! Every model of the spec, re-exported flat as `ari_client::models::*`.\n\n");
    for m in &modules {
        writeln!(out, "mod {m};").ok();
    }
    out.push_str("mod enums;\n\n");
    for m in &modules {
        writeln!(out, "pub use {m}::*;").ok();
    }
    out.push_str("pub use enums::*;\n");
    if ir.models.iter().any(|m| m.kind == ModelKind::EventBase) {
        out.push_str(
            "/// The `Event` model: the enum of its subtypes, one variant per event type.\n\
             pub use crate::generated::events::Event;\n",
        );
    }
    files.push(File::new("models/mod.rs", out));
    files
}

pub(crate) fn allowed_doc(allowed: &Option<AllowableValues>) -> Option<String> {
    match allowed {
        Some(AllowableValues::List { values }) => Some(format!(
            "Allowed values: {}.",
            values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(AllowableValues::Range { min, max }) => {
            let mut parts = Vec::new();
            if let Some(min) = min {
                parts.push(format!("minimum {min}"));
            }
            if let Some(max) = max {
                parts.push(format!("maximum {max}"));
            }
            (!parts.is_empty()).then(|| format!("Range: {}.", parts.join(", ")))
        }
        None => None,
    }
}

fn field_doc(field: &FieldIr) -> String {
    let mut doc = format!(
        "`{}`: {} (spec type `{}`), {}.",
        field.spec_name,
        field.ty.doc(),
        field.spec_type,
        if field.required {
            "required"
        } else {
            "optional"
        }
    );
    if let Some(parent) = &field.inherited_from {
        write!(doc, " Inherited from `{parent}`.").ok();
    }
    if let Some(allowed) = allowed_doc(&field.allowed) {
        write!(doc, " {allowed}").ok();
    }
    doc
}

/// `true` for `Option<T>` fields.
pub(crate) fn is_optional(field: &FieldIr) -> bool {
    !field.required
}

pub(crate) fn field_rust_type(field: &FieldIr) -> String {
    if is_optional(field) {
        match &field.ty {
            Ty::Model(model) if names::box_when_optional(model) => {
                format!("Option<Box<{}>>", field.ty.rust())
            }
            ty => format!("Option<{}>", ty.rust()),
        }
    } else {
        field.ty.rust()
    }
}

fn emit_model(out: &mut String, ir: &Ir, model: &ModelIr) {
    let is_message = matches!(model.kind, ModelKind::Message { .. });
    match model.kind {
        ModelKind::Message { is_event: true } => {
            writeln!(
                out,
                "/// The `{name}` event (model `{name}` of `{res}.json`; `type` is `\"{name}\"`).\n\
                 ///\n/// Received as [`Event::{name}`](crate::Event::{name}).",
                name = model.name,
                res = model.resource
            )
            .ok();
        }
        ModelKind::Message { is_event: false } => {
            writeln!(
                out,
                "/// The `{name}` message (model `{name}` of `{res}.json`; `type` is `\"{name}\"`).",
                name = model.name,
                res = model.resource
            )
            .ok();
        }
        _ => {
            writeln!(
                out,
                "/// The `{}` model of `{}.json`.",
                model.name, model.resource
            )
            .ok();
        }
    }
    let users = returned_by(ir, &model.name);
    if !users.is_empty() {
        writeln!(out, "///\n/// Returned by {}.", users.join(", ")).ok();
    }
    if is_message {
        out.push_str("#[derive(Debug, Clone, PartialEq, serde::Deserialize)]\n");
    } else {
        out.push_str("#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]\n");
    }
    writeln!(out, "pub struct {} {{", model.name).ok();
    for field in &model.fields {
        writeln!(out, "    /// {}", field_doc(field)).ok();
        let mut attrs = Vec::new();
        if field.rust_name != field.spec_name {
            attrs.push(format!("rename = \"{}\"", field.spec_name));
        }
        if is_optional(field) {
            attrs.push("default".to_owned());
            attrs.push("skip_serializing_if = \"Option::is_none\"".to_owned());
        } else if matches!(field.ty, Ty::List(_) | Ty::StringMap) {
            // An empty list or map that a server leaves out decodes as empty.
            attrs.push("default".to_owned());
        }
        if !attrs.is_empty() {
            writeln!(out, "    #[serde({})]", attrs.join(", ")).ok();
        }
        writeln!(
            out,
            "    pub {}: {},",
            field.rust_name,
            field_rust_type(field)
        )
        .ok();
    }
    out.push_str("}\n\n");
    if is_message {
        emit_message_serialize(out, model);
    }
    emit_fast_decode(out, model);
}

/// The fast path of event decoding (`crate::events::fast`): the fields matched by name in any
/// order, each read by its type's `FastDecode`; `None` wherever serde would fail or do more,
/// so that serde decides those frames. Mirrors what the derived `Deserialize` accepts:
/// required fields must be present, optional ones and lists or maps may be missing, unknown
/// fields are skipped, a repeated field gives up.
fn emit_fast_decode(out: &mut String, model: &ModelIr) {
    let local = |field: &FieldIr| format!("f_{}", field.rust_name.trim_start_matches("r#"));
    writeln!(
        out,
        "impl crate::events::fast::FastDecode for {name} {{\n\
         fn fast(p: &mut crate::events::fast::Parser<'_>) -> Option<Self> {{",
        name = model.name
    )
    .ok();
    if model.fields.is_empty() {
        out.push_str("p.object(|p, _| p.skip_value())?;\nSome(Self {})\n}\n}\n\n");
        return;
    }
    for field in &model.fields {
        writeln!(
            out,
            "let mut {}: Option<{}> = None;",
            local(field),
            field_rust_type(field)
        )
        .ok();
    }
    out.push_str("p.object(|p, key| match key {\n");
    for field in &model.fields {
        writeln!(
            out,
            "{:?} => crate::events::fast::field(&mut {}, p),",
            field.spec_name,
            local(field)
        )
        .ok();
    }
    out.push_str("_ => p.skip_value(),\n})?;\nSome(Self {\n");
    for field in &model.fields {
        let defaults = is_optional(field) || matches!(field.ty, Ty::List(_) | Ty::StringMap);
        if defaults {
            writeln!(
                out,
                "{}: {}.unwrap_or_default(),",
                field.rust_name,
                local(field)
            )
            .ok();
        } else {
            writeln!(out, "{}: {}?,", field.rust_name, local(field)).ok();
        }
    }
    out.push_str("})\n}\n}\n\n");
}

/// Operations answering this model, as doc links.
fn returned_by(ir: &Ir, model: &str) -> Vec<String> {
    let mut out = Vec::new();
    for op in ir.operations() {
        let returns = match &op.response {
            super::ir::Response::Json(ty) => super::ir::base(ty) == &Ty::Model(model.to_owned()),
            _ => false,
        };
        if returns {
            out.push(format!(
                "[`{handle}::{method}`](crate::ops::{module}::{handle}::{method})",
                handle = names::resource_handle(&op.resource),
                module = names::resource_module(&op.resource),
                method = names::method_name(&op.resource, &op.nickname),
            ));
        }
    }
    out
}

/// A subtype of `Message` writes its `type` first, then its fields.
fn emit_message_serialize(out: &mut String, model: &ModelIr) {
    let name = &model.name;
    let required = model.fields.iter().filter(|f| !is_optional(f)).count();
    let optional: Vec<String> = model
        .fields
        .iter()
        .filter(|f| is_optional(f))
        .map(|f| format!(" + usize::from(self.{}.is_some())", f.rust_name))
        .collect();
    writeln!(
        out,
        "impl {name} {{\n\
         /// The `type` of this message on the wire.\n\
         pub const TYPE: &'static str = \"{name}\";\n}}\n\n\
         impl serde::Serialize for {name} {{\n\
         fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n\
         use serde::ser::SerializeStruct as _;\n\
         let len = {}{};\n\
         let mut s = serializer.serialize_struct(\"{name}\", len)?;\n\
         s.serialize_field(\"type\", Self::TYPE)?;",
        1 + required,
        optional.join("")
    )
    .ok();
    for field in &model.fields {
        if is_optional(field) {
            writeln!(
                out,
                "match &self.{r} {{ Some(v) => s.serialize_field(\"{n}\", v)?, None => s.skip_field(\"{n}\")? }}",
                r = field.rust_name,
                n = field.spec_name
            )
            .ok();
        } else {
            writeln!(
                out,
                "s.serialize_field(\"{}\", &self.{})?;",
                field.spec_name, field.rust_name
            )
            .ok();
        }
    }
    out.push_str("s.end()\n}\n}\n\n");
}

fn emit_enums(ir: &Ir) -> String {
    let mut out = header(ir);
    out.push_str(
        "//! The enums of allowed values. Each keeps an unknown value in `Other`, so a newer \
         Asterisk never breaks decoding.\n\n",
    );
    for (name, e) in &ir.enums {
        let variants: Vec<(String, &String)> = e
            .values
            .iter()
            .map(|v| (names::variant_name(v), v))
            .collect();
        writeln!(
            out,
            "/// The values of {}.\n///\n/// Converts from `&str`/`String` (an unknown value \
             becomes [`{name}::Other`]) and to `&str` with [`as_str`]({name}::as_str).",
            e.used_by.join(", ")
        )
        .ok();
        out.push_str(
            "#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[non_exhaustive]\n",
        );
        writeln!(out, "pub enum {name} {{").ok();
        for (variant, value) in &variants {
            writeln!(out, "    /// `{value}`\n    {variant},").ok();
        }
        out.push_str(
            "    /// A value this version of the crate does not know, kept as sent.\n    Other(String),\n}\n\n",
        );
        writeln!(
            out,
            "impl {name} {{\n/// The value as sent on the wire.\npub fn as_str(&self) -> &str {{\nmatch self {{"
        )
        .ok();
        for (variant, value) in &variants {
            writeln!(out, "Self::{variant} => {value:?},").ok();
        }
        out.push_str("Self::Other(other) => other,\n}\n}\n\n");
        writeln!(
            out,
            "fn known(value: &str) -> Option<Self> {{\nSome(match value {{"
        )
        .ok();
        for (variant, value) in &variants {
            writeln!(out, "{value:?} => Self::{variant},").ok();
        }
        out.push_str("_ => return None,\n})\n}\n}\n\n");
        writeln!(
            out,
            "impl From<&str> for {name} {{\nfn from(value: &str) -> Self {{\n\
             Self::known(value).unwrap_or_else(|| Self::Other(value.to_owned()))\n}}\n}}\n\n\
             impl From<String> for {name} {{\nfn from(value: String) -> Self {{\n\
             Self::known(&value).unwrap_or(Self::Other(value))\n}}\n}}\n\n\
             impl std::str::FromStr for {name} {{\ntype Err = std::convert::Infallible;\n\
             fn from_str(value: &str) -> Result<Self, Self::Err> {{\nOk(Self::from(value))\n}}\n}}\n\n\
             impl AsRef<str> for {name} {{\nfn as_ref(&self) -> &str {{\nself.as_str()\n}}\n}}\n\n\
             impl std::fmt::Display for {name} {{\n\
             fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
             f.write_str(self.as_str())\n}}\n}}\n\n\
             impl serde::Serialize for {name} {{\n\
             fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n\
             serializer.serialize_str(self.as_str())\n}}\n}}\n\n\
             impl<'de> serde::Deserialize<'de> for {name} {{\n\
             fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n\
             deserializer.deserialize_str(crate::enums::EnumVisitor::<Self>::new(\"a `{name}` string\"))\n}}\n}}\n\n\
             impl crate::events::fast::FastDecode for {name} {{\n\
             fn fast(p: &mut crate::events::fast::Parser<'_>) -> Option<Self> {{\n\
             p.str().map(Self::from)\n}}\n}}\n\n"
        )
        .ok();
    }
    out
}
