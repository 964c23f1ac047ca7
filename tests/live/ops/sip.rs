//! A minimal SIP peer on loopback UDP, so that what Asterisk does on the wire can be asserted:
//! it answers Asterisk's calls (200 OK with a PCMU offer answer), takes its in-dialog requests
//! (re-INVITE, REFER, BYE) and out-of-dialog ones (MESSAGE, REFER), counts the RTP Asterisk
//! sends, and sends its own in-dialog requests (a hold re-INVITE, a REFER).
//!
//! It becomes reachable through one PJSIP endpoint of the sandbox by a contact created with
//! `PUT /asterisk/config/dynamic/res_pjsip/contact/<aor>;@<name>` (contacts live in AstDB, so
//! ARI may create them); [`SipPeer::detach`] deletes it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ari_client::Client;
use ari_client::models::ConfigTuple;
use tokio::net::UdpSocket;
use tokio::sync::Notify;

use super::support::cli;

/// One SIP message as received.
#[derive(Debug, Clone)]
pub(super) struct SipMessage {
    /// The request's method, or `None` for a response.
    pub(super) method: Option<String>,
    /// The response's status (0 for a request).
    pub(super) status: u16,
    /// The request URI (empty for a response).
    pub(super) uri: String,
    headers: Vec<(String, String)>,
    /// The body.
    pub(super) body: String,
}

impl SipMessage {
    fn parse(text: &str) -> Option<Self> {
        let (head, body) = text.split_once("\r\n\r\n")?;
        let mut lines = head.split("\r\n");
        let start = lines.next()?;
        let (method, status, uri) = if let Some(rest) = start.strip_prefix("SIP/2.0 ") {
            (None, rest.get(..3)?.parse().ok()?, String::new())
        } else {
            let mut parts = start.split(' ');
            let method = parts.next()?.to_owned();
            (Some(method), 0, parts.next()?.to_owned())
        };
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (expand(name.trim()), value.trim().to_owned()))
            .collect();
        Some(Self {
            method,
            status,
            uri,
            headers,
            body: body.to_owned(),
        })
    }

    /// The first value of header `name` (case-insensitive).
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn is(&self, method: &str) -> bool {
        self.method.as_deref() == Some(method)
    }
}

/// Compact header names, expanded.
fn expand(name: &str) -> String {
    match name {
        "v" => "Via",
        "f" => "From",
        "t" => "To",
        "i" => "Call-ID",
        "m" => "Contact",
        "l" => "Content-Length",
        "c" => "Content-Type",
        "r" => "Refer-To",
        other => other,
    }
    .to_owned()
}

/// The `tag` parameter of a From or To value.
fn tag(value: &str) -> Option<&str> {
    value
        .split(';')
        .find_map(|p| p.trim().strip_prefix("tag="))
        .map(str::trim)
}

/// The URI inside `<...>` of a name-addr (or the value itself).
fn uri_of(value: &str) -> &str {
    match (value.find('<'), value.find('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value.split(';').next().unwrap_or(value),
    }
}

/// The dialog of the call Asterisk placed to the peer; the peer is its UAS.
#[derive(Debug, Clone)]
struct Dialog {
    call_id: String,
    /// Our From for requests we send: the INVITE's To, with our tag.
    local: String,
    /// Our To: the INVITE's From (Asterisk's tag).
    remote: String,
    /// Where our in-dialog requests go: Asterisk's Contact.
    target: String,
    cseq: u32,
    sdp_version: u32,
}

/// What the RTP socket has received.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Rtp {
    /// RTP packets received.
    pub(super) packets: u64,
    /// Of them, PCMU packets whose payload is all silence (0xFF or 0x7F).
    pub(super) silent: u64,
    /// Of them, RFC 4733 telephone events (payload type 101).
    pub(super) events: u64,
}

#[derive(Debug, Default)]
struct State {
    requests: VecDeque<SipMessage>,
    responses: VecDeque<SipMessage>,
    dialog: Option<Dialog>,
    rtp: Rtp,
}

/// The peer; its tasks end when it is dropped.
#[derive(Debug)]
pub(super) struct SipPeer {
    socket: Arc<UdpSocket>,
    addr: SocketAddr,
    asterisk: SocketAddr,
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    contact: Option<(String, String)>,
    rtp_port: u16,
    /// The user part of the peer's URI.
    pub(super) user: String,
}

