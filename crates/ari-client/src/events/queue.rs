//! A bounded queue between the socket reader and one consumer that never blocks the reader.
//!
//! When the consumer falls `capacity` items behind, further events are dropped and counted; the
//! consumer then receives one [`Message::Lagged`] at the gap, so it knows to resync. Control
//! items (reconnect markers, errors) are never dropped.
//!
//! Frames are queued as Asterisk sent them and decoded by the consumer as it reads them: the
//! decoding work spreads over the consumers' tasks instead of weighing on the socket reader,
//! and an event's strings are allocated and freed on the consumer's thread (a free on another
//! thread than the allocation's contends for the allocator's locks).
//!
//! Events are queued without waking the consumer; the producer wakes it once it has queued
//! every frame the socket had ready. Waking a task that sleeps on another worker thread costs
//! a futex and a context switch, so a burst spread over many subscribers would otherwise pay
//! that once per event instead of once per subscriber and burst.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::{Message, decode_event};
use crate::error::Result;

/// A queued item: a frame still to decode, or a message ready to hand out.
#[derive(Debug)]
enum Item {
    Frame(Utf8Bytes),
    Ready(Result<Message>),
}

impl Item {
    fn into_message(self) -> Result<Message> {
        match self {
            Item::Frame(frame) => Ok(Message::Event(decode_event(frame.as_str()))),
            Item::Ready(item) => item,
        }
    }
}

#[derive(Debug)]
struct State {
    items: VecDeque<Item>,
    missed: u64,
    closed: bool,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    waker: AtomicWaker,
    /// An event was queued since the consumer was last woken.
    wake_due: AtomicBool,
    capacity: usize,
}

/// The producing side, held by the connection task.
#[derive(Debug, Clone)]
pub(crate) struct Sender {
    shared: Arc<Shared>,
}

/// The consuming side, held by the stream.
#[derive(Debug)]
pub(crate) struct Receiver {
    shared: Arc<Shared>,
}

pub(crate) fn bounded(capacity: usize) -> (Sender, Receiver) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            missed: 0,
            closed: false,
        }),
        waker: AtomicWaker::new(),
        wake_due: AtomicBool::new(false),
        capacity: capacity.max(1),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the queue inconsistent: keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn flush_missed(&mut self) {
        if self.missed > 0 {
            let missed = std::mem::take(&mut self.missed);
            self.items
                .push_back(Item::Ready(Ok(Message::Lagged { missed })));
        }
    }
}

impl Sender {
    /// Queues an event without waking the consumer, or counts it as missed when the consumer
    /// is `capacity` behind. Returns `true` for the first event since the last [`Sender::wake`]:
    /// the caller then owes this queue one `wake` (a caller that keeps no list may just call
    /// `wake` after its batch).
    pub(crate) fn push_event(&self, message: Message) -> bool {
        self.push(Item::Ready(Ok(message)))
    }

    /// Queues an event frame, to be decoded when the consumer reads it; otherwise as
    /// [`Sender::push_event`].
    pub(crate) fn push_frame(&self, frame: Utf8Bytes) -> bool {
        self.push(Item::Frame(frame))
    }

    fn push(&self, item: Item) -> bool {
        let mut state = self.shared.lock();
        if state.items.len() >= self.shared.capacity {
            state.missed += 1;
            return false;
        }
        state.flush_missed();
        state.items.push_back(item);
        drop(state);
        !self.shared.wake_due.swap(true, Ordering::AcqRel)
    }

    /// Wakes the consumer if events were queued since it was last woken.
    pub(crate) fn wake(&self) {
        if self.shared.wake_due.swap(false, Ordering::AcqRel) {
            self.shared.waker.wake();
        }
    }

    /// Queues a marker or an error; never dropped.
    pub(crate) fn push_control(&self, item: Result<Message>) {
        let mut state = self.shared.lock();
        state.flush_missed();
        state.items.push_back(Item::Ready(item));
        drop(state);
        self.shared.waker.wake();
    }

    /// Ends the stream after what is queued.
    pub(crate) fn close(&self) {
        self.shared.lock().closed = true;
        self.shared.waker.wake();
    }
}

impl Receiver {
    pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        if let Some(item) = self.try_next() {
            return Poll::Ready(item);
        }
        self.shared.waker.register(cx.waker());
        // Re-check: an item may have arrived between the first look and the registration.
        match self.try_next() {
            Some(item) => Poll::Ready(item),
            None => Poll::Pending,
        }
    }

    /// `Some(Some(item))`: an item; `Some(None)`: closed and drained; `None`: nothing yet.
    fn try_next(&self) -> Option<Option<Result<Message>>> {
        let mut state = self.shared.lock();
        if let Some(item) = state.items.pop_front() {
            // Decoded after the lock is released: the reader keeps queueing meanwhile.
            drop(state);
            return Some(Some(item.into_message()));
        }
        if state.missed > 0 {
            let missed = std::mem::take(&mut state.missed);
            return Some(Some(Ok(Message::Lagged { missed })));
        }
        state.closed.then_some(None)
    }

    /// How many items wait to be read.
    pub(crate) fn len(&self) -> usize {
        self.shared.lock().items.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::Event;

    fn event(n: u64) -> Message {
        Message::Event(Event::Unknown(
            serde_json::json!({ "type": "Test", "n": n }),
        ))
    }

    fn drain(rx: &Receiver) -> Vec<Message> {
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(item)) = rx.poll_next(&mut cx) {
            out.push(item.unwrap());
        }
        out
    }

    #[test]
    fn a_slow_consumer_gets_one_lagged_notice_at_the_gap() {
        let (tx, rx) = bounded(3);
        for n in 0..10 {
            tx.push_event(event(n));
        }
        let got = drain(&rx);
        assert_eq!(got.len(), 4);
        assert!(matches!(got[3], Message::Lagged { missed: 7 }));
        tx.push_event(event(10));
        assert!(matches!(drain(&rx).as_slice(), [Message::Event(_)]));
    }

    #[test]
    fn a_batch_of_events_owes_the_consumer_one_wake_up() {
        let (tx, rx) = bounded(8);
        assert!(
            tx.push_event(event(0)),
            "the first event of a batch asks for a wake-up"
        );
        assert!(!tx.push_event(event(1)));
        tx.wake();
        assert!(tx.push_event(event(2)), "a new batch after the wake-up");
        tx.wake();
        assert_eq!(drain(&rx).len(), 3);
    }

    #[test]
    fn markers_are_never_dropped() {
        let (tx, rx) = bounded(1);
        tx.push_event(event(0));
        tx.push_event(event(1));
        tx.push_control(Ok(Message::Reconnected {
            down_for: Duration::from_secs(1),
            attempts: 2,
        }));
        let got = drain(&rx);
        assert!(matches!(got[1], Message::Lagged { missed: 1 }));
        assert!(matches!(got[2], Message::Reconnected { attempts: 2, .. }));
    }

    #[test]
    fn closing_ends_the_stream_after_the_queued_items() {
        let (tx, rx) = bounded(8);
        tx.push_event(event(0));
        tx.close();
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(matches!(rx.poll_next(&mut cx), Poll::Ready(Some(Ok(_)))));
        assert!(matches!(rx.poll_next(&mut cx), Poll::Ready(None)));
    }
}
