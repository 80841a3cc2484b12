//! Where outgoing mail goes, as `HUB_MAIL_URL` says: an SMTP relay, or a folder of `.eml` files
//! (the default, so a bare start never tries to reach a mail server).

use std::path::PathBuf;

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
