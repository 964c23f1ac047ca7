//! REST over the events WebSocket (Asterisk 22.4+): `RESTRequest` out, `RESTResponse` back.
//!
//! Each request gets a client-generated transaction id; the connection task keeps the requests
//! written but not yet answered. A request that could not be written fails as *not sent*
//! (safe to retry); one written before the connection dropped fails as *outcome unknown*.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::SinkExt as _;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite;

use super::fast;
use crate::client::{RawResponse, Request, api_error};
use crate::error::{Error, ErrorKind, Result};

type Reply = oneshot::Sender<Result<RawResponse>>;

/// A request on its way to the connection task.
#[derive(Debug)]
pub(crate) struct Outgoing {
    transaction_id: TransactionId,
    operation: &'static str,
    errors: &'static [(u16, &'static str)],
    frame: String,
    reply: Reply,
}

/// Requests written to the socket and waiting for their `RESTResponse`.
pub(crate) type Pending = Arc<Mutex<HashMap<TransactionId, InFlight>>>;

/// A request's transaction id: a number, written as 16 hex digits in the frame (Asterisk
/// echoes it as a string), so matching an answer allocates nothing.
type TransactionId = u64;

/// The next transaction id of this process. Answers come back on the socket that sent the
/// request, so a counter would do; the random start keeps ids from repeating across processes
/// and restarts, so that one names one request in Asterisk's logs and in packet captures.
fn next_transaction_id() -> TransactionId {
    static NEXT: std::sync::LazyLock<std::sync::atomic::AtomicU64> =
        std::sync::LazyLock::new(|| std::sync::atomic::AtomicU64::new(rand::random()));
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Reads a transaction id as [`RestRequestFrame`] writes it; any other text is not ours.
fn parse_transaction_id(text: &str) -> Option<TransactionId> {
    if text.len() != 16 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    TransactionId::from_str_radix(text, 16).ok()
}

#[derive(Debug)]
pub(crate) struct InFlight {
    operation: &'static str,
    errors: &'static [(u16, &'static str)],
    reply: Reply,
}

/// The handle through which a [`Client`](crate::Client) sends requests over one socket, or
/// spreads them over several (see [`RestSocketsBuilder`](super::RestSocketsBuilder)).
#[derive(Debug, Clone)]
pub(crate) struct RestChannel {
    lanes: Arc<[Lane]>,
    /// Keeps the sockets of a pool open while any client uses it.
    _sockets: Option<Arc<[oneshot::Sender<()>]>>,
}

/// One socket's queue of requests, with how many of them await their answer.
#[derive(Debug)]
struct Lane {
    out: mpsc::UnboundedSender<Outgoing>,
    in_flight: AtomicUsize,
}

/// Counts a request as in flight on its lane until it is answered, times out or is dropped.
struct InFlightGuard<'a>(&'a Lane);

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

fn not_sent(operation: &'static str, why: &str) -> Error {
    Error::transport(operation, false, why.to_owned())
}

fn lock(pending: &Pending) -> std::sync::MutexGuard<'_, HashMap<TransactionId, InFlight>> {
    pending.lock().unwrap_or_else(|e| e.into_inner())
}

impl RestChannel {
    pub(crate) fn new(out: mpsc::UnboundedSender<Outgoing>) -> Self {
        Self {
            lanes: Arc::new([Lane {
                out,
                in_flight: AtomicUsize::new(0),
            }]),
            _sockets: None,
        }
    }

    /// One channel over several sockets, each request taking the one with the fewest requests
    /// awaiting an answer; the sockets close when the last clone is dropped.
    pub(crate) fn pool(channels: &[RestChannel], sockets: Vec<oneshot::Sender<()>>) -> Self {
        let lanes: Vec<Lane> = channels
            .iter()
            .flat_map(|channel| channel.lanes.iter())
            .map(|lane| Lane {
                out: lane.out.clone(),
                in_flight: AtomicUsize::new(0),
            })
            .collect();
        Self {
            lanes: lanes.into(),
            _sockets: Some(sockets.into()),
        }
    }

    /// How many sockets the requests are spread over.
    pub(crate) fn sockets(&self) -> usize {
        self.lanes.len()
    }

