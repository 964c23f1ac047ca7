//! The spec turned into what the emitters need: Rust names and types, decided once.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context as _, Result, bail};

use super::fixups;
use super::names::{self, DurationParam};
use super::spec::{AllowableValues, Spec};

/// A Rust type of a field or parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    String,
    Bool,
    Int,
    Float,
    Timestamp,
    /// Raw JSON (`object` whose shape the spec leaves open).
    Json,
    /// `BTreeMap<String, String>`.
    StringMap,
    Id(&'static str),
    Enum(String),
    Model(String),
    List(Box<Ty>),
    Duration(DurationParam),
}

impl Ty {
    /// The type as written in generated code.
    pub(crate) fn rust(&self) -> String {
        match self {
            Ty::String => "String".to_owned(),
            Ty::Bool => "bool".to_owned(),
            Ty::Int => "i64".to_owned(),
            Ty::Float => "f64".to_owned(),
            Ty::Timestamp => "crate::time::Timestamp".to_owned(),
            Ty::Json => "serde_json::Value".to_owned(),
            Ty::StringMap => "std::collections::BTreeMap<String, String>".to_owned(),
            Ty::Id(name) => format!("crate::ids::{name}"),
            Ty::Enum(name) | Ty::Model(name) => format!("crate::models::{name}"),
            Ty::List(inner) => format!("Vec<{}>", inner.rust()),
            Ty::Duration(_) => "std::time::Duration".to_owned(),
        }
    }

