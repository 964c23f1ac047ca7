//! The one error type of the library.
//!
//! [`Error`] is a pointer-sized handle over a boxed [`ErrorKind`], so `Result<T, Error>` stays small
//! on the happy path. Predicates such as [`Error::is_not_found`] answer the questions callers
//! actually ask; [`Error::kind`] gives the full detail.

use std::fmt;

use tokio_tungstenite::tungstenite;

/// An error from the ARI client: an answer Asterisk gave, or a failure to reach it.
pub struct Error {
    inner: Box<ErrorKind>,
}

/// What went wrong; reached through [`Error::kind`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Asterisk answered with an HTTP error status.
    Api(ApiError),
    /// Asterisk refused the credentials (HTTP 401). Never retried.
    Auth {
        /// The operation, or `"events"` for the event WebSocket.
        operation: &'static str,
    },
    /// The request could not be sent or its answer not read.
    Transport {
        /// The operation that was attempted.
        operation: &'static str,
        /// Whether the request may have reached Asterisk (its outcome is unknown).
        outcome_unknown: bool,
        /// The underlying failure.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No answer arrived within the configured time.
    Timeout {
        /// The operation that timed out.
        operation: &'static str,
    },
    /// Asterisk's answer could not be decoded into the expected type.
    Decode {
        /// The operation whose answer was bad.
        operation: &'static str,
        /// The raw body, kept for diagnosis.
        body: String,
        /// The decoding failure.
        source: serde_json::Error,
    },
    /// The event WebSocket failed.
    WebSocket {
        /// The WebSocket failure.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Another connection took over the Stasis application (Asterisk sent
    /// `ApplicationReplaced`); this one stops rather than take it back.
    ApplicationReplaced {
        /// The application.
        application: String,
    },
    /// This Asterisk lacks a feature the request needs (for example REST over WebSocket,
    /// which came with Asterisk 22.4).
    Unsupported {
        /// The feature, e.g. `"REST over WebSocket"`.
        feature: &'static str,
        /// What was observed and what the feature needs.
        message: String,
    },
    /// The client configuration is invalid.
    Config {
        /// What is wrong with it.
        message: String,
    },
}

/// An HTTP error status returned by Asterisk, with its `message` parsed out.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The operation, e.g. `"channels.answer"`.
    pub operation: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// The `message` field of Asterisk's JSON error body, or the raw body when it had none.
    pub message: String,
    /// What the ARI specification documents for this status on this operation, if anything.
    pub documented: Option<&'static str>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self {
            inner: Box::new(kind),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config {
            message: message.into(),
        })
    }

    pub(crate) fn transport(
        operation: &'static str,
        outcome_unknown: bool,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::new(ErrorKind::Transport {
            operation,
            outcome_unknown,
            source: source.into(),
        })
    }

    pub(crate) fn websocket(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(ErrorKind::WebSocket {
            source: source.into(),
        })
    }

    /// A copy for delivery to several consumers (an error is not `Clone` because its sources
    /// are not). Kinds, statuses and messages are kept; sources become their text.
    pub(crate) fn duplicate(&self) -> Error {
        let kind = match &*self.inner {
            ErrorKind::Api(api) => ErrorKind::Api(api.clone()),
            ErrorKind::Auth { operation } => ErrorKind::Auth { operation },
            ErrorKind::Transport {
                operation,
                outcome_unknown,
                source,
            } => ErrorKind::Transport {
                operation,
                outcome_unknown: *outcome_unknown,
                source: source.to_string().into(),
            },
            ErrorKind::Timeout { operation } => ErrorKind::Timeout { operation },
            ErrorKind::Decode {
                operation,
                body,
                source,
            } => ErrorKind::Transport {
                operation,
                // Asterisk answered: the request reached it, whatever the answer said.
                outcome_unknown: true,
                source: format!("could not decode {body:?}: {source}").into(),
            },
            ErrorKind::WebSocket { source } => ErrorKind::WebSocket {
                source: source.to_string().into(),
            },
            ErrorKind::Config { message } => ErrorKind::Config {
                message: message.clone(),
            },
            ErrorKind::Unsupported { feature, message } => ErrorKind::Unsupported {
                feature,
                message: message.clone(),
            },
            ErrorKind::ApplicationReplaced { application } => ErrorKind::ApplicationReplaced {
                application: application.clone(),
            },
        };
        Error::new(kind)
    }

    /// The detail of this error.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner
    }

    /// The HTTP status Asterisk answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match &*self.inner {
            ErrorKind::Api(api) => Some(api.status),
            ErrorKind::Auth { .. } => Some(401),
            _ => None,
        }
    }

    /// The operation that failed, e.g. `"channels.answer"`.
    pub fn operation(&self) -> Option<&'static str> {
        match &*self.inner {
            ErrorKind::Api(api) => Some(api.operation),
            ErrorKind::Auth { operation }
            | ErrorKind::Transport { operation, .. }
            | ErrorKind::Timeout { operation }
            | ErrorKind::Decode { operation, .. } => Some(operation),
            ErrorKind::WebSocket { .. }
            | ErrorKind::Config { .. }
            | ErrorKind::Unsupported { .. }
            | ErrorKind::ApplicationReplaced { .. } => None,
        }
    }

    /// Asterisk's `message` for an API error, e.g. `"Channel not found"`.
    pub fn message(&self) -> Option<&str> {
        match &*self.inner {
            ErrorKind::Api(api) => Some(&api.message),
            _ => None,
        }
    }

    /// 404: the object is unknown to Asterisk (for a channel: it hung up or never existed).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 409: the object is in the wrong state (for a channel: not in a Stasis application).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// 400: a parameter was missing or invalid.
    pub fn is_bad_request(&self) -> bool {
        self.status() == Some(400)
    }

    /// 412: a precondition failed (for example, the channel is not answered yet).
    pub fn is_precondition_failed(&self) -> bool {
        self.status() == Some(412)
    }

    /// The credentials were refused. Retrying will not help.
    pub fn is_auth(&self) -> bool {
        matches!(&*self.inner, ErrorKind::Auth { .. })
            || matches!(&*self.inner, ErrorKind::Api(api) if api.status == 401 || api.status == 403)
    }

    /// No answer arrived in time.
    pub fn is_timeout(&self) -> bool {
        matches!(&*self.inner, ErrorKind::Timeout { .. })
    }

    /// Asterisk could not be reached or the connection broke.
    pub fn is_connect(&self) -> bool {
        matches!(
            &*self.inner,
            ErrorKind::Transport { .. } | ErrorKind::WebSocket { .. }
        )
    }

    /// The request may have been carried out even though no answer arrived.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(
            &*self.inner,
            ErrorKind::Transport {
                outcome_unknown: true,
                ..
            } | ErrorKind::Timeout { .. }
        )
    }

    /// The request certainly did not reach Asterisk (the connection was down or closed
    /// before it was written): safe to send again.
    pub fn is_not_sent(&self) -> bool {
        matches!(
            &*self.inner,
            ErrorKind::Transport {
                outcome_unknown: false,
                ..
            }
        )
    }

    /// Another connection took over the application; see [`ErrorKind::ApplicationReplaced`].
    pub fn is_application_replaced(&self) -> bool {
        matches!(&*self.inner, ErrorKind::ApplicationReplaced { .. })
    }

    /// This Asterisk lacks a feature the request needs; see [`ErrorKind::Unsupported`].
    pub fn is_unsupported(&self) -> bool {
        matches!(&*self.inner, ErrorKind::Unsupported { .. })
    }

    /// The answer could not be decoded.
    pub fn is_decode(&self) -> bool {
        matches!(&*self.inner, ErrorKind::Decode { .. })
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            ErrorKind::Api(api) => {
                write!(
                    f,
                    "{} failed: {} {}",
                    api.operation, api.status, api.message
                )?;
                if let Some(doc) = api.documented
                    && !doc.eq_ignore_ascii_case(&api.message)
                {
                    write!(f, " ({doc})")?;
                }
                Ok(())
            }
            ErrorKind::Auth { operation } => {
                write!(
                    f,
                    "{operation} failed: asterisk refused the ARI credentials"
                )
            }
            ErrorKind::Transport {
                operation,
                outcome_unknown,
                ..
            } => {
                if *outcome_unknown {
                    write!(
                        f,
                        "{operation}: connection lost after sending, outcome unknown"
                    )
                } else {
                    write!(f, "{operation}: request not sent")
                }
            }
            ErrorKind::Timeout { operation } => write!(f, "{operation}: timed out"),
            ErrorKind::Decode { operation, .. } => {
                write!(f, "{operation}: could not decode asterisk's answer")
            }
            ErrorKind::WebSocket { .. } => write!(f, "event websocket failed"),
            ErrorKind::Config { message } => write!(f, "invalid client configuration: {message}"),
            ErrorKind::Unsupported { feature, message } => {
                write!(f, "{feature} is not supported here: {message}")
            }
            ErrorKind::ApplicationReplaced { application } => write!(
                f,
                "another connection took over the stasis application {application}; this one stopped"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.inner {
            ErrorKind::Transport { source, .. } | ErrorKind::WebSocket { source } => {
                Some(source.as_ref())
            }
            ErrorKind::Decode { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A failure to connect, with what it most likely means in the words of ARI's set-up: errors
/// from the socket and TLS layers say little about the URL, port or CA that caused them.
#[derive(Debug)]
struct Hinted {
    hint: &'static str,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hint)
    }
}

impl std::error::Error for Hinted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

/// `source`, a failure to connect, preceded by a hint where its cause is a common mistake: a
/// URL whose scheme does not match the port, a server certificate without its CA or for another
/// host, or nothing listening at all.
pub(crate) fn with_connect_hint(
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> Box<dyn std::error::Error + Send + Sync> {
    let source = source.into();
    match connect_hint(source.as_ref()) {
        Some(hint) => Box::new(Hinted { hint, source }),
        None => source,
    }
}

fn connect_hint(err: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    use rustls::{CertificateError, InvalidMessage};
    let mut cause = Some(err);
    while let Some(current) = cause {
        match rustls_error(current) {
            Some(rustls::Error::InvalidMessage(InvalidMessage::InvalidContentType)) => {
                return Some(
                    "the server does not speak TLS on this port: use an http:// URL here, or \
                     the port of Asterisk's TLS listener for https://",
                );
            }
            Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
                return Some(
                    "the server's certificate is not signed by a CA this client trusts: give \
                     its CA to ClientBuilder::ca_file",
                );
            }
            Some(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => {
                return Some(
                    "the server's certificate is not valid for the URL's host: use the host \
                     name the certificate was made for",
                );
            }
            _ => {}
        }
        if current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return Some(
                "nothing accepts connections at this address: is Asterisk running, with its \
                 HTTP server (http.conf) on this port?",
            );
        }
        if let Some(tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::HandshakeIncomplete,
        )) = current.downcast_ref::<tungstenite::Error>()
        {
            return Some(
                "the server closed the connection without answering the handshake: if the \
                 port expects TLS, use an https:// URL",
            );
        }
        cause = current.source();
    }
    None
}

/// The TLS error in `err`, also when I/O errors wrap it (some layers wrap it twice).
fn rustls_error<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner: &(dyn std::error::Error + 'static) =
        err.downcast_ref::<std::io::Error>()?.get_ref()?;
    rustls_error(inner)
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_pointer_sized_and_thread_safe() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn api_error_predicates_follow_the_status() {
        let err = Error::new(ErrorKind::Api(ApiError {
            operation: "channels.answer",
            status: 404,
            message: "Channel not found".into(),
            documented: Some("Channel not found"),
        }));
        assert!(err.is_not_found());
        assert!(!err.is_conflict());
        assert_eq!(err.operation(), Some("channels.answer"));
        assert_eq!(
            err.to_string(),
            "channels.answer failed: 404 Channel not found"
        );
    }
}