    /// The open socket not `tried` yet with the fewest requests awaiting an answer.
    fn least_busy_lane(&self, tried: &[bool]) -> Option<(usize, &Lane)> {
        self.lanes
            .iter()
            .enumerate()
            .filter(|(index, lane)| {
                !tried.get(*index).copied().unwrap_or(false) && !lane.out.is_closed()
            })
            .min_by_key(|(_, lane)| lane.in_flight.load(Ordering::Relaxed))
    }

    pub(crate) async fn execute(&self, req: Request, timeout: Duration) -> Result<RawResponse> {
        let transaction_id = next_transaction_id();
        let uri = if req.query.is_empty() {
            std::borrow::Cow::Borrowed(req.path.as_str())
        } else {
            let mut uri = req.path.clone();
            uri.push('?');
            url::form_urlencoded::Serializer::for_suffix(&mut uri, req.path.len() + 1)
                .extend_pairs(req.query.iter().map(|(k, v)| (*k, v.as_str())));
            std::borrow::Cow::Owned(uri)
        };
        let frame = RestRequestFrame {
            kind: "RESTRequest",
            transaction_id: HexId(transaction_id),
            request_id: HexId(transaction_id),
            method: req.method.as_str(),
            uri: &uri,
            content_type: req.body.as_ref().map(|_| "application/json"),
            message_body: req.body.as_ref().map(ToString::to_string),
        };
        let mut frame = serde_json::to_string(&frame).map_err(|err| {
            Error::config(format!(
                "cannot encode the request of {}: {err}",
                req.operation
            ))
        })?;
        let deadline = super::socket::deadline_after(timeout);
        // A socket that is down refuses a request as not sent; a pool then tries its other
        // sockets, each once, so one reconnecting socket costs the caller nothing.
        let mut tried = vec![false; self.lanes.len()];
        let mut refused = None;
        while let Some((index, lane)) = self.least_busy_lane(&tried) {
            tried[index] = true;
            // The frame is copied only while another socket could still take it.
            let frame = if tried.iter().all(|&t| t) {
                std::mem::take(&mut frame)
            } else {
                frame.clone()
            };
            let (reply, answer) = oneshot::channel();
            let outgoing = Outgoing {
                transaction_id,
                operation: req.operation,
                errors: req.errors,
                frame,
                reply,
            };
            match lane.call(outgoing, answer, deadline).await {
                Err(err) if err.is_not_sent() => refused = Some(err),
                answered => return answered,
            }
        }
        Err(refused.unwrap_or_else(|| not_sent(req.operation, "the event websocket is closed")))
    }
}

impl Lane {
    async fn call(
        &self,
        outgoing: Outgoing,
        answer: oneshot::Receiver<Result<RawResponse>>,
        deadline: tokio::time::Instant,
    ) -> Result<RawResponse> {
        let operation = outgoing.operation;
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        let _in_flight = InFlightGuard(self);
        if self.out.send(outgoing).is_err() {
            return Err(not_sent(operation, "the event websocket is closed"));
        }
        match tokio::time::timeout_at(deadline, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::transport(
                operation,
                true,
                "the event websocket task ended".to_owned(),
            )),
            Err(_) => Err(Error::new(ErrorKind::Timeout { operation })),
        }
    }
}

/// The most requests written before one flush.
const WRITE_BATCH: usize = 64;

/// Writes `first` and the requests already queued behind it (up to a batch), then flushes once:
/// a burst of concurrent requests costs one write, and Asterisk one read, instead of one each.
///
/// A request that could not be buffered is answered as not sent. A failed flush leaves the
/// batch in flight: the caller drops the connection and [`fail_all`] answers them as
/// *outcome unknown*, since part of the batch may have reached Asterisk.
pub(crate) async fn send_queued<S>(
    socket: &mut S,
    first: Outgoing,
    queued: &mut mpsc::UnboundedReceiver<Outgoing>,
    pending: &Pending,
) -> std::result::Result<(), String>
where
    S: futures_util::Sink<tungstenite::Message, Error = tungstenite::Error> + Unpin,
{
    let mut next = Some(first);
    let mut written = 0;
    while let Some(out) = next.take() {
        feed(socket, out, pending).await?;
        written += 1;
        if written < WRITE_BATCH {
            next = queued.try_recv().ok();
        }
    }
    socket.flush().await.map_err(|err| err.to_string())
}

