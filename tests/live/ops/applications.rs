//! `applications`: the registered Stasis applications, their subscriptions and event filters.

use ari_client::Event;
use ari_client::models::DeviceStateValue;

use super::support::{Ctx, assert_status, both_transports};

pub(super) const CALLS: &[&str] = &[
    "applications.list",
    "applications.get",
    "applications.subscribe",
    "applications.unsubscribe",
    "applications.filter",
];

both_transports!("applications");

async fn exercise(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let applications = client.applications();
    let app = ctx.app.clone();

    // Our connected application is registered, with nothing subscribed yet.
    let listed = ari_testkit::list_applications(&client).await;
    assert!(listed.iter().any(|a| a.name == app.as_str()), "{listed:?}");
    let got = applications.get(app.as_str()).await.unwrap();
    assert_eq!(got.name, app.as_str());
    assert!(got.channel_ids.is_empty() && got.device_names.is_empty());
    assert_status(applications.get(format!("{app}_none")).await, 404);

    // A subscription to a device state brings its changes.
    let device = format!("Stasis:{app}-device");
    let source = format!("deviceState:{device}");
    client
        .device_states()
        .update(device.as_str(), DeviceStateValue::NotInuse)
        .await
        .unwrap();
    let subscribed = applications
        .subscribe(app.as_str(), [source.as_str()])
        .await
        .unwrap();
    assert!(
        subscribed
            .device_names
            .iter()
            .any(|d| *d == device.as_str())
    );
    let read_back = applications.get(app.as_str()).await.unwrap();
    assert_eq!(read_back.device_names, subscribed.device_names);
    client
        .device_states()
        .update(device.as_str(), DeviceStateValue::Inuse)
        .await
        .unwrap();
    ctx.wait("DeviceStateChanged to INUSE", |e| {
        matches!(e, Event::DeviceStateChanged(d)
            if d.device_state.name == device.as_str()
                && d.device_state.state == DeviceStateValue::Inuse)
    })
    .await;

    let unsubscribed = applications
        .unsubscribe(app.as_str(), [source.as_str()])
        .await
        .unwrap();
    assert!(
        !unsubscribed
            .device_names
            .iter()
            .any(|d| *d == device.as_str())
    );
    assert_status(
        applications
            .unsubscribe(app.as_str(), [source.as_str()])
            .await,
        422,
    );
    client
        .device_states()
        .delete(device.as_str())
        .await
        .unwrap();

    // Event filters: what is set reads back; with only `StasisStart` allowed, a new channel
    // brings its `StasisStart` and none of the events Asterisk sends before it (Dial,
    // ChannelVarset, ChannelStateChange); cleared, all flow again.
    let disallowed = applications
        .filter(app.as_str())
        .disallowed(["ChannelUserevent"])
        .await
        .unwrap();
    assert_eq!(
        disallowed.events_disallowed,
        [serde_json::json!({"type": "ChannelUserevent"})]
    );
    assert_eq!(
        applications
            .get(app.as_str())
            .await
            .unwrap()
            .events_disallowed,
        disallowed.events_disallowed
    );
    // An allowed list applies to REST answers on the WebSocket too: without `RESTResponse`
    // in it, REST over the WebSocket would never hear back.
    let allowed = applications
        .filter(app.as_str())
        .allowed(["StasisStart", "RESTResponse"])
        .disallowed(Vec::<String>::new())
        .await
        .unwrap();
    assert_eq!(
        allowed.events_allowed,
        [
            serde_json::json!({"type": "StasisStart"}),
            serde_json::json!({"type": "RESTResponse"})
        ]
    );
    assert!(allowed.events_disallowed.is_empty());
    let before = ctx.log.seen().len();
    let channel = ctx.originate_into_app("filtered", "wait").await;
    let types: Vec<&str> = ctx.log.seen()[before..]
        .iter()
        .filter(|e| e.channel_id() == Some(&channel))
        .map(Event::event_type)
        .collect();
    assert_eq!(types, ["StasisStart"], "the filter let through {types:?}");

    // Cleared by a filter request without setters: it sends `{}` (a request with no body at
    // all clears the filter over HTTP, but over the WebSocket Asterisk 22.10.1 answers 400).
    let cleared = applications.filter(app.as_str()).await.unwrap();
    assert!(cleared.events_allowed.is_empty() && cleared.events_disallowed.is_empty());
    client.channels().hangup(&channel).await.unwrap();
    ctx.wait_stasis_end(channel.as_str()).await;
}
