//! The [`Client`] and the request path every operation goes through.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use url::Url;

use crate::config::{ClientBuilder, Credentials};
use crate::error::{ApiError, Error, ErrorKind, Result};
use crate::events::fast::{self, FastDecode};
use crate::events::rest_ws::RestChannel;

/// A handle to one Asterisk's ARI. Cheap to clone (an `Arc`), `Send + Sync`.
///
/// Operations are grouped by resource: `client.channels()`, `client.bridges()`, … (see the
/// generated `ops` modules). [`Client::request`] calls any path directly.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    /// Always ends with `/`, so relative paths join below it.
    pub(crate) base_url: Url,
    pub(crate) credentials: Credentials,
    /// The credentials as an `Authorization` header, ready for every HTTP request.
    pub(crate) authorization: reqwest::header::HeaderValue,
    pub(crate) request_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    /// TLS settings for `wss://` (the same roots as HTTPS).
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
    /// When set, requests travel over an event WebSocket instead of HTTP.
    pub(crate) rest: Option<RestChannel>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

/// An HTTP method used by ARI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method's name as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

impl std::str::FromStr for Method {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "GET" => Ok(Method::Get),
            "POST" => Ok(Method::Post),
            "PUT" => Ok(Method::Put),
            "DELETE" => Ok(Method::Delete),
            other => Err(Error::config(format!(
                "unknown HTTP method {other}; ARI uses GET, POST, PUT and DELETE"
            ))),
        }
    }
}

/// One ARI request, as the typed operations build it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// `resource.nickname`, e.g. `channels.answer`; used in errors and traces.
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// The spec's path template, e.g. `/channels/{channelId}/answer`; used in traces.
    pub(crate) template: &'static str,
    /// The path below the base URL with its parameters filled in and percent-encoded.
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<serde_json::Value>,
    /// `(status, meaning)` pairs documented by the spec for this operation.
    pub(crate) errors: &'static [(u16, &'static str)],
}

impl Request {
    pub(crate) fn new(
        operation: &'static str,
        method: Method,
        template: &'static str,
        path: String,
        errors: &'static [(u16, &'static str)],
    ) -> Self {
        Self {
            operation,
            method,
            template,
            path,
            query: Vec::new(),
            body: None,
            errors,
        }
    }
}

