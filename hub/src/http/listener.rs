//! How the hub takes connections: actix's HTTP/1 service, assembled as actix-web's `HttpServer`
//! assembles it, with one step in front. The first request head of every connection is read here,
//! within the configured limits, before HTTP/1 parsing sees it. A head over the limits gets its
//! 414 or 431 problem document here — the HTTP parser would only manage a bare 431 past its own
//! 128 KiB buffer, and then close on a client still sending, which that client reads as a reset.
//! So the answer is written, the sending side closed, and what the client still sends is read
//! and dropped for a moment before the connection ends (a lingering close).
//!
//! Later requests on a kept-alive connection are checked by `middleware::head_limits`; heads
//! past the parser's buffer on them still get the parser's bare 431.

use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_http::{HttpService, KeepAlive, Protocol};
use actix_rt::net::TcpStream;
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::dev::{AppConfig, Server};
use actix_web::{web, ResponseError};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

use super::{routes, AppState};
use crate::error::Error;

/// How long a client gets to send its first request head (as `client_request_timeout`).
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long, and how much, a refused client's remaining bytes are read and dropped.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 4 << 20;

/// The server on `listener`, serving the hub's routes with `state`.
pub fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    workers: usize,
    shutdown_timeout: Duration,
) -> io::Result<Server> {
    let addr = listener.local_addr()?;
    let limits = Limits {
        url: state.config.max_url_bytes,
        headers: state.config.max_header_bytes,
        origin: state.config.origin().to_string(),
    };
    let builder = actix_server::Server::build();
    let shutdown = builder.graceful_shutdown_signal();
    Ok(builder
        .workers(workers)
        .shutdown_timeout(shutdown_timeout.as_secs())
        // Thousands of visitors may connect at once (issue 4's 3,000); a short accept queue
        // would drop their SYNs and cost each a one-second retransmit.
        .backlog(4096)
        .disable_signals()
        .listen("hub", listener, move || {
            let signal = shutdown.clone();
            let app = routes::app(state.clone())
                .into_factory()
                .map_err(|err: actix_web::Error| err.error_response());
            let http = HttpService::build()
                .graceful_shutdown_signal(move || {
                    let signal = signal.clone();
                    async move { signal.notified().await }
                })
                .keep_alive(KeepAlive::default())
                .client_request_timeout(HEAD_TIMEOUT)
                .local_addr(addr)
                .finish(map_config(app, move |_| AppConfig::default()));
            let limits = limits.clone();
            fn_service(move |io: TcpStream| {
                let limits = limits.clone();
                async move {
                    let _ = io.set_nodelay(true);
                    let peer = io.peer_addr().ok();
                    let io = first_head(io, &limits).await;
                    Ok((io, Protocol::Http1, peer))
                }
            })
            .and_then(http)
        })?
        .run())
}

#[derive(Clone)]
struct Limits {
    url: usize,
    headers: usize,
    origin: String,
}

/// Reads the connection's first request head. Within the limits (or unfinished: a closed or
/// silent client is the HTTP service's to handle) the bytes read go on with the connection;
/// over them the refusal is answered here and the connection ends.
async fn first_head(mut io: TcpStream, limits: &Limits) -> Head {
    // The request line carries the URL with a method and a version around it.
    let line_limit = limits.url + 64;
    let head_limit = line_limit + limits.headers + 4;
    let mut read = Vec::with_capacity(4096);
    // One deadline for the whole head: a client trickling a byte at a time gets no longer.
    let deadline = tokio::time::Instant::now() + HEAD_TIMEOUT;
    // Where the request line ends, once seen, and how far the buffer has been searched: each
    // byte is looked at a bounded number of times however the head arrives.
    let mut line_end: Option<usize> = None;
    let mut searched: usize = 0;
    let refusal = loop {
        let from = searched.saturating_sub(3);
        if line_end.is_none() {
            line_end = find(&read[from..], b"\r\n").map(|i| from + i);
        }
        if line_end.unwrap_or(read.len()) > line_limit {
            break Some(Error::UriTooLong(limits.url));
        }
        if find(&read[from..], b"\r\n\r\n").is_some() {
            break None;
        }
        if read.len() > head_limit {
            break Some(Error::HeadersTooLarge(limits.headers));
        }
        searched = read.len();
        let mut chunk = [0u8; 8192];
        match tokio::time::timeout_at(deadline, io.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => read.extend_from_slice(&chunk[..n]),
            Ok(_) => break None,
            // Too slow: the connection ends without a word, as the HTTP service's own request
            // timeout would end it.
            Err(_) => {
                return Head {
                    read: Vec::new(),
                    at: 0,
                    io,
                    ended: true,
                }
            }
        }
    };
    match refusal {
        None => Head {
            read,
            at: 0,
            io,
            ended: false,
        },
        Some(e) => {
            refuse(&mut io, &e, &limits.origin).await;
            Head {
                read: Vec::new(),
                at: 0,
                io,
                ended: true,
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Writes the problem document, closes the sending side, and drains what the client still sends
/// for a moment, so that it reads the answer rather than a reset.
async fn refuse(io: &mut TcpStream, e: &Error, origin: &str) {
    let (kind, status) = e.kind();
    let body = serde_json::json!({
        "type": format!("{origin}/problems/{kind}"),
        "title": if status == 414 { "URL too long" } else { "Header fields too large" },
        "status": status,
        "detail": e.to_string(),
        "instance": "",
    })
    .to_string();
    let reason = e.status_code().canonical_reason().unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    if io.write_all(answer.as_bytes()).await.is_err() {
        return;
    }
    let _ = io.shutdown().await;
    let drain = async {
        let mut left = LINGER_BYTES;
        let mut sink = [0u8; 16384];
        while left > 0 {
            match io.read(&mut sink).await {
                Ok(n) if n > 0 => left = left.saturating_sub(n),
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// A connection with the bytes already read of it put back in front; an ended one reads as
/// closed.
struct Head {
    read: Vec<u8>,
    at: usize,
    io: TcpStream,
    ended: bool,
}

impl AsyncRead for Head {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.ended {
            return Poll::Ready(Ok(()));
        }
        if self.at < self.read.len() {
            let n = buf.remaining().min(self.read.len() - self.at);
            let at = self.at;
            buf.put_slice(&self.read[at..at + n]);
            self.at += n;
            if self.at == self.read.len() {
                self.read = Vec::new();
                self.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Head {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.ended {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.io).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.ended {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn finds_the_end_of_a_head() {
        assert_eq!(
            find(b"GET / HTTP/1.1\r\nA: b\r\n\r\nbody", b"\r\n\r\n"),
            Some(20)
        );
        assert_eq!(find(b"GET / HTTP/1.1\r\n", b"\r\n\r\n"), None);
    }
}
