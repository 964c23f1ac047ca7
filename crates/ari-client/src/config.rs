//! Building a [`Client`]: where Asterisk is, who we are, how long to wait.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use url::Url;

use crate::client::{Client, ClientInner};
use crate::error::{Error, Result};

/// ARI credentials. The password never appears in `Debug` output, logs or URLs.
#[derive(Clone)]
pub struct Credentials {
    username: String,
    password: String,
}

impl Credentials {
    /// Credentials of an ARI user from `ari.conf`.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The `Authorization` header for HTTP requests, built once per client and marked
    /// sensitive (never shown by `Debug`, never indexed by HTTP/2 header compression).
    pub(crate) fn authorization(&self) -> crate::Result<reqwest::header::HeaderValue> {
        let mut value = reqwest::header::HeaderValue::from_str(&self.basic_header())
            .map_err(|_| Error::config("the credentials cannot form an Authorization header"))?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// The value of an `Authorization` header carrying these credentials.
    pub(crate) fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Builder of a [`Client`]; see [`Client::builder`].
///
/// Setters never fail; the first problem is reported by [`ClientBuilder::build`].
#[must_use]
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    connect_timeout: Duration,
    request_timeout: Duration,
    ca_file: Option<PathBuf>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8088/ari".to_owned(),
            credentials: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            ca_file: None,
        }
    }
}

impl ClientBuilder {
    /// The ARI base URL, `http(s)://host:port/<prefix>/ari`. Default `http://127.0.0.1:8088/ari`.
    ///
    /// A URL without a path gets `/ari` appended; `ws`/`wss` are taken as `http`/`https` (and
    /// an event WebSocket URL, `.../ari/events?app=...`, as its base).
    /// Credentials in the URL are refused by
    /// [`build`](Self::build): use [`credentials`](Self::credentials).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The ARI user and password. Required.
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::new(username, password));
        self
    }

    /// How long to wait for a TCP (and TLS) connection. Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long to wait for the answer to one request. Default 30 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Trust the PEM certificate(s) in this file for `https`/`wss`, in addition to the system's
    /// trusted CAs (and Mozilla's, for hosts without a CA store). Default: those roots only.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Checks the configuration and builds the client. Makes no request.
    ///
    /// The client connects to Asterisk directly, over HTTP and WebSocket alike; proxy settings
    /// of the environment (`HTTP_PROXY` and the like) are not used.
    pub fn build(self) -> Result<Client> {
        let credentials = self
            .credentials
            .ok_or_else(|| Error::config("no credentials given"))?;
        // Basic authentication ends the user name at the first colon: Asterisk would check
        // another user than the one given.
        if credentials.username.contains(':') {
            return Err(Error::config("an ARI user name cannot contain ':'"));
        }
        let base_url = parse_base_url(&self.base_url)?;
        let roots = match &self.ca_file {
            None => SYSTEM_ROOTS.clone(),
            Some(path) => Arc::new(roots_with_ca_file(path)?),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::config(format!("cannot set up TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            // HTTP and the event WebSocket reach Asterisk the same way, directly: a proxy taken
            // from HTTP_PROXY for one of them only would split a client across two routes.
            .no_proxy()
            // And they trust the same CAs, from one TLS configuration.
            .use_preconfigured_tls(tls.clone())
            .user_agent(concat!("ari-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client::from_inner(Arc::new(ClientInner {
            http,
            base_url,
            authorization: credentials.authorization()?,
            credentials,
            request_timeout: self.request_timeout,
            connect_timeout: self.connect_timeout,
            tls: Some(Arc::new(tls)),
            rest: None,
        })))
    }
}

/// The system's trusted CAs, and Mozilla's as a floor for hosts without a CA store (minimal
/// containers). Read once per process: reading and parsing the store took most of the 7 ms
/// that building a client cost.
static SYSTEM_ROOTS: std::sync::LazyLock<Arc<rustls::RootCertStore>> =
    std::sync::LazyLock::new(|| {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let system = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(system.certs);
        tracing::debug!(system_roots = added, "tls roots loaded");
        Arc::new(roots)
    });

/// The trusted CAs plus those of a PEM file, which must hold at least one.
fn roots_with_ca_file(path: &std::path::Path) -> Result<rustls::RootCertStore> {
    use rustls_pki_types::pem::PemObject as _;
    let pem = std::fs::read(path)
        .map_err(|e| Error::config(format!("cannot read CA file {}: {e}", path.display())))?;
    let mut roots = SYSTEM_ROOTS.as_ref().clone();
    let mut added = 0;
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
        let cert =
            cert.map_err(|e| Error::config(format!("bad CA file {}: {e}", path.display())))?;
        roots
            .add(cert)
            .map_err(|e| Error::config(format!("bad CA in {}: {e}", path.display())))?;
        added += 1;
    }
    if added == 0 {
        return Err(Error::config(format!(
            "no certificate in CA file {} (it should hold PEM blocks)",
            path.display()
        )));
    }
    Ok(roots)
}

