//! The generated surface against the spec the running Asterisk serves: every operation, model
//! and event type of `/ari/api-docs` must be in `ari_client::inventory`, and nothing more.

use std::collections::BTreeSet;

use ari_client::inventory::{ARI_VERSION, EVENT_TYPES, MODELS, OPERATIONS};
use ari_client::{Client, Method};
use serde_json::Value;

async fn api_doc(client: &Client, path: &str) -> Value {
    client
        .request(Method::Get, path, &[], None)
        .await
        .unwrap_or_else(|err| panic!("GET {path}: {err}"))
        .json()
        .unwrap()
}

/// What is in `served` and not in `known`, and the reverse, as a readable report.
fn diff(what: &str, served: &BTreeSet<String>, known: &BTreeSet<String>) -> Option<String> {
    let missing: Vec<&String> = served.difference(known).collect();
    let extra: Vec<&String> = known.difference(served).collect();
    if missing.is_empty() && extra.is_empty() {
        return None;
    }
    Some(format!(
        "{what}: served by Asterisk but not in the inventory: {missing:#?}\n\
         {what}: in the inventory but not served: {extra:#?}"
    ))
}

#[tokio::test]
async fn the_inventory_matches_the_spec_asterisk_serves() {
    let client = ari_testkit::client();
    let resources = api_doc(&client, "api-docs/resources.json").await;
    assert_eq!(resources["apiVersion"], ARI_VERSION);
    let files: Vec<String> = resources["apis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|api| {
            api["path"]
                .as_str()
                .unwrap()
                .trim_start_matches('/')
                .replace("{format}", "json")
        })
        .collect();
    assert_eq!(files.len(), 11, "{files:?}");

    let mut operations = BTreeSet::new();
    let mut models = BTreeSet::new();
    let mut event_types = BTreeSet::new();
    for file in &files {
        let doc = api_doc(&client, file).await;
        let resource = file
            .trim_start_matches("api-docs/")
            .trim_end_matches(".json");
        for api in doc["apis"].as_array().unwrap() {
            let path = api["path"].as_str().unwrap();
            for op in api["operations"].as_array().unwrap() {
                operations.insert(format!(
                    "{} {path} {resource}.{}",
                    op["httpMethod"].as_str().unwrap(),
                    op["nickname"].as_str().unwrap()
                ));
            }
        }
        let doc_models = doc["models"].as_object().unwrap();
        models.extend(doc_models.keys().cloned());
        if let Some(subtypes) = doc_models
            .get("Event")
            .and_then(|e| e["subTypes"].as_array())
        {
            event_types.extend(subtypes.iter().map(|t| t.as_str().unwrap().to_owned()));
        }
    }

    let known_operations: BTreeSet<String> = OPERATIONS
        .iter()
        .map(|op| format!("{} {} {}", op.method.as_str(), op.path, op.operation()))
        .collect();
    let known_models: BTreeSet<String> = MODELS.iter().map(|m| (*m).to_owned()).collect();
    let known_events: BTreeSet<String> = EVENT_TYPES.iter().map(|t| (*t).to_owned()).collect();

    let report: Vec<String> = [
        diff("operations", &operations, &known_operations),
        diff("models", &models, &known_models),
        diff("event types", &event_types, &known_events),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
    assert_eq!(
        (operations.len(), models.len(), event_types.len()),
        (109, 85, 45),
        "operations, models, event types"
    );
    assert_eq!(
        (OPERATIONS.len(), MODELS.len(), EVENT_TYPES.len()),
        (109, 85, 45),
        "the inventory repeats itself"
    );
}
