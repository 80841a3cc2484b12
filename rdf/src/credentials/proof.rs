//! The `eddsa-rdfc-2022` Data Integrity cryptosuite (W3C vc-di-eddsa, §3.3): the document
//! without its proof and the proof's options are each canonicalised and hashed with SHA-256, and
//! Ed25519 signs `hash(options) || hash(document)`; the signature is multibase base58btc.
//! Keys travel as Multikeys (`z6Mk…`: multicodec `0xed01` and the 32-byte public key).

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::canon::canonical_nquads;
use super::CredentialError;

const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

/// The Multikey form of an Ed25519 public key.
pub fn public_multikey(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The Ed25519 public key of a Multikey.
pub fn decode_public_multikey(multikey: &str) -> Result<VerifyingKey, CredentialError> {
    let bad = |why: &str| CredentialError::BadKey(format!("{multikey}: {why}"));
    let raw = multikey
        .strip_prefix('z')
        .ok_or_else(|| bad("not base58btc multibase"))?;
    let bytes = bs58::decode(raw)
        .into_vec()
        .map_err(|_| bad("not base58btc"))?;
    let key: [u8; 32] = bytes
        .strip_prefix(&ED25519_PUB)
        .ok_or_else(|| bad("not an Ed25519 public key"))?
        .try_into()
        .map_err(|_| bad("not 32 bytes"))?;
    VerifyingKey::from_bytes(&key).map_err(|_| bad("not a point of the curve"))
}

/// The secret key of a `privateKeyMultibase` (`0x8026` and the 32-byte seed, or the seed and
/// the public key as some tools export it).
pub fn decode_secret_multikey(multikey: &str) -> Result<SigningKey, CredentialError> {
    let bad = || CredentialError::BadKey("not an Ed25519 secret Multikey".into());
    let bytes = bs58::decode(multikey.strip_prefix('z').ok_or_else(bad)?)
        .into_vec()
        .map_err(|_| bad())?;
    let rest = bytes.strip_prefix(&ED25519_PRIV).ok_or_else(bad)?;
    let seed: [u8; 32] = rest
        .get(..32)
        .ok_or_else(bad)?
        .try_into()
        .map_err(|_| bad())?;
    Ok(SigningKey::from_bytes(&seed))
}

/// What is signed: SHA-256 of the canonical proof options, then of the canonical document.
pub fn hash_data(document: &Value, options: &Value) -> Result<[u8; 64], CredentialError> {
    let mut data = [0u8; 64];
    data[..32].copy_from_slice(&Sha256::digest(canonical_nquads(options)?.as_bytes()));
    data[32..].copy_from_slice(&Sha256::digest(canonical_nquads(document)?.as_bytes()));
    Ok(data)
}

/// `unsigned` with an `eddsa-rdfc-2022` proof by `key`, naming `verification_method`, made at
/// `created` (an XML Schema dateTime).
pub fn sign(
    unsigned: &Value,
    key: &SigningKey,
    verification_method: &str,
    created: &str,
) -> Result<Value, CredentialError> {
    let mut options = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    });
    let mut document = unsigned.clone();
    if let Some(map) = document.as_object_mut() {
        map.remove("proof");
    }
    options["@context"] = document["@context"].clone();
    let signature = key.sign(&hash_data(&document, &options)?);
    let mut proof = options;
    proof.as_object_mut().expect("an object").remove("@context");
    proof["proofValue"] = format!("z{}", bs58::encode(signature.to_bytes()).into_string()).into();
    document["proof"] = proof;
    Ok(document)
}

/// The credential's one proof, checked as a Data Integrity proof the hub verifies.
pub fn proof_of(signed: &Value) -> Result<&Value, CredentialError> {
    let proof = match signed.get("proof") {
        Some(Value::Array(all)) => all
            .iter()
            .find(|p| p["cryptosuite"] == "eddsa-rdfc-2022")
            .or(all.first())
            .ok_or(CredentialError::NoProof)?,
        Some(p @ Value::Object(_)) => p,
        _ => return Err(CredentialError::NoProof),
    };
    if proof["type"] != "DataIntegrityProof" || proof["cryptosuite"] != "eddsa-rdfc-2022" {
        return Err(CredentialError::UnsupportedProof);
    }
    if proof["proofPurpose"] != "assertionMethod" {
        return Err(CredentialError::WrongPurpose);
    }
    Ok(proof)
}

/// Checks the proof of `signed` with `key` (resolved by the caller from the proof's
/// `verificationMethod`).
pub fn verify(signed: &Value, key: &VerifyingKey) -> Result<(), CredentialError> {
    let proof = proof_of(signed)?;
    let value = proof["proofValue"]
        .as_str()
        .and_then(|v| v.strip_prefix('z'))
        .and_then(|v| bs58::decode(v).into_vec().ok())
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .ok_or(CredentialError::BadProofValue)?;
    let mut options = proof.clone();
    let map = options.as_object_mut().expect("an object");
    map.remove("proofValue");
    let mut document = signed.clone();
    document.as_object_mut().expect("an object").remove("proof");
    options["@context"] = document["@context"].clone();
    key.verify(
        &hash_data(&document, &options)?,
        &Signature::from_bytes(&value),
    )
    .map_err(|_| CredentialError::BadSignature)
}
