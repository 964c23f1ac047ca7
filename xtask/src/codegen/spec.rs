//! Reading Asterisk's ARI spec: Swagger 1.2 JSON, `resources.json` plus one file per resource.
//!
//! Only facts are read (names, paths, types, allowed values, error codes and their short
//! reasons); the prose (`summary`, `notes`, `description`) is deliberately not deserialized.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use sha2::{Digest as _, Sha256};

/// The whole spec as read from one directory.
#[derive(Debug)]
pub(crate) struct Spec {
    /// `apiVersion` of `resources.json` (the ARI version, not Asterisk's).
    pub(crate) ari_version: String,
    /// The resources in the order `resources.json` lists them.
    pub(crate) resources: Vec<Resource>,
    /// SHA-256 of all `*.json` files concatenated in sorted file-name order, lower-case hex.
    pub(crate) sha256: String,
}

/// One resource file, e.g. `channels.json`.
#[derive(Debug)]
pub(crate) struct Resource {
    /// The file stem, e.g. `channels`, `deviceStates`.
    pub(crate) name: String,
    pub(crate) file: ResourceFile,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResourceListing {
    #[serde(rename = "apiVersion")]
    pub(crate) api_version: String,
    pub(crate) apis: Vec<ResourceRef>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResourceRef {
    /// e.g. `/api-docs/channels.{format}`.
    pub(crate) path: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResourceFile {
    #[serde(default)]
    pub(crate) apis: Vec<Api>,
    #[serde(default, deserialize_with = "ordered_map")]
    pub(crate) models: Vec<(String, Model)>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Api {
    pub(crate) path: String,
    pub(crate) operations: Vec<Operation>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Operation {
    #[serde(rename = "httpMethod")]
    pub(crate) http_method: String,
    pub(crate) nickname: String,
    #[serde(rename = "responseClass")]
    pub(crate) response_class: String,
    #[serde(default)]
    pub(crate) parameters: Vec<Parameter>,
    #[serde(default, rename = "errorResponses")]
    pub(crate) error_responses: Vec<ErrorResponse>,
    /// `websocket` for `GET /events`.
    #[serde(default)]
    pub(crate) upgrade: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Parameter {
    pub(crate) name: String,
    #[serde(rename = "paramType")]
    pub(crate) param_type: String,
    #[serde(rename = "dataType")]
    pub(crate) data_type: String,
    #[serde(default)]
    pub(crate) required: Option<bool>,
    #[serde(default, rename = "allowMultiple")]
    pub(crate) allow_multiple: Option<bool>,
    #[serde(default, rename = "defaultValue")]
    pub(crate) default_value: Option<serde_json::Value>,
    #[serde(default, rename = "allowableValues")]
    pub(crate) allowable_values: Option<AllowableValues>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorResponse {
    /// A number, but some files write it as a string (see `fixups`).
    pub(crate) code: serde_json::Value,
    pub(crate) reason: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "valueType")]
pub(crate) enum AllowableValues {
    #[serde(rename = "LIST")]
    List { values: Vec<String> },
    #[serde(rename = "RANGE")]
    Range {
        #[serde(default)]
        min: Option<serde_json::Value>,
        #[serde(default)]
        max: Option<serde_json::Value>,
    },
}

#[derive(Debug, Deserialize)]
pub(crate) struct Model {
    #[serde(default, deserialize_with = "ordered_map")]
    pub(crate) properties: Vec<(String, Property)>,
    #[serde(default, rename = "subTypes")]
    pub(crate) sub_types: Vec<String>,
    #[serde(default)]
    pub(crate) discriminator: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Property {
    #[serde(rename = "type")]
    pub(crate) ty: String,
    #[serde(default)]
    pub(crate) required: Option<bool>,
    #[serde(default, rename = "allowableValues")]
    pub(crate) allowable_values: Option<AllowableValues>,
}

/// A JSON object read as `(key, value)` pairs in document order (models and properties keep
/// the spec's order, so the generated code does too).
fn ordered_map<'de, D, V>(deserializer: D) -> Result<Vec<(String, V)>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Ordered<V>(std::marker::PhantomData<V>);

    impl<'de, V: Deserialize<'de>> Visitor<'de> for Ordered<V> {
        type Value = Vec<(String, V)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry()? {
                out.push(entry);
            }
            Ok(out)
        }
    }

    deserializer.deserialize_map(Ordered(std::marker::PhantomData))
}

impl Spec {
    /// Reads `resources.json` and every resource file it lists from `dir`.
    pub(crate) fn load(dir: &Path) -> Result<Spec> {
        let files = spec_files(dir)?;
        let mut hasher = Sha256::new();
        let mut texts = BTreeMap::new();
        for path in &files {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            hasher.update(&bytes);
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .context("spec file name is not UTF-8")?
                .to_owned();
            texts.insert(name, bytes);
        }
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let listing: ResourceListing = serde_json::from_slice(
            texts
                .get("resources.json")
                .with_context(|| format!("no resources.json in {}", dir.display()))?,
        )
        .context("cannot parse resources.json")?;
        let mut resources = Vec::new();
        for api in &listing.apis {
            let name = api
                .path
                .trim_start_matches("/api-docs/")
                .trim_end_matches(".{format}")
                .to_owned();
            let file_name = format!("{name}.json");
            let bytes = texts
                .get(&file_name)
                .with_context(|| format!("resources.json lists {file_name}, which is missing"))?;
            let file: ResourceFile = serde_json::from_slice(bytes)
                .with_context(|| format!("cannot parse {file_name}"))?;
            resources.push(Resource { name, file });
        }
        if resources.is_empty() {
            bail!("resources.json in {} lists no resources", dir.display());
        }
        Ok(Spec {
            ari_version: listing.api_version,
            resources,
            sha256,
        })
    }
}

/// The `*.json` files of `dir`, sorted by file name.
fn spec_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| {
        format!(
            "cannot read the spec directory {}; install the sandbox (`ari sandbox install`) \
             or pass --spec DIR",
            dir.display()
        )
    })? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}
