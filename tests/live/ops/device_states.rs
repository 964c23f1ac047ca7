//! `deviceStates`: device states controlled by ARI (`Stasis:<name>`).

use ari_client::Event;
use ari_client::models::DeviceStateValue;

use super::support::{Ctx, assert_status, both_transports};

pub(super) const CALLS: &[&str] = &[
    "deviceStates.list",
    "deviceStates.get",
    "deviceStates.update",
    "deviceStates.delete",
];

both_transports!("deviceStates");

async fn exercise(ctx: &mut Ctx) {
    let client = ctx.client.clone();
    let states = client.device_states();
    let device = format!("Stasis:{}", ctx.app);

    states
        .update(device.as_str(), DeviceStateValue::Busy)
        .await
        .unwrap();
    let state = states.get(device.as_str()).await.unwrap();
    assert_eq!(state.state, DeviceStateValue::Busy);
    let listed = states.list().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|s| s.name == device.as_str() && s.state == DeviceStateValue::Busy),
        "{listed:?}"
    );

    // Subscribed to it, the application hears every change.
    client
        .applications()
        .subscribe(ctx.app.as_str(), [format!("deviceState:{device}")])
        .await
        .unwrap();
    for value in [DeviceStateValue::Ringing, DeviceStateValue::Onhold] {
        states.update(device.as_str(), value.clone()).await.unwrap();
        ctx.wait(&format!("DeviceStateChanged to {value:?}"), |e| {
            matches!(e, Event::DeviceStateChanged(d)
                if d.device_state.name == device.as_str() && d.device_state.state == value)
        })
        .await;
    }
    // Only `Stasis:` devices are ARI's to set.
    let message = assert_status(
        states.update("PJSIP/101", DeviceStateValue::Busy).await,
        409,
    );
    assert_eq!(message, "Uncontrolled device specified");
    assert_status(states.delete("PJSIP/101").await, 409);

    states.delete(device.as_str()).await.unwrap();
    let listed = states.list().await.unwrap();
    assert!(!listed.iter().any(|s| s.name == device.as_str()));
    // A device ARI no longer controls reads as UNKNOWN.
    let gone = states.get(device.as_str()).await.unwrap();
    assert_eq!(gone.state, DeviceStateValue::Unknown);
}
