//! Where outgoing mail goes, as `HUB_MAIL_URL` says: an SMTP relay, or a folder of `.eml` files
//! (the default, so a bare start never tries to reach a mail server), and the [`Mailer`] that
//! sends through it with `lettre`.

use std::path::PathBuf;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Plain SMTP, as local relays and test servers speak it.
    None,
    /// Upgrade with STARTTLS before sending credentials.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Wrapper,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Transport {
    Smtp {
        host: String,
        port: u16,
        user: Option<String>,
        password: Option<String>,
        tls: Tls,
    },
    Folder(PathBuf),
}

/// Credentials must never reach a log line.
impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp {
                host,
                port,
                user,
                password,
                tls,
            } => f
                .debug_struct("Smtp")
                .field("host", host)
                .field("port", port)
                .field("user", user)
                .field("password", &password.as_ref().map(|_| "***"))
                .field("tls", tls)
                .finish(),
            Self::Folder(dir) => f.debug_tuple("Folder").field(dir).finish(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailUrlError {
    #[error("expected smtp://, smtps:// or file://, got {0:?}")]
    Scheme(String),
    #[error("an SMTP URL needs a host")]
    NoHost,
    #[error("unknown tls={0:?}; use `starttls` or `none`")]
    Tls(String),
    #[error("not a URL: {0}")]
    Syntax(String),
}

impl Transport {
    /// Parses `smtp://[user:password@]host[:port][?tls=starttls|none]`, `smtps://…` or
    /// `file://DIR` (relative directories are kept relative: `file://./data/mail`).
    pub fn from_url(text: &str) -> Result<Self, MailUrlError> {
        if let Some(dir) = text.strip_prefix("file://") {
            return Ok(Self::Folder(PathBuf::from(dir)));
        }
        let url = url::Url::parse(text).map_err(|e| MailUrlError::Syntax(e.to_string()))?;
        let (default_port, mut tls) = match url.scheme() {
            "smtp" => (25, Tls::None),
            "smtps" => (465, Tls::Wrapper),
            other => return Err(MailUrlError::Scheme(other.to_string())),
        };
        for (key, value) in url.query_pairs() {
            if key == "tls" {
                tls = match value.as_ref() {
                    "starttls" => Tls::StartTls,
                    "none" => Tls::None,
                    other => return Err(MailUrlError::Tls(other.to_string())),
                };
            }
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(MailUrlError::NoHost)?;
        Ok(Self::Smtp {
            host: host.to_string(),
            port: url.port().unwrap_or(default_port),
            user: Some(url.username())
                .filter(|u| !u.is_empty())
                .map(percent_decode),
            password: url.password().map(percent_decode),
            tls,
        })
    }
}

/// One message, already in the recipient's language.
#[derive(Debug, Clone)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// A stable id (the outbox delivery's idempotency key) so a resent message can be recognised.
    pub message_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("bad address {0:?}")]
    Address(String),
    #[error("could not build the message: {0}")]
    Build(String),
    #[error("the mail server refused or was unreachable: {0}")]
    Transport(String),
}

enum Sender {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>),
}

/// Sends messages from `from` through the configured transport.
pub struct Mailer {
    sender: Sender,
    from: Mailbox,
}

impl Mailer {
    pub fn new(transport: &Transport, from: &str) -> Result<Self, SendError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| SendError::Address(from.to_string()))?;
        let sender = match transport {
            Transport::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| SendError::Transport(e.to_string()))?;
                Sender::Folder(AsyncFileTransport::new(dir))
            }
            Transport::Smtp {
                host,
                port,
                user,
                password,
                tls,
            } => {
                let builder = match tls {
                    Tls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                    Tls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                        .map_err(|e| SendError::Transport(e.to_string()))?,
                    Tls::Wrapper => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                        .map_err(|e| SendError::Transport(e.to_string()))?,
                };
                let mut builder = builder.port(*port);
                if let (Some(user), Some(password)) = (user, password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Sender::Smtp(builder.build())
            }
        };
        Ok(Self { sender, from })
    }

    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|_| SendError::Address(message.to.clone()))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .message_id(Some(format!("<{}@hub>", message.message_id)))
            .multipart(
                MultiPart::mixed().singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(message.text.clone()),
                ),
            )
            .map_err(|e| SendError::Build(e.to_string()))?;
        match &self.sender {
            Sender::Smtp(t) => t
                .send(email)
                .await
                .map(|_| ())
                .map_err(|e| SendError::Transport(e.to_string())),
            Sender::Folder(t) => t
                .send(email)
                .await
                .map(|_| ())
                .map_err(|e| SendError::Transport(e.to_string())),
        }
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("v={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_with_credentials_and_starttls() {
        let t =
            Transport::from_url("smtp://hub%40x.eu:p%40ss@mail.example:587?tls=starttls").unwrap();
        assert_eq!(
            t,
            Transport::Smtp {
                host: "mail.example".into(),
                port: 587,
                user: Some("hub@x.eu".into()),
                password: Some("p@ss".into()),
                tls: Tls::StartTls,
            }
        );
        assert!(!format!("{t:?}").contains("p@ss"));
    }

    #[test]
    fn plain_smtp_defaults_to_port_25() {
        let t = Transport::from_url("smtp://127.0.0.1").unwrap();
        assert!(matches!(
            t,
            Transport::Smtp {
                port: 25,
                tls: Tls::None,
                user: None,
                ..
            }
        ));
    }

    #[test]
    fn a_folder_keeps_its_relative_path() {
        assert_eq!(
            Transport::from_url("file://./data/mail").unwrap(),
            Transport::Folder(PathBuf::from("./data/mail"))
        );
    }

    #[tokio::test]
    async fn a_folder_transport_writes_one_eml_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::new(
            &Transport::Folder(dir.path().into()),
            "Hub <hub@example.eu>",
        )
        .unwrap();
        let message = Message {
            to: "anna@example.eu".into(),
            subject: "Potwierdź adres".into(),
            text: "Zażółć gęślą jaźń: https://hub.example/confirm?token=abc".into(),
            message_id: "hub-mail-1".into(),
        };
        mailer.send(&message).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert!(eml.contains("To: anna@example.eu"));
        assert!(eml.contains("Message-ID: <hub-mail-1@hub>"));
        assert!(mailer
            .send(&Message {
                to: "not an address".into(),
                ..message
            })
            .await
            .is_err());
    }

    #[test]
    fn other_schemes_and_options_are_refused() {
        assert_eq!(
            Transport::from_url("http://x").unwrap_err(),
            MailUrlError::Scheme("http".into())
        );
        assert_eq!(
            Transport::from_url("smtp://x?tls=maybe").unwrap_err(),
            MailUrlError::Tls("maybe".into())
        );
    }
}
