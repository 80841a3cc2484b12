//! The few cryptographic tools the hub builds on: unguessable tokens (stored only as SHA-256),
//! constant-time comparison, and sealing secrets at rest with the master key (XChaCha20-Poly1305).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::MasterKey;
use crate::error::Error;

/// 256 random bits, URL-safe: session cookies, e-mail links, codes, refresh tokens, API keys.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token: a leaked table gives no usable token.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Seals and opens secrets with the master key.
#[derive(Clone)]
pub struct Sealer(XChaCha20Poly1305);

impl Sealer {
    pub fn new(key: &MasterKey) -> Self {
        Self(XChaCha20Poly1305::new(key.bytes().into()))
    }

    pub fn seal(&self, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).expect("the operating system's random source failed");
        let sealed = self
            .0
            .encrypt(XNonce::from_slice(&nonce), plaintext)
            .expect("encryption of an in-memory buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, Error> {
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| Error::Internal("sealed value is not base64".into()))?;
        if bytes.len() < 24 {
            return Err(Error::Internal("sealed value too short".into()));
        }
        let (nonce, body) = bytes.split_at(24);
        self.0
            .decrypt(XNonce::from_slice(nonce), body)
            .map_err(|_| Error::Internal("sealed value does not open with this master key".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let sealer = Sealer::new(&MasterKey::generate());
        let sealed = sealer.seal(b"client-secret");
        assert_eq!(sealer.open(&sealed).unwrap(), b"client-secret");
        assert!(Sealer::new(&MasterKey::generate()).open(&sealed).is_err());
        assert_ne!(
            sealer.seal(b"client-secret"),
            sealed,
            "a fresh nonce every time"
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a).len(), 64);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert!(equal(&a, &a.clone()) && !equal(&a, &b));
    }
}