impl Drop for SipPeer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl SipPeer {
    /// Binds the SIP and RTP sockets on loopback and starts answering.
    pub(super) async fn start(user: &str) -> Self {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let rtp_port = rtp.local_addr().unwrap().port();
        let asterisk = SocketAddr::from(([127, 0, 0, 1], ari_testkit::shared().settings.sip_port));
        let state = Arc::new(Mutex::new(State::default()));
        let changed = Arc::new(Notify::new());
        let sip_task = tokio::spawn(serve_sip(
            socket.clone(),
            addr,
            rtp_port,
            state.clone(),
            changed.clone(),
        ));
        let rtp_task = tokio::spawn(count_rtp(rtp, state.clone(), changed.clone()));
        Self {
            socket,
            addr,
            asterisk,
            state,
            changed,
            tasks: vec![sip_task, rtp_task],
            contact: None,
            rtp_port,
            user: user.to_owned(),
        }
    }

    /// `sip:<user>@127.0.0.1:<port>`.
    pub(super) fn uri(&self) -> String {
        format!("sip:{}@{}", self.user, self.addr)
    }

    /// Makes the peer the contact of `aor` (a sandbox endpoint, `101`…`105`), after deleting
    /// contacts that peers of earlier test processes left there (a test that failed midway).
    pub(super) async fn attach(&mut self, client: &Client, aor: &str) {
        let ours = format!("_{}_", std::process::id());
        let listing = cli(&format!("pjsip show aor {aor}")).await;
        for line in listing.lines() {
            let Some(uri) = line.trim().strip_prefix("contact") else {
                continue;
            };
            let user = uri
                .trim_start_matches([' ', ':'])
                .trim_start_matches("sip:")
                .split('@')
                .next()
                .unwrap_or_default();
            if user.starts_with("t_ops_") && !user.contains(&ours) {
                let stale = format!("{aor};@{user}");
                match client
                    .asterisk()
                    .delete_object("res_pjsip", "contact", stale.as_str())
                    .await
                {
                    Ok(()) => {}
                    Err(err) if err.is_not_found() => {}
                    Err(err) => panic!("cannot delete the stale contact {stale}: {err}"),
                }
            }
        }
        let id = format!("{aor};@{}", self.user);
        client
            .asterisk()
            .update_object("res_pjsip", "contact", id.as_str())
            .field(ConfigTuple {
                attribute: "uri".into(),
                value: self.uri(),
            })
            .field(ConfigTuple {
                attribute: "endpoint".into(),
                value: aor.into(),
            })
            // Without an expiration time in the future, Asterisk prunes the contact at once.
            .field(ConfigTuple {
                attribute: "expiration_time".into(),
                value: (unix_now() + 3600).to_string(),
            })
            .await
            .unwrap();
        self.contact = Some((aor.to_owned(), id));
    }

    /// Deletes the contact made by [`attach`](Self::attach).
    pub(super) async fn detach(&mut self, client: &Client) {
        if let Some((_, id)) = self.contact.take() {
            client
                .asterisk()
                .delete_object("res_pjsip", "contact", id.as_str())
                .await
                .unwrap();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the RTP socket has received so far.
    pub(super) fn rtp(&self) -> Rtp {
        self.lock().rtp
    }

    /// Waits until `check` holds for the RTP counts, within `within`.
    pub(super) async fn wait_rtp(&self, what: &str, within: Duration, check: impl Fn(Rtp) -> bool) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            let rtp = self.rtp();
            if check(rtp) {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("RTP: no {what} within {within:?} ({:?})", self.rtp());
            }
        }
    }