/// Buffers one request for writing; on failure it is answered as not sent.
///
/// The request counts as in flight from before the write: should the write be abandoned
/// half-way (the connection task gives up on a stalled peer), [`fail_all`] answers it as
/// *outcome unknown* instead of its caller seeing the reply channel vanish.
async fn feed<S>(
    socket: &mut S,
    out: Outgoing,
    pending: &Pending,
) -> std::result::Result<(), String>
where
    S: futures_util::Sink<tungstenite::Message, Error = tungstenite::Error> + Unpin,
{
    let Outgoing {
        transaction_id,
        operation,
        errors,
        frame,
        reply,
    } = out;
    lock(pending).insert(
        transaction_id,
        InFlight {
            operation,
            errors,
            reply,
        },
    );
    match socket.feed(tungstenite::Message::Text(frame.into())).await {
        Ok(()) => Ok(()),
        Err(err) => {
            let text = err.to_string();
            if let Some(flight) = lock(pending).remove(&transaction_id) {
                let _ = flight.reply.send(Err(not_sent(flight.operation, &text)));
            }
            Err(text)
        }
    }
}

/// Answers a request that was not written (the connection is down or closed): not sent, safe
/// to retry.
pub(crate) fn refuse(out: Outgoing, why: &str) {
    let _ = out.reply.send(Err(not_sent(out.operation, why)));
}

/// The connection dropped: every request written and unanswered has an unknown outcome.
pub(crate) fn fail_all(pending: &Pending) {
    for (_, flight) in lock(pending).drain() {
        let _ = flight.reply.send(Err(Error::transport(
            flight.operation,
            true,
            "the event websocket dropped after the request was sent".to_owned(),
        )));
    }
}

/// Forgets requests whose caller stopped waiting (its timeout passed): Asterisk may never
/// answer them, and on a connection that lives for days the table must not keep them all. An
/// answer that comes later is delivered as a `RESTResponse` event, as it would be before the
/// sweep.
pub(crate) fn forget_abandoned(pending: &Pending) {
    lock(pending).retain(|_, flight| !flight.reply.is_closed());
}

/// A `RESTRequest` message as Asterisk reads it.
#[derive(Serialize)]
struct RestRequestFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    transaction_id: HexId,
    request_id: HexId,
    method: &'a str,
    uri: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_type: Option<&'static str>,
    /// The JSON body, as a string (Asterisk's format).
    #[serde(skip_serializing_if = "Option::is_none")]
    message_body: Option<String>,
}

/// A transaction id as the frame carries it: 16 hex digits, written without allocating.
struct HexId(TransactionId);

impl Serialize for HexId {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{:016x}", self.0))
    }
}