/// A successful raw answer: status and body bytes.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The body as sent by Asterisk; empty for 204.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body parsed as JSON; `null` for an empty body.
    pub fn json(&self) -> Result<serde_json::Value> {
        if self.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|source| {
            Error::new(ErrorKind::Decode {
                operation: "request",
                body: String::from_utf8_lossy(&self.body).into_owned(),
                source,
            })
        })
    }
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    ///
    /// ```
    /// let client = ari_client::Client::builder()
    ///     .base_url("http://127.0.0.1:8088/ari")
    ///     .credentials("asterisk", "secret")
    ///     .build()?;
    /// # Ok::<(), ari_client::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_inner(inner: Arc<ClientInner>) -> Self {
        Self { inner }
    }

    pub(crate) fn inner(&self) -> &ClientInner {
        &self.inner
    }

    /// The same client with its requests sent over an event WebSocket.
    pub(crate) fn with_rest_channel(&self, rest: RestChannel) -> Self {
        let inner = &self.inner;
        Self::from_inner(Arc::new(ClientInner {
            http: inner.http.clone(),
            base_url: inner.base_url.clone(),
            credentials: inner.credentials.clone(),
            authorization: inner.authorization.clone(),
            request_timeout: inner.request_timeout,
            connect_timeout: inner.connect_timeout,
            tls: inner.tls.clone(),
            rest: Some(rest),
        }))
    }

    /// Whether requests travel over an event WebSocket rather than HTTP.
    pub fn is_rest_over_websocket(&self) -> bool {
        self.inner.rest.is_some()
    }

    /// The base URL, ending in `/`, e.g. `http://127.0.0.1:8088/ari/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// Calls any ARI path, e.g. `request(Method::Get, "asterisk/info", &[], None)`.
    ///
    /// For tools that take operations from the user; programs use the typed operations. Goes
    /// the way every operation goes: over HTTP, or over the WebSocket for a
    /// [`rest_client`](crate::events::EventStream::rest_client).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<serde_json::Value>,
    ) -> Result<RawResponse> {
        // The query rides in the path: `Request::query` holds the spec's static names.
        let mut path = path.trim_start_matches('/').to_owned();
        if !query.is_empty() {
            path.push(if path.contains('?') { '&' } else { '?' });
            path.push_str(
                &url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(query)
                    .finish(),
            );
        }
        let mut req = Request::new("request", method, "(any)", path, &[]);
        req.body = body;
        self.execute(req).await
    }

    /// The base URL (its path ends in `/`) with `path` (relative, possibly with a query)
    /// appended: what `Url::join` gives, without parsing the scheme and host again for every
    /// request.
    fn url(&self, path: &str) -> Url {
        let (path, query) = match path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path, None),
        };
        let mut url = self.inner.base_url.clone();
        let full = format!("{}{}", url.path(), path.trim_start_matches('/'));
        url.set_path(&full);
        url.set_query(query);
        url
    }

    pub(crate) async fn execute(&self, req: Request) -> Result<RawResponse> {
        use tracing::Instrument as _;
        let transport = if self.inner.rest.is_some() {
            "websocket"
        } else {
            "http"
        };
        // One span per request: what was asked (never with its ids or credentials), how it
        // went, how long it took.
        let span = tracing::debug_span!(
            "ari_request",
            operation = req.operation,
            method = req.method.as_str(),
            path = req.template,
            transport,
            status = tracing::field::Empty,
            latency_us = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .execute_on_transport(req)
            .instrument(span.clone())
            .await;
        span.record(
            "status",
            match &result {
                Ok(r) => r.status,
                Err(e) => e.status().unwrap_or(0),
            },
        );
        span.record(
            "latency_us",
            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        );
        span.in_scope(|| match &result {
            Ok(_) => tracing::debug!("ari request done"),
            Err(err) => tracing::debug!(error = %err, "ari request failed"),
        });
        result
    }

    async fn execute_on_transport(&self, req: Request) -> Result<RawResponse> {
        if let Some(rest) = &self.inner.rest {
            return rest.execute(req, self.inner.request_timeout).await;
        }
        let url = self.url(&req.path);
        let mut builder = self.inner.http.request(req.method.to_reqwest(), url);
        // Even an empty query costs reqwest a rewrite of the URL.
        if !req.query.is_empty() {
            builder = builder.query(&req.query);
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        self.send(req.operation, builder, req.errors).await
    }

    async fn send(
        &self,
        operation: &'static str,
        builder: reqwest::RequestBuilder,
        errors: &'static [(u16, &'static str)],
    ) -> Result<RawResponse> {
        let response = builder
            .header(
                reqwest::header::AUTHORIZATION,
                self.inner.authorization.clone(),
            )
            .send()
            .await
            .map_err(|e| map_reqwest(operation, e))?;
        let status = response.status().as_u16();
        // `Vec::from` takes over the buffer when hyper handed over the only reference to it.
        let body = Vec::from(
            response
                .bytes()
                .await
                .map_err(|e| map_reqwest(operation, e))?,
        );
        if (200..300).contains(&status) {
            return Ok(RawResponse { status, body });
        }
        if status == 401 {
            return Err(Error::new(ErrorKind::Auth { operation }));
        }
        Err(Error::new(ErrorKind::Api(api_error(
            operation, status, &body, errors,
        ))))
    }

    /// Executes and decodes a JSON answer.
    pub(crate) async fn call_json<T>(&self, req: Request) -> Result<T>
    where
        T: DeserializeOwned + FastDecode + PartialEq + std::fmt::Debug,
    {
        let operation = req.operation;
        let raw = self.execute(req).await?;
        // Answers are read like events: the reader specialised for Asterisk's JSON first, serde
        // for whatever it does not take. The project's test runs check that both agree.
        if let Some(value) = fast::decode_body::<T>(&raw.body) {
            #[cfg(feature = "self-check")]
            {
                let by_serde = serde_json::from_slice::<T>(&raw.body);
                assert!(
                    matches!(&by_serde, Ok(decoded) if *decoded == value),
                    "{operation}: the fast reader gave {value:?}, serde {by_serde:?}"
                );
            }
            return Ok(value);
        }
        serde_json::from_slice(&raw.body).map_err(|source| {
            Error::new(ErrorKind::Decode {
                operation,
                body: String::from_utf8_lossy(&raw.body).into_owned(),
                source,
            })
        })
    }

    /// Executes a request whose answer carries no body.
    pub(crate) async fn call_empty(&self, req: Request) -> Result<()> {
        self.execute(req).await.map(|_| ())
    }

    /// Executes a request whose answer is binary (e.g. a recording's file).
    pub(crate) async fn call_bytes(&self, req: Request) -> Result<Vec<u8>> {
        self.execute(req).await.map(|raw| raw.body)
    }
}