fn parse_base_url(raw: &str) -> Result<Url> {
    let raw = raw.trim();
    if !raw.contains("://") {
        return Err(Error::config(format!(
            "bad base URL {raw:?}: it needs a scheme, e.g. http://{raw}"
        )));
    }
    let mut url = Url::parse(raw).map_err(|e| Error::config(format!("bad base URL: {e}")))?;
    // The event WebSocket's own URL is a common thing to paste here; it names the same server.
    let http_scheme = match url.scheme() {
        "http" | "ws" => "http",
        "https" | "wss" => "https",
        other => {
            return Err(Error::config(format!(
                "base URL scheme must be http or https, not {other}"
            )));
        }
    };
    let pasted_websocket_url = url.scheme() != http_scheme;
    if pasted_websocket_url {
        let mut rewritten = raw.to_owned();
        rewritten.replace_range(..url.scheme().len(), http_scheme);
        url = Url::parse(&rewritten).map_err(|e| Error::config(format!("bad base URL: {e}")))?;
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query_pairs().any(|(key, _)| key == "api_key")
    {
        return Err(Error::config(
            "the base URL must not carry credentials; use ClientBuilder::credentials",
        ));
    }
    if url.path() == "/" || url.path().is_empty() {
        url.set_path("/ari");
    }
    if pasted_websocket_url {
        // A pasted event WebSocket URL: its resource is not part of the base.
        if let Some(base) = url.path().trim_end_matches('/').strip_suffix("/events") {
            let base = base.to_owned();
            url.set_path(&base);
        }
    }
    // A trailing slash makes `Url::join` keep the last segment.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_gets_the_ari_path_and_a_trailing_slash() {
        assert_eq!(
            parse_base_url("http://127.0.0.1:8088").unwrap().as_str(),
            "http://127.0.0.1:8088/ari/"
        );
        assert_eq!(
            parse_base_url("https://pbx.example/asterisk/ari")
                .unwrap()
                .as_str(),
            "https://pbx.example/asterisk/ari/"
        );
    }

    #[test]
    fn websocket_schemes_name_the_same_server_and_a_missing_scheme_is_explained() {
        assert_eq!(
            parse_base_url("ws://127.0.0.1:8088/ari").unwrap().as_str(),
            "http://127.0.0.1:8088/ari/"
        );
        assert_eq!(
            parse_base_url(" wss://pbx.example:8089 ").unwrap().as_str(),
            "https://pbx.example:8089/ari/"
        );
        let err = parse_base_url("127.0.0.1:8088").unwrap_err();
        assert!(err.to_string().contains("http://127.0.0.1:8088"), "{err}");
        assert!(parse_base_url("ftp://127.0.0.1/ari").is_err());
        assert_eq!(
            parse_base_url("ws://127.0.0.1:8088/asterisk/ari/events?app=hello")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8088/asterisk/ari/"
        );
    }

    #[test]
    fn a_ca_file_without_a_certificate_is_refused() {
        let dir = std::env::temp_dir().join(format!("ari-client-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let missing = dir.join("missing.pem");
        for (path, expected) in [(&empty, "no certificate"), (&missing, "cannot read")] {
            let err = Client::builder()
                .credentials("ari", "pass")
                .ca_file(path)
                .build()
                .unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_user_name_with_a_colon_is_refused() {
        let err = Client::builder()
            .credentials("a:b", "secret-pass")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("':'"), "{err}");
        assert!(!err.to_string().contains("secret-pass"));
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        assert!(parse_base_url("http://u:p@127.0.0.1:8088/ari").is_err());
        let err = parse_base_url("ws://127.0.0.1:8088/ari/events?app=a&api_key=u:p").unwrap_err();
        assert!(!err.to_string().contains("u:p"), "{err}");
    }

    #[test]
    fn debug_output_hides_the_password() {
        let builder = Client::builder().credentials("ari", "s3cret-value");
        assert!(!format!("{builder:?}").contains("s3cret-value"));
        let client = builder.build().unwrap();
        assert!(!format!("{client:?}").contains("s3cret-value"));
        // The prepared header neither: it is marked sensitive, which its `Debug` honours.
        let header = &client.inner().authorization;
        assert!(header.is_sensitive());
        let encoded = base64::engine::general_purpose::STANDARD.encode("ari:s3cret-value");
        assert_eq!(header.to_str().unwrap(), format!("Basic {encoded}"));
        assert!(!format!("{header:?}").contains(&encoded));
    }
}