    /// A short description for docs: `string`, a linked id such as `ChannelId`, "list of" a linked model, ….
    pub(crate) fn doc(&self) -> String {
        match self {
            Ty::String => "string".to_owned(),
            Ty::Bool => "boolean".to_owned(),
            Ty::Int => "integer".to_owned(),
            Ty::Float => "number".to_owned(),
            Ty::Timestamp => "[`Timestamp`](crate::time::Timestamp)".to_owned(),
            Ty::Json => "JSON".to_owned(),
            Ty::StringMap => "map of strings".to_owned(),
            Ty::Id(name) => format!("[`{name}`](crate::ids::{name})"),
            Ty::Enum(name) | Ty::Model(name) => format!("[`{name}`](crate::models::{name})"),
            Ty::List(inner) => format!("list of {}", inner.doc()),
            Ty::Duration(d) => format!("duration, sent in whole {}", d.unit.name()),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Ir {
    pub(crate) asterisk_version: String,
    pub(crate) ari_version: String,
    pub(crate) sha256: String,
    pub(crate) resources: Vec<ResourceIr>,
    /// Every model, in spec order (resource by resource).
    pub(crate) models: Vec<ModelIr>,
    pub(crate) enums: BTreeMap<String, EnumIr>,
    /// The subtypes of `Event`, in spec order.
    pub(crate) events: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct ResourceIr {
    /// e.g. `deviceStates`.
    pub(crate) name: String,
    pub(crate) ops: Vec<OpIr>,
}

#[derive(Debug)]
pub(crate) struct OpIr {
    pub(crate) resource: String,
    pub(crate) nickname: String,
    /// `Get`, `Post`, `Put` or `Delete`.
    pub(crate) method: &'static str,
    pub(crate) path: String,
    pub(crate) params: Vec<ParamIr>,
    pub(crate) response: Response,
    /// The spec's response class, e.g. `List[Channel]`.
    pub(crate) response_class: String,
    pub(crate) errors: Vec<(u16, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Path,
    Query,
    Body,
}

#[derive(Debug)]
pub(crate) struct ParamIr {
    pub(crate) spec_name: String,
    pub(crate) rust_name: String,
    pub(crate) location: Location,
    /// For `allowMultiple`, a `Ty::List`.
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    pub(crate) default: Option<String>,
    pub(crate) allowed: Option<AllowableValues>,
}

#[derive(Debug, PartialEq)]
pub(crate) enum Response {
    Empty,
    Bytes,
    Json(Ty),
    WebSocket,
}

#[derive(Debug)]
pub(crate) struct ModelIr {
    pub(crate) name: String,
    pub(crate) resource: String,
    pub(crate) fields: Vec<FieldIr>,
    pub(crate) kind: ModelKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ModelKind {
    /// A plain struct.
    Plain,
    /// A subtype of `Message`: `type` is implied by the struct and written on output.
    Message { is_event: bool },
    /// `Event` itself: the enum of its subtypes, generated in `events.rs`.
    EventBase,
}

#[derive(Debug)]
pub(crate) struct FieldIr {
    pub(crate) spec_name: String,
    pub(crate) rust_name: String,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    pub(crate) spec_type: String,
    /// Declared by a parent model (`Message`, `Event`).
    pub(crate) inherited_from: Option<String>,
    pub(crate) allowed: Option<AllowableValues>,
}

#[derive(Debug, Default)]
pub(crate) struct EnumIr {
    pub(crate) values: Vec<String>,
    /// `Channel.state`, `channels.hangup(reason)`, …
    pub(crate) used_by: Vec<String>,
}

impl EnumIr {
    fn add(&mut self, values: &[String], user: String) {
        for v in values {
            if !self.values.contains(v) {
                self.values.push(v.clone());
            }
        }
        self.used_by.push(user);
    }
}

fn method(http: &str) -> Result<&'static str> {
    Ok(match http.to_ascii_uppercase().as_str() {
        "GET" => "Get",
        "POST" => "Post",
        "PUT" => "Put",
        "DELETE" => "Delete",
        other => bail!("unknown HTTP method {other}"),
    })
}

fn list_values(allowed: &Option<AllowableValues>) -> Option<&[String]> {
    match allowed {
        Some(AllowableValues::List { values }) => Some(values),
        _ => None,
    }
}

impl Ir {
    pub(crate) fn build(spec: &Spec, asterisk_version: String) -> Result<Ir> {
        let model_names: BTreeSet<String> = spec
            .resources
            .iter()
            .flat_map(|r| r.file.models.iter().map(|(name, _)| name.clone()))
            .collect();
        // child → parent, from the parents' `subTypes`.
        let mut parent = BTreeMap::new();
        let mut all_models = BTreeMap::new();
        for r in &spec.resources {
            for (name, model) in &r.file.models {
                for sub in &model.sub_types {
                    parent.insert(sub.clone(), name.clone());
                }
                all_models.insert(name.clone(), model);
            }
        }
        let events: Vec<String> = all_models
            .get("Event")
            .map(|m| m.sub_types.clone())
            .unwrap_or_default();
        let mut enums: BTreeMap<String, EnumIr> = BTreeMap::new();

        let mut models = Vec::new();
        for r in &spec.resources {
            for (name, model) in &r.file.models {
                let mut ancestors = Vec::new();
                let mut cur = name.clone();
                while let Some(p) = parent.get(&cur) {
                    ancestors.push(p.clone());
                    cur = p.clone();
                    if ancestors.len() > 16 {
                        bail!("model {name} has a cyclic parent chain");
                    }
                }
                let kind = if name == "Event" {
                    ModelKind::EventBase
                } else if ancestors.is_empty() {
                    ModelKind::Plain
                } else {
                    ModelKind::Message {
                        is_event: ancestors.iter().any(|a| a == "Event"),
                    }
                };
                let mut fields = Vec::new();
                let mut sources = vec![(None, model)];
                for a in &ancestors {
                    let m = all_models
                        .get(a)
                        .with_context(|| format!("{name} extends unknown model {a}"))?;
                    sources.push((Some(a.clone()), *m));
                }
                for (inherited_from, m) in sources {
                    for (field, prop) in &m.properties {
                        // The discriminator of a subtype is implied by its struct.
                        if kind != ModelKind::Plain
                            && m.discriminator.as_deref() == Some(field.as_str())
                        {
                            continue;
                        }
                        let values = list_values(&prop.allowable_values);
                        let ty = field_type(name, field, &prop.ty, values, &model_names)?;
                        if let (Some(values), Ty::Enum(e)) = (values, base(&ty)) {
                            enums
                                .entry(e.clone())
                                .or_default()
                                .add(values, format!("`{name}.{field}`"));
                        }
                        let mut required = prop.required.unwrap_or(false);
                        if inherited_from.is_some() && fixups::inherited_event_fields_are_optional()
                        {
                            required = false;
                        }
                        fields.push(FieldIr {
                            spec_name: field.clone(),
                            rust_name: names::field_name(field),
                            ty,
                            required,
                            spec_type: prop.ty.clone(),
                            inherited_from: inherited_from.clone(),
                            allowed: prop.allowable_values.clone(),
                        });
                    }
                }
                models.push(ModelIr {
                    name: name.clone(),
                    resource: r.name.clone(),
                    fields,
                    kind,
                });
            }
        }

        let mut resources = Vec::new();
        for r in &spec.resources {
            let mut ops = Vec::new();
            for api in &r.file.apis {
                for op in &api.operations {
                    let websocket = fixups::is_websocket_upgrade(op.upgrade.as_deref());
                    let mut params = Vec::new();
                    for p in &op.parameters {
                        let location = match p.param_type.as_str() {
                            "path" => Location::Path,
                            "query" => Location::Query,
                            "body" => Location::Body,
                            other => bail!(
                                "{}.{}: unknown paramType {other} of {}",
                                r.name,
                                op.nickname,
                                p.name
                            ),
                        };
                        let values = list_values(&p.allowable_values);
                        let elem = param_type(&r.name, &op.nickname, p, values, &model_names)?;
                        if let (Some(values), Ty::Enum(e)) = (values, &elem) {
                            enums
                                .entry(e.clone())
                                .or_default()
                                .add(values, format!("`{}.{}({})`", r.name, op.nickname, p.name));
                        }
                        let ty = if p.allow_multiple.unwrap_or(false) {
                            Ty::List(Box::new(elem))
                        } else {
                            elem
                        };
                        params.push(ParamIr {
                            spec_name: p.name.clone(),
                            rust_name: names::param_name(&r.name, &op.nickname, &p.name),
                            location,
                            ty,
                            required: p.required.unwrap_or(false),
                            default: p.default_value.as_ref().map(|v| match v {
                                serde_json::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            }),
                            allowed: p.allowable_values.clone(),
                        });
                    }
                    let response = if websocket {
                        Response::WebSocket
                    } else {
                        match op.response_class.as_str() {
                            "void" => Response::Empty,
                            "binary" => Response::Bytes,
                            other => Response::Json(model_type(other, &model_names)?),
                        }
                    };
                    let mut errors = Vec::new();
                    for e in &op.error_responses {
                        let code = e
                            .code
                            .as_u64()
                            .and_then(|c| u16::try_from(c).ok())
                            .with_context(|| {
                                format!("{}.{}: bad error code {}", r.name, op.nickname, e.code)
                            })?;
                        errors.push((code, e.reason.clone()));
                    }
                    errors.sort_by_key(|(code, _)| *code);
                    ops.push(OpIr {
                        resource: r.name.clone(),
                        nickname: op.nickname.clone(),
                        method: method(&op.http_method)?,
                        path: api.path.clone(),
                        params,
                        response,
                        response_class: op.response_class.clone(),
                        errors,
                    });
                }
            }
            resources.push(ResourceIr {
                name: r.name.clone(),
                ops,
            });
        }
        Ok(Ir {
            asterisk_version,
            ari_version: spec.ari_version.clone(),
            sha256: spec.sha256.clone(),
            resources,
            models,
            enums,
            events,
        })
    }

    pub(crate) fn model(&self, name: &str) -> Option<&ModelIr> {
        self.models.iter().find(|m| m.name == name)
    }

    pub(crate) fn operations(&self) -> impl Iterator<Item = &OpIr> {
        self.resources.iter().flat_map(|r| r.ops.iter())
    }
}

/// The element type of a list, or the type itself.
pub(crate) fn base(ty: &Ty) -> &Ty {
    match ty {
        Ty::List(inner) => base(inner),
        other => other,
    }
}

fn model_type(class: &str, models: &BTreeSet<String>) -> Result<Ty> {
    if let Some(inner) = class
        .strip_prefix("List[")
        .and_then(|s| s.strip_suffix(']'))
    {
        return Ok(Ty::List(Box::new(model_type(inner, models)?)));
    }
    if models.contains(class) {
        Ok(Ty::Model(class.to_owned()))
    } else {
        bail!("unknown response class {class}")
    }
}

fn field_type(
    model: &str,
    field: &str,
    spec_type: &str,
    values: Option<&[String]>,
    models: &BTreeSet<String>,
) -> Result<Ty> {
    if let Some(inner) = spec_type
        .strip_prefix("List[")
        .and_then(|s| s.strip_suffix(']'))
    {
        return Ok(Ty::List(Box::new(field_type(
            model, field, inner, values, models,
        )?)));
    }
    Ok(match spec_type {
        "string" => {
            if values.is_some() {
                Ty::Enum(names::field_enum(model, field))
            } else if let Some(id) = names::field_id(model, field) {
                Ty::Id(id)
            } else {
                Ty::String
            }
        }
        "boolean" => Ty::Bool,
        "int" | "long" => Ty::Int,
        "double" | "float" => Ty::Float,
        "Date" => Ty::Timestamp,
        "object" if names::is_string_map(model, field) => Ty::StringMap,
        "object" => Ty::Json,
        // `Event` is the enum of all events.
        other if models.contains(other) => Ty::Model(other.to_owned()),
        other => bail!("{model}.{field}: unknown type {other}"),
    })
}

fn param_type(
    resource: &str,
    nickname: &str,
    p: &super::spec::Parameter,
    values: Option<&[String]>,
    models: &BTreeSet<String>,
) -> Result<Ty> {
    let name = p.name.as_str();
    Ok(match (p.param_type.as_str(), p.data_type.as_str()) {
        ("body", "containers") if name == "variables" => Ty::StringMap,
        ("body", "containers") if name == "fields" && models.contains("ConfigTuple") => {
            Ty::List(Box::new(Ty::Model("ConfigTuple".to_owned())))
        }
        ("body", _) => Ty::Json,
        (_, "string") => {
            if values.is_some() {
                Ty::Enum(names::param_enum(resource, nickname, name))
            } else if let Some(id) = names::param_id(resource, nickname, name) {
                Ty::Id(id)
            } else {
                Ty::String
            }
        }
        (_, "int" | "long") => match names::duration_param(resource, nickname, name) {
            Some(d) => Ty::Duration(d),
            None => Ty::Int,
        },
        (_, "boolean") => Ty::Bool,
        (_, "double" | "float") => Ty::Float,
        (_, other) => bail!("{resource}.{nickname}({name}): unknown data type {other}"),
    })
}
