//! A real SMTP server on loopback for the mail tests, in Rust: it speaks the part of RFC 5321 a
//! client needs to deliver (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT),
//! over real TCP, and keeps each message as it arrived. The hub's mailer (lettre) talks to it
//! exactly as to any server; nothing outside Rust is needed, so the README's test command passes
//! on a fresh machine.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<String>>>,
    stopped: Arc<AtomicBool>,
}

pub struct Received {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_slow(Duration::ZERO)
    }

    /// A server that takes `delay` to accept each message, as a congested relay does.
    pub fn start_slow(delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (store, stop) = (received.clone(), stopped.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let store = store.clone();
                std::thread::spawn(move || {
                    // A broken connection is the client's business; the messages so far stay.
                    let _ = session(stream, &store, delay);
                });
            }
        });
        Self {
            port,
            received,
            stopped,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn all(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|raw| parse(raw))
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
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so it sees the flag and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// One client's conversation: replies per command, a message stored per completed DATA.
fn session(stream: TcpStream, store: &Mutex<Vec<String>>, delay: Duration) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    let mut reply = |text: &str| out.write_all(format!("{text}\r\n").as_bytes());
    reply("220 sink.test ESMTP ready")?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let verb = command.split(' ').next().unwrap_or_default();
        match verb {
            "EHLO" => reply("250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8")?,
            "HELO" => reply("250 sink.test")?,
            "MAIL" | "RCPT" | "RSET" | "NOOP" => reply("250 OK")?,
            "DATA" => {
                reply("354 end with <CRLF>.<CRLF>")?;
                let mut message = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    let text = line.trim_end_matches(['\r', '\n']);
                    if text == "." {
                        break;
                    }
                    // RFC 5321 §4.5.2: a leading dot was doubled by the sender.
                    message.push_str(text.strip_prefix('.').unwrap_or(text));
                    message.push_str("\r\n");
                }
                std::thread::sleep(delay);
                store.lock().unwrap().push(message);
                reply("250 queued")?;
            }
            "QUIT" => {
                reply("221 bye")?;
                return Ok(());
            }
            _ => reply("502 not implemented")?,
        }
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
