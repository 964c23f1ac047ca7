//! Two connections for one application: Asterisk hands the application to the newer one and
//! tells the older one, which must stop instead of taking it back.

use std::time::Duration;

use ari_client::Event;
use ari_client::events::Message;
use ari_testkit::unique_app;
use futures_util::StreamExt as _;

#[tokio::test]
async fn the_replaced_connection_reports_it_and_stops() {
    let client = ari_testkit::client();
    let app = unique_app("replaced");
    let mut first = client
        .events([app.as_str()])
        .backoff(Duration::from_millis(50), Duration::from_millis(200))
        .connect()
        .await
        .unwrap();
    let mut second = client.events([app.as_str()]).connect().await.unwrap();
    let mut seen = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(item) = first.next().await {
            match item {
                Ok(Message::Event(e)) => seen.push(format!("event {}", e.event_type())),
                Ok(other) => seen.push(format!("{other:?}")),
                Err(err) => {
                    seen.push(format!("error {err}"));
                    return Some(err);
                }
            }
        }
        None
    })
    .await;
    let err = ended
        .expect("the replaced stream ends instead of reconnecting")
        .expect("with an error");
    assert!(err.is_application_replaced(), "{err}");
    assert!(err.to_string().contains(&app), "{err}");
    assert_eq!(
        seen.first().map(String::as_str),
        Some("event ApplicationReplaced"),
        "{seen:?}"
    );
    // And then the stream is over: it does not reconnect and take the application back.
    assert!(first.next().await.is_none());
    // The newer connection keeps the application.
    client
        .events_api()
        .user_event("still", app.as_str())
        .await
        .unwrap();
    loop {
        let item = tokio::time::timeout(Duration::from_secs(5), second.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Event(Event::ChannelUserevent(_)) = item {
            break;
        }
    }
}