/// If `text`, a `RESTResponse` frame, answers one of our requests, delivers the answer and
/// returns true.
pub(crate) fn take_response(text: &str, pending: &Pending) -> bool {
    // The reader specialised for Asterisk's JSON first, serde for whatever it does not take;
    // the project's test runs check that both agree.
    let answer = match fast::rest_answer(text) {
        Some(answer) => {
            #[cfg(feature = "self-check")]
            assert_eq!(Some(&answer), fast::rest_answer_by_serde(text).as_ref());
            answer
        }
        None => match fast::rest_answer_by_serde(text) {
            Some(answer) => answer,
            None => return false,
        },
    };
    let Some(id) = parse_transaction_id(&answer.transaction_id) else {
        return false;
    };
    let Some(flight) = lock(pending).remove(&id) else {
        return false;
    };
    // The caller stopped waiting (its timeout passed): like an answer whose entry was already
    // swept, it goes to the event consumers, so the outcome is not lost.
    if flight.reply.is_closed() {
        return false;
    }
    let body = answer.body;
    let status = answer.status_code;
    let result = if (200..300).contains(&status) {
        Ok(RawResponse { status, body })
    } else if status == 401 {
        Err(Error::new(ErrorKind::Auth {
            operation: flight.operation,
        }))
    } else {
        Err(Error::new(ErrorKind::Api(api_error(
            flight.operation,
            status,
            &body,
            flight.errors,
        ))))
    };
    let _ = flight.reply.send(result);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_flight(pending: &Pending, id: TransactionId) -> oneshot::Receiver<Result<RawResponse>> {
        let (reply, answer) = oneshot::channel();
        let flight = InFlight {
            operation: "getInfo",
            errors: &[],
            reply,
        };
        lock(pending).insert(id, flight);
        answer
    }

    fn answer(id: &str, body: &str) -> String {
        format!(r#"{{"type":"RESTResponse","transaction_id":"{id}","status_code":200{body}}}"#)
    }

    #[test]
    fn requests_whose_caller_gave_up_are_forgotten_and_the_others_kept() {
        let pending: Pending = Arc::default();
        let waiting = in_flight(&pending, 1);
        drop(in_flight(&pending, 2));
        forget_abandoned(&pending);
        let left: Vec<TransactionId> = lock(&pending).keys().copied().collect();
        assert_eq!(left, [1]);
        assert!(take_response(&answer("0000000000000001", ""), &pending));
        drop(waiting);
        // A late answer, whether its entry was swept or its caller just left, is not taken.
        assert!(!take_response(&answer("0000000000000002", ""), &pending));
        drop(in_flight(&pending, 3));
        assert!(!take_response(&answer("0000000000000003", ""), &pending));
    }

    #[test]
    fn transaction_ids_are_read_back_as_they_are_written() {
        for id in [0, 1, 0xabc, u64::MAX, next_transaction_id()] {
            let written = serde_json::to_string(&HexId(id)).unwrap();
            assert_eq!(parse_transaction_id(written.trim_matches('"')), Some(id));
        }
        assert_ne!(next_transaction_id(), next_transaction_id());
        // Someone else's ids, on a shared application name, are not ours.
        for other in [
            "",
            "1",
            "000000000000000g",
            "0000000000000000A",
            "00000000000000AB",
            "+000000000000001",
        ] {
            assert_eq!(parse_transaction_id(other), None, "{other:?}");
        }
    }

    #[tokio::test]
    async fn an_answer_body_is_unescaped_whatever_its_json_form() {
        let pending: Pending = Arc::default();
        for (body, expected) in [
            (
                r#","message_body":"{\"a\":\"\u00e9\\n\"}""#,
                "{\"a\":\"é\\n\"}",
            ),
            (r#","message_body":{"a":1}"#, r#"{"a":1}"#),
            (r#","message_body":null"#, ""),
            ("", ""),
        ] {
            let reply = in_flight(&pending, 7);
            assert!(take_response(&answer("0000000000000007", body), &pending));
            let response = reply.await.unwrap().unwrap();
            assert_eq!(
                String::from_utf8(response.body).unwrap(),
                expected,
                "{body}"
            );
        }
    }

    #[test]
    fn a_pool_sends_to_the_open_socket_with_the_fewest_requests_waiting() {
        let (first_out, _first_rx) = mpsc::unbounded_channel();
        let (second_out, second_rx) = mpsc::unbounded_channel();
        let pool = RestChannel::pool(
            &[RestChannel::new(first_out), RestChannel::new(second_out)],
            Vec::new(),
        );
        assert_eq!(pool.sockets(), 2);
        let first = &pool.lanes[0];
        let second = &pool.lanes[1];
        first.in_flight.fetch_add(2, Ordering::Relaxed);
        assert!(std::ptr::eq(pool.least_busy_lane(&[]).unwrap().1, second));
        {
            // Two requests awaiting their answers on the second socket, as `execute` counts them.
            second.in_flight.fetch_add(2, Ordering::Relaxed);
            let _one = InFlightGuard(second);
            let _two = InFlightGuard(second);
            assert!(std::ptr::eq(pool.least_busy_lane(&[]).unwrap().1, first));
        }
        assert!(std::ptr::eq(pool.least_busy_lane(&[]).unwrap().1, second));
        // A socket whose connection ended is skipped.
        drop(second_rx);
        assert!(std::ptr::eq(pool.least_busy_lane(&[]).unwrap().1, first));
    }
}
