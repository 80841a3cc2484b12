//! Verifiable credentials: Open Badges 3.0 built from plain input, canonicalised with RDFC-1.0
//! from JSON-LD whose contexts are the project's own files (`schemas/`, never the network),
//! signed and verified with the `eddsa-rdfc-2022` Data Integrity cryptosuite, their revocation
//! kept in a W3C Bitstring Status List, and baked into PNG images.
//!
//! Nothing here knows a database or HTTP: the hub hands in plain structs and keys, and gets JSON.

pub mod badge;
pub mod baking;
pub mod canon;
pub mod contexts;
pub mod proof;
pub mod schema;
pub mod status_list;
pub mod verify;

/// What can go wrong with a credential, in words a verifier's report can show.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("not JSON-LD the hub can read: {0}")]
    JsonLd(String),
    #[error("the credential names a context the hub does not hold: {0}")]
    UnknownContext(String),
    #[error("no proof")]
    NoProof,
    #[error("the proof is not a DataIntegrityProof with the eddsa-rdfc-2022 cryptosuite")]
    UnsupportedProof,
    #[error("the proof's purpose is not assertionMethod")]
    WrongPurpose,
    #[error("the key is not an Ed25519 Multikey: {0}")]
    BadKey(String),
    #[error("the proof value is not a base58btc Ed25519 signature")]
    BadProofValue,
    #[error("the signature does not match the credential")]
    BadSignature,
    #[error("not a PNG image: {0}")]
    NotPng(String),
    #[error("the image carries no credential (no iTXt chunk \"openbadgecredential\")")]
    NotBaked,
    #[error("the status list is not a gzip+base64url bitstring: {0}")]
    BadStatusList(String),
}
