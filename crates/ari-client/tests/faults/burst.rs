//! A burst of events against fast and slow consumers: nothing lost silently, order kept, and
//! the socket drained whatever the consumer does.

use std::time::Duration;

use ari_client::events::Message;

use crate::support::{APP, FakeAri, next_message, seq_of, test_event};

const BURST: u64 = 20_000;

fn burst() -> Vec<String> {
    (0..BURST).map(test_event).collect()
}

#[tokio::test]
async fn a_consumer_that_keeps_up_gets_the_whole_burst_in_order() {
    let server = FakeAri::start().await;
    let mut stream = server.client().events([APP]).connect().await.unwrap();
    let conn = server.next_ws().await;

    let sent = conn.burst(burst());
    for expected in 0..BURST {
        let message = next_message(&mut stream).await;
        assert_eq!(seq_of(&message), Some(expected), "{message:?}");
    }
    tokio::time::timeout(Duration::from_secs(10), sent)
        .await
        .expect("the server never finished the burst")
        .unwrap();
}

#[tokio::test]
async fn a_slow_consumer_is_told_what_it_missed_and_the_socket_keeps_draining() {
    let server = FakeAri::start().await;
    let mut stream = server
        .client()
        .events([APP])
        .capacity(100)
        .connect()
        .await
        .unwrap();
    let conn = server.next_ws().await;

    let mut sent = conn.burst(burst());
    let mut sent_in = None;
    let (mut delivered, mut missed, mut lagged) = (0_u64, 0_u64, 0_u32);
    let mut next_seq = 0_u64;
    while delivered + missed < BURST {
        match next_message(&mut stream).await {
            Message::Lagged { missed: n } => {
                assert!(n > 0);
                missed += n;
                lagged += 1;
                next_seq += n;
            }
            message => {
                let seq = seq_of(&message).unwrap_or_else(|| panic!("unexpected {message:?}"));
                // In order, and every gap is exactly the one announced by `Lagged`.
                assert_eq!(seq, next_seq, "out of order or an unannounced gap");
                next_seq += 1;
                delivered += 1;
            }
        }
        if sent_in.is_none() {
            sent_in = sent.try_recv().ok();
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    assert_eq!(delivered + missed, BURST);
    assert!(
        lagged >= 1,
        "a consumer 1 ms per item behind a burst was never told it lagged"
    );
    assert!(missed > 0);
    // Events were dropped by the reader, so it read them while the consumer slept: the socket
    // was drained, and the server was done long before a slow reader would have let it be.
    let sent_in = match sent_in {
        Some(took) => took,
        None => tokio::time::timeout(Duration::from_secs(5), sent)
            .await
            .expect("the server's sending was blocked")
            .unwrap(),
    };
    assert!(
        sent_in < Duration::from_secs(5),
        "the server needed {sent_in:?} to send the burst"
    );
    assert!(
        delivered < BURST / 2,
        "a consumer this slow should have missed most of the burst, got {delivered}"
    );
}

#[tokio::test]
async fn a_reconnect_marker_is_never_dropped_by_a_full_queue() {
    let server = FakeAri::start().await;
    let mut stream = server
        .client()
        .events([APP])
        .capacity(10)
        .backoff(Duration::from_millis(10), Duration::from_millis(40))
        .connect()
        .await
        .unwrap();
    let conn = server.next_ws().await;

    // Nobody reads while 50 events arrive and the connection is lost and back.
    let sent = conn.burst((0..50).map(test_event).collect());
    tokio::time::timeout(Duration::from_secs(5), sent)
        .await
        .unwrap()
        .unwrap();
    conn.close();
    let _conn = server.next_ws().await;

    for expected in 0..10 {
        let message = next_message(&mut stream).await;
        assert_eq!(seq_of(&message), Some(expected), "{message:?}");
    }
    match next_message(&mut stream).await {
        Message::Lagged { missed } => assert_eq!(missed, 40),
        other => panic!("expected the gap, got {other:?}"),
    }
    match next_message(&mut stream).await {
        Message::Reconnected { attempts, .. } => assert!(attempts >= 1),
        other => panic!("expected the reconnect marker, got {other:?}"),
    }
}