pub(crate) fn api_error(
    operation: &'static str,
    status: u16,
    body: &[u8],
    errors: &'static [(u16, &'static str)],
) -> ApiError {
    // Most errors carry `message`; a few (e.g. a failed channel allocation) carry `error`.
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(alias = "error")]
        message: String,
    }
    let message = serde_json::from_slice::<Body>(body)
        .map(|b| b.message)
        .unwrap_or_else(|_| message_of_page(status, &String::from_utf8_lossy(body)));
    let documented = errors
        .iter()
        .find(|(code, _)| *code == status)
        .map(|(_, meaning)| *meaning);
    ApiError {
        operation,
        status,
        message,
        documented,
    }
}

/// The message of an error answer that is not ARI's JSON. Asterisk's HTTP server answers
/// paths outside ARI with an HTML page: its title, and for a 404 what usually causes it, say
/// more than the page.
fn message_of_page(status: u16, body: &str) -> String {
    let body = body.trim();
    if !body.starts_with('<') {
        return body.to_owned();
    }
    let lower = body.to_ascii_lowercase();
    let title = lower
        .find("<title>")
        .map(|start| start + "<title>".len())
        .and_then(|start| Some(start..start + lower[start..].find("</title>")?))
        .and_then(|range| body.get(range))
        // The error's display already leads with the status.
        .map(|title| {
            title
                .trim()
                .trim_start_matches(&status.to_string())
                .trim_start()
        })
        .filter(|title| !title.is_empty());
    let mut message = title
        .unwrap_or("an HTML page, not an ARI answer")
        .to_owned();
    if status == 404 {
        message.push_str(
            ": no ARI at this URL; check that the base URL's path ends in /ari (after the \
             prefix of http.conf, if one is set) and that ARI is enabled (ari.conf)",
        );
    }
    message
}

fn map_reqwest(operation: &'static str, err: reqwest::Error) -> Error {
    if err.is_timeout() {
        return Error::new(ErrorKind::Timeout { operation });
    }
    // reqwest errors can carry the URL; ours never holds credentials, but strip it anyway so
    // error output stays short and uniform.
    let outcome_unknown = !err.is_connect() && !err.is_builder();
    Error::transport(
        operation,
        outcome_unknown,
        crate::error::with_connect_hint(err.without_url()),
    )
}

