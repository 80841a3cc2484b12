//! A real SMTP server on loopback for the mail tests: Python's `aiosmtpd`, storing what arrives in
//! a Maildir. `.ci/run` installs it (`pip install aiosmtpd`); without it these tests fail with
//! that instruction rather than pass without having sent anything.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

pub struct Received {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl SmtpServer {
    pub fn start() -> Self {
        let maildir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-u",
                "-l",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("Maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let server = Self {
            child,
            port,
            maildir,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                panic!("aiosmtpd did not start: install it with `python3 -m pip install aiosmtpd`");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn dir(&self) -> PathBuf {
        self.maildir.path().join("Maildir").join("new")
    }

    pub fn all(&self) -> Vec<Received> {
        let Ok(entries) = std::fs::read_dir(self.dir()) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
            .map(|raw| parse(&String::from_utf8_lossy(&raw)))
            .collect()
    }

    /// Waits for a message to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> Received {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self
                .all()
                .into_iter()
                .find(|m| m.to.contains(to) && m.subject.contains(subject))
            {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {to} about {subject:?} arrived"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Headers (with RFC 2047 encoded words decoded) and the decoded text body.
fn parse(raw: &str) -> Received {
    let (head, body) = raw
        .split_once("\n\n")
        .or_else(|| raw.split_once("\r\n\r\n"))
        .unwrap_or((raw, ""));
    let unfolded = head
        .replace("\r\n", "\n")
        .replace("\n ", " ")
        .replace("\n\t", " ");
    let header = |name: &str| {
        unfolded
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(decode_words)
            .unwrap_or_default()
    };
    Received {
        to: header("To"),
        subject: header("Subject"),
        body: decode_body(body),
    }
}

fn decode_words(value: &str) -> String {
    use base64::Engine;
    // RFC 2047: the space between two encoded words is not part of the text; any other is.
    let mut out = String::new();
    let mut previous_encoded = false;
    for word in value.split(' ') {
        let inner = word
            .strip_prefix("=?utf-8?b?")
            .or_else(|| word.strip_prefix("=?UTF-8?B?"));
        let decoded = inner.and_then(|w| w.strip_suffix("?=")).map(|b64| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).to_string()
        });
        let joins_previous = previous_encoded && decoded.is_some();
        if !out.is_empty() && !joins_previous {
            out.push(' ');
        }
        previous_encoded = decoded.is_some();
        out.push_str(&decoded.unwrap_or_else(|| word.to_string()));
    }
    out
}

/// The text part, whether lettre sent it base64, quoted-printable or plain.
fn decode_body(body: &str) -> String {
    use base64::Engine;
    let body = body.replace("\r\n", "\n");
    if body.contains("Content-Transfer-Encoding: base64") {
        let b64: String = body
            .split("Content-Transfer-Encoding: base64")
            .nth(1)
            .unwrap_or_default()
            .lines()
            .skip_while(|l| !l.is_empty())
            .skip(1)
            .take_while(|l| !l.starts_with("--"))
            .collect();
        return String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .unwrap_or_default(),
        )
        .to_string();
    }
    // Quoted-printable: soft line breaks and =XX escapes.
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

/// The token of the first link in `body` that goes to `path`.
pub fn link_token(body: &str, path: &str) -> String {
    let start = body
        .find(&format!("{path}?token="))
        .unwrap_or_else(|| panic!("no {path} link in {body:?}"));
    body[start + path.len() + 7..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}