    /// Waits until no RTP has arrived for `window` (what Asterisk sent has stopped), within
    /// `within`.
    pub(super) async fn wait_quiet(&self, window: Duration, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let before = self.rtp().packets;
            tokio::time::sleep(window).await;
            if self.rtp().packets == before {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "RTP did not stop within {within:?} ({:?})",
                self.rtp()
            );
        }
    }

    /// Waits for the next request of `method` Asterisk sends (earlier ones are skipped).
    pub(super) async fn request(&self, method: &str, within: Duration) -> SipMessage {
        self.next(within, |state| {
            while let Some(request) = state.requests.pop_front() {
                if request.is(method) {
                    return Some(request);
                }
            }
            None
        })
        .await
        .unwrap_or_else(|| panic!("SIP: no {method} within {within:?}"))
    }

    /// Waits for the next final response to a request of ours.
    async fn response(&self, within: Duration) -> SipMessage {
        self.next(within, |state| {
            while let Some(response) = state.responses.pop_front() {
                if response.status >= 200 {
                    return Some(response);
                }
            }
            None
        })
        .await
        .unwrap_or_else(|| panic!("SIP: no final response within {within:?}"))
    }

    async fn next(
        &self,
        within: Duration,
        mut take: impl FnMut(&mut State) -> Option<SipMessage>,
    ) -> Option<SipMessage> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            if let Some(message) = take(&mut self.lock()) {
                return Some(message);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Sends an in-dialog request of the answered call; returns Asterisk's final response.
    async fn send_in_dialog(&self, method: &str, extra: &str, body: &str) -> SipMessage {
        let dialog = {
            let mut state = self.lock();
            let dialog = state.dialog.as_mut().expect("no call answered yet");
            dialog.cseq += 1;
            dialog.sdp_version += 1;
            dialog.clone()
        };
        let branch = format!("z9hG4bK{:016x}", rand_u64());
        let request = format!(
            "{method} {target} SIP/2.0\r\nVia: SIP/2.0/UDP {addr};rport;branch={branch}\r\n\
             Max-Forwards: 70\r\nFrom: {local}\r\nTo: {remote}\r\nCall-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\nContact: <sip:{user}@{addr}>\r\n{extra}\
             Content-Length: {len}\r\n\r\n{body}",
            target = dialog.target,
            addr = self.addr,
            local = dialog.local,
            remote = dialog.remote,
            call_id = dialog.call_id,
            cseq = dialog.cseq,
            user = self.user,
            len = body.len(),
        );
        self.socket
            .send_to(request.as_bytes(), self.asterisk)
            .await
            .unwrap();
        let response = self.response(Duration::from_secs(5)).await;
        if method == "INVITE" && response.status < 300 {
            let ack = format!(
                "ACK {target} SIP/2.0\r\nVia: SIP/2.0/UDP {addr};rport;branch=z9hG4bK{ack:016x}\r\n\
                 Max-Forwards: 70\r\nFrom: {local}\r\nTo: {to}\r\nCall-ID: {call_id}\r\n\
                 CSeq: {cseq} ACK\r\nContent-Length: 0\r\n\r\n",
                target = dialog.target,
                addr = self.addr,
                ack = rand_u64(),
                local = dialog.local,
                to = response.header("To").unwrap_or(&dialog.remote),
                call_id = dialog.call_id,
                cseq = dialog.cseq,
            );
            self.socket
                .send_to(ack.as_bytes(), self.asterisk)
                .await
                .unwrap();
        }
        response
    }

    /// Re-INVITEs with the stream `sendonly` (the peer holds the call) or `sendrecv`.
    pub(super) async fn reinvite(&self, direction: &str) -> SipMessage {
        let version = self.lock().dialog.as_ref().map_or(1, |d| d.sdp_version + 1);
        let sdp = sdp(self.rtp_port, version, direction);
        self.send_in_dialog("INVITE", "Content-Type: application/sdp\r\n", &sdp)
            .await
    }

    /// Sends a REFER (blind transfer) to `refer_to` in the answered call.
    pub(super) async fn refer(&self, refer_to: &str) -> SipMessage {
        let extra = format!(
            "Refer-To: <{refer_to}>\r\nReferred-By: <{}>\r\n",
            self.uri()
        );
        self.send_in_dialog("REFER", &extra, "").await
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A random number (for tags and branches): std's randomly keyed hasher, hashing nothing.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// The SDP of the peer: PCMU and telephone events on `rtp_port`.
fn sdp(rtp_port: u16, version: u32, direction: &str) -> String {
    format!(
        "v=0\r\no=peer 1 {version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {rtp_port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na={direction}\r\n"
    )
}

/// A response to `request` with `status` and `reason`; `to_tag` added to To when it has none.
fn respond(
    request: &SipMessage,
    status: u16,
    reason: &str,
    to_tag: &str,
    extra: &str,
    body: &str,
) -> String {
    let mut out = format!("SIP/2.0 {status} {reason}\r\n");
    for via in request.all("Via") {
        out.push_str(&format!("Via: {via}\r\n"));
    }
    let to = request.header("To").unwrap_or_default();
    let to = if tag(to).is_some() {
        to.to_owned()
    } else {
        format!("{to};tag={to_tag}")
    };
    out.push_str(&format!(
        "From: {}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: {}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        request.header("From").unwrap_or_default(),
        request.header("Call-ID").unwrap_or_default(),
        request.header("CSeq").unwrap_or_default(),
        body.len(),
    ));
    out
}

async fn serve_sip(
    socket: Arc<UdpSocket>,
    addr: SocketAddr,
    rtp_port: u16,
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
) {
    let to_tag = format!("{:08x}", rand_u64() as u32);
    let contact = format!("Contact: <sip:peer@{addr}>\r\n");
    let mut buf = vec![0_u8; 65_536];
    loop {
        let Ok((len, from)) = socket.recv_from(&mut buf).await else {
            return;
        };
        let Some(message) = SipMessage::parse(&String::from_utf8_lossy(&buf[..len])) else {
            continue;
        };
        let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(method) = message.method.clone() else {
            lock().responses.push_back(message);
            changed.notify_waiters();
            continue;
        };
        let reply = match method.as_str() {
            "ACK" => None,
            "INVITE" => {
                let offer_direction = ["sendonly", "recvonly", "inactive"]
                    .into_iter()
                    .find(|d| message.body.contains(&format!("a={d}")));
                let answer_direction = match offer_direction {
                    Some("sendonly") => "recvonly",
                    Some("recvonly") => "sendonly",
                    Some("inactive") => "inactive",
                    _ => "sendrecv",
                };
                let mut st = lock();
                let version = match &mut st.dialog {
                    Some(dialog) if tag(message.header("To").unwrap_or_default()).is_some() => {
                        dialog.sdp_version += 1;
                        dialog.sdp_version
                    }
                    _ => {
                        let to = message.header("To").unwrap_or_default();
                        st.dialog = Some(Dialog {
                            call_id: message.header("Call-ID").unwrap_or_default().to_owned(),
                            local: format!("{to};tag={to_tag}"),
                            remote: message.header("From").unwrap_or_default().to_owned(),
                            target: uri_of(message.header("Contact").unwrap_or_default())
                                .to_owned(),
                            cseq: 0,
                            sdp_version: 1,
                        });
                        1
                    }
                };
                drop(st);
                let extra = format!("{contact}Content-Type: application/sdp\r\n");
                Some(respond(
                    &message,
                    200,
                    "OK",
                    &to_tag,
                    &extra,
                    &sdp(rtp_port, version, answer_direction),
                ))
            }
            "REFER" => Some(respond(&message, 202, "Accepted", &to_tag, &contact, "")),
            _ => Some(respond(&message, 200, "OK", &to_tag, "", "")),
        };
        if let Some(reply) = reply {
            let _ = socket.send_to(reply.as_bytes(), from).await;
        }
        // A REFER in the call (Asterisk transferring it): report the transfer done, as a
        // transferring phone would, so Asterisk completes it.
        if message.is("REFER") && tag(message.header("To").unwrap_or_default()).is_some() {
            let notify = notify_refer_done(&message, addr);
            let _ = socket.send_to(notify.as_bytes(), from).await;
        }
        lock().requests.push_back(message);
        changed.notify_waiters();
    }
}

/// The NOTIFY (sipfrag `SIP/2.0 200 OK`) ending the implicit subscription of an in-dialog
/// REFER from Asterisk. The peer is the REFER's UAS: From is the REFER's To, To its From.
fn notify_refer_done(refer: &SipMessage, addr: SocketAddr) -> String {
    let body = "SIP/2.0 200 OK\r\n";
    let cseq: u32 = refer
        .header("CSeq")
        .and_then(|c| c.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    format!(
        "NOTIFY {target} SIP/2.0\r\nVia: SIP/2.0/UDP {addr};rport;branch=z9hG4bK{branch:016x}\r\n\
         Max-Forwards: 70\r\nFrom: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\n\
         CSeq: {cseq} NOTIFY\r\nContact: <sip:peer@{addr}>\r\nEvent: refer\r\n\
         Subscription-State: terminated;reason=noresource\r\n\
         Content-Type: message/sipfrag;version=2.0\r\nContent-Length: {len}\r\n\r\n{body}",
        target = uri_of(refer.header("Contact").unwrap_or_default()),
        branch = rand_u64(),
        from = refer.header("To").unwrap_or_default(),
        to = refer.header("From").unwrap_or_default(),
        call_id = refer.header("Call-ID").unwrap_or_default(),
        cseq = cseq + 1000,
        len = body.len(),
    )
}

async fn count_rtp(socket: UdpSocket, state: Arc<Mutex<State>>, changed: Arc<Notify>) {
    let mut buf = vec![0_u8; 2048];
    loop {
        let Ok(len) = socket.recv(&mut buf).await else {
            return;
        };
        if len < 12 || buf[0] >> 6 != 2 {
            continue;
        }
        let payload_type = buf[1] & 0x7f;
        let payload = &buf[12..len];
        {
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            st.rtp.packets += 1;
            if payload_type == 101 {
                st.rtp.events += 1;
            } else if payload_type == 0 && payload.iter().all(|b| *b == 0xff || *b == 0x7f) {
                st.rtp.silent += 1;
            }
        }
        changed.notify_waiters();
    }
}