/// Percent-encodes one path segment (an id or a name given by the caller).
pub(crate) fn encode_segment(segment: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b':')
        .remove(b'@');
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_that_is_not_ari_is_summed_up_by_its_title_and_what_a_404_means() {
        let page = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n\
                    <title>404 Not Found</title>\n</head><body><h1>Not Found</h1></body></html>";
        let err = api_error("events", 404, page.as_bytes(), &[]);
        assert!(
            err.message.starts_with("Not Found: no ARI at this URL"),
            "{}",
            err.message
        );
        assert!(!err.message.contains('<'), "{}", err.message);
        let err = api_error("events", 503, b"<html><TITLE> Busy </TITLE></html>", &[]);
        assert_eq!(err.message, "Busy");
        let err = api_error("events", 500, b"<html>", &[]);
        assert_eq!(err.message, "an HTML page, not an ARI answer");
        let err = api_error("events", 500, "<title>é".as_bytes(), &[]);
        assert_eq!(err.message, "an HTML page, not an ARI answer");
        let err = api_error("events", 400, b" plain words ", &[]);
        assert_eq!(err.message, "plain words");
    }

    #[test]
    fn answers_take_the_fast_reader_and_agree_with_serde() {
        // Bodies as the sandbox's Asterisk 22.10.1 answered them.
        let info = br#"{"build":{"os":"Linux","kernel":"unknown","machine":"unknown","options":"OPTIONAL_API, TEST_FRAMEWORK","date":"2026-07-20 21:35:32 UTC","user":"nobody"},"system":{"version":"22.10.1","entity_id":"02:16:86:20:c5:fe"},"config":{"name":"","default_language":"en","setid":{"user":"","group":""}},"status":{"startup_time":"2026-11-30T06:48:44.156+0000","last_reload_time":"2026-11-30T08:35:31.142+0000"}}"#;
        let fast: crate::models::AsteriskInfo = fast::decode_body(info).unwrap();
        assert_eq!(fast, serde_json::from_slice(info).unwrap());
        let sounds = br#"[{"id":"queue-minutes","formats":[{"language":"en_US","format":"gsm"},{"language":"en","format":"gsm"}]}]"#;
        let fast: Vec<crate::models::Sound> = fast::decode_body(sounds).unwrap();
        assert_eq!(fast, serde_json::from_slice::<Vec<_>>(sounds).unwrap());
        // What the fast reader leaves (an escape) still decodes, through serde.
        let escaped = br#"{"id":"a"b","formats":[]}"#;
        assert!(fast::decode_body::<crate::models::Sound>(escaped).is_none());
    }

    #[test]
    fn request_urls_are_the_joined_base_url() {
        for base in [
            "http://127.0.0.1:8088",
            "https://pbx.example:8089/asterisk/ari/",
        ] {
            let client = Client::builder()
                .base_url(base)
                .credentials("u", "p")
                .build()
                .unwrap();
            for path in [
                "asterisk/info",
                "channels/a%20b%2Fc/variable?variable=CALLERID%28num%29",
                "events/user/ring?application=app&source=channel%3Ax",
                "recordings/stored/name.with.dots/file",
                "/bridges",
            ] {
                let joined = client
                    .base_url()
                    .join(path.trim_start_matches('/'))
                    .unwrap();
                assert_eq!(client.url(path), joined, "{base} + {path}");
            }
        }
    }

    #[test]
    fn clients_and_streams_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<Client>();
        send_sync::<crate::events::Router>();
        send_sync::<crate::mirror::Mirror>();
        send::<crate::events::EventStream>();
        send::<crate::events::Subscription>();
        send::<crate::handles::ChannelHandle>();
        // A clone shares the connection pool: one pointer, no deep copy.
        assert_eq!(std::mem::size_of::<Client>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_segment("PJSIP/101"), "PJSIP%2F101");
        assert_eq!(encode_segment("abc-1.2_x"), "abc-1.2_x");
        assert_eq!(encode_segment("a b?"), "a%20b%3F");
    }

    #[test]
    fn api_error_parses_the_message() {
        let err = api_error(
            "channels.answer",
            404,
            br#"{"message":"Channel not found"}"#,
            &[
                (404, "Channel not found"),
                (409, "Channel not in a Stasis application"),
            ],
        );
        assert_eq!(err.message, "Channel not found");
        assert_eq!(err.documented, Some("Channel not found"));
        let allocation = api_error(
            "channels.originate",
            500,
            br#"{"error":"Allocation failed"}"#,
            &[],
        );
        assert_eq!(allocation.message, "Allocation failed");
        let raw = api_error("x", 500, b"oops\n", &[]);
        assert_eq!(raw.message, "oops");
        assert_eq!(raw.documented, None);
    }
}
