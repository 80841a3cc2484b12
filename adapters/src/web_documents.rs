//! Fetching public documents other issuers publish (their keys, their status lists, their
//! credentials) for the badge verifier. A verifier fetches what a stranger's credential names,
//! so every fetch is held short: HTTPS or HTTP only, no redirects, a time limit, a size limit,
//! and never a loopback, private or link-local address unless the operator allows it (the name
//! is resolved once, checked, and the connection pinned to that address, so a second lookup
//! cannot swap it).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The most the verifier reads of one document.
pub const MAX_BYTES: usize = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("{0} is not an http(s) URL")]
    NotHttp(String),
    #[error("{0} is a private address: the verifier does not fetch from inside networks")]
    Private(String),
    #[error("{url} did not answer: {why}")]
    Unreachable { url: String, why: String },
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("{0} is larger than 1 MiB")]
    TooLarge(String),
    #[error("{0} is not JSON")]
    NotJson(String),
}

/// Whether `ip` is an address of the public internet.
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19)))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                let [h1, h2] = hi.to_be_bytes();
                let [l1, l2] = lo.to_be_bytes();
                IpAddr::V4(std::net::Ipv4Addr::new(h1, h2, l1, l2))
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public(IpAddr::V4(v4));
            }
            // IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach
            // IPv4 addresses: judged by the address they carry.
            if s[..6] == [0; 6] && !(v6.is_loopback() || v6.is_unspecified()) {
                return public(embedded(s[6], s[7]));
            }
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return public(embedded(s[6], s[7]));
            }
            if s[0] == 0x2002 {
                return public(embedded(s[1], s[2]));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// The `did:web` DID's document URL (`did:web:example.com:issuers:x` →
/// `https://example.com/issuers/x/did.json`; no path → `/.well-known/did.json`).
pub fn did_web_url(did: &str) -> Option<String> {
    let rest = did.strip_prefix("did:web:")?;
    let mut parts = rest.split(':');
    let host = parts.next()?.replace("%3A", ":");
    let path: Vec<&str> = parts.collect();
    Some(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

/// The document at `url`, as bytes.
pub async fn fetch(url: &str, allow_private: bool) -> Result<Vec<u8>, FetchError> {
    let parsed = url::Url::parse(url).map_err(|_| FetchError::NotHttp(url.into()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::NotHttp(url.into()));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| FetchError::NotHttp(url.into()))?
        .trim_matches(|c| c == '[' || c == ']')
        .to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let unreachable = |why: String| FetchError::Unreachable {
        url: url.into(),
        why,
    };
    let addresses: Vec<SocketAddr> =
        tokio::time::timeout(TIMEOUT, tokio::net::lookup_host((host.as_str(), port)))
            .await
            .map_err(|_| unreachable("the name did not resolve in time".into()))?
            .map_err(|e| unreachable(e.to_string()))?
            .collect();
    let address = addresses
        .iter()
        .find(|a| allow_private || public(a.ip()))
        .copied()
        .ok_or_else(|| {
            if addresses.is_empty() {
                unreachable("no address".into())
            } else {
                FetchError::Private(url.into())
            }
        })?;
    // No proxy: a proxy would connect to the name itself, past the address checked here.
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .resolve(&host, address)
        .build()
        .map_err(|e| unreachable(e.to_string()))?;
    let mut response = client
        .get(parsed)
        .header("accept", "application/ld+json, application/json")
        .send()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(FetchError::Status {
            url: url.into(),
            status: response.status().as_u16(),
        });
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BYTES as u64)
    {
        return Err(FetchError::TooLarge(url.into()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unreachable(e.to_string()))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BYTES {
            return Err(FetchError::TooLarge(url.into()));
        }
    }
    Ok(body)
}

/// The JSON document at `url`.
pub async fn fetch_json(url: &str, allow_private: bool) -> Result<serde_json::Value, FetchError> {
    let bytes = fetch(url, allow_private).await?;
    serde_json::from_slice(&bytes).map_err(|_| FetchError::NotJson(url.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_addresses_are_not_public() {
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "240.0.0.1",
            "198.18.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "ff02::1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!public(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["93.184.216.34", "2606:4700::1111"] {
            assert!(public(outside.parse().unwrap()), "{outside}");
        }
    }

    #[test]
    fn did_web_names_its_document() {
        assert_eq!(
            did_web_url("did:web:example.com").unwrap(),
            "https://example.com/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("did:web:example.com%3A8443:issuers:x").unwrap(),
            "https://example.com:8443/issuers/x/did.json"
        );
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed() {
        assert_eq!(
            fetch("http://127.0.0.1:9/x", false).await,
            Err(FetchError::Private("http://127.0.0.1:9/x".into()))
        );
        assert!(matches!(
            fetch("http://127.0.0.1:9/x", true).await,
            Err(FetchError::Unreachable { .. })
        ));
        assert!(matches!(
            fetch("file:///etc/passwd", true).await,
            Err(FetchError::NotHttp(_))
        ));
    }
}
