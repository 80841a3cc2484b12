//! W3C Bitstring Status List v1.0: one bit per credential, set when it is revoked, published as
//! a credential whose `encodedList` is multibase base64url (`u…`, no padding) of the GZIP of the
//! bits, read most significant bit first. The spec asks for at least 16 KiB of bits (131,072
//! entries) so that a list does not tell which few credentials it holds.

use std::io::{Read, Write};

use base64::Engine;
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use serde_json::{json, Value};

use super::{contexts, CredentialError};

/// The smallest list the spec allows, in bits.
pub const MIN_BITS: usize = 131_072;
/// A list larger than this is refused when read (a verifier must not inflate a zip bomb).
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The `encodedList` of a list of `bits` entries (at least [`MIN_BITS`]) with `set` set.
pub fn encode(bits: usize, set: impl IntoIterator<Item = usize>) -> String {
    let mut bytes = vec![0u8; bits.max(MIN_BITS).div_ceil(8)];
    for i in set {
        if let Some(byte) = bytes.get_mut(i / 8) {
            *byte |= 0x80 >> (i % 8);
        }
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&bytes).expect("writing to memory");
    let zipped = gz.finish().expect("writing to memory");
    format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(zipped)
    )
}

/// The bits of an `encodedList`.
pub fn decode(encoded: &str) -> Result<Vec<u8>, CredentialError> {
    let bad = |why: &str| CredentialError::BadStatusList(why.into());
    let raw = encoded.strip_prefix('u').unwrap_or(encoded);
    let zipped = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim_end_matches('='))
        .map_err(|_| bad("not base64url"))?;
    let mut bits = Vec::new();
    GzDecoder::new(zipped.as_slice())
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bits)
        .map_err(|_| bad("not gzip"))?;
    if bits.len() as u64 > MAX_BYTES {
        return Err(bad("larger than 16 MiB"));
    }
    Ok(bits)
}

/// Whether entry `index` is set; `None` past the end of the list.
pub fn is_set(bits: &[u8], index: usize) -> Option<bool> {
    bits.get(index / 8).map(|b| b & (0x80 >> (index % 8)) != 0)
}

/// The unsigned `BitstringStatusListCredential` `id` of revocations by `issuer`.
pub fn credential(id: &str, issuer: &Value, valid_from: &str, encoded_list: String) -> Value {
    json!({
        "@context": [contexts::CREDENTIALS_V2],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_bits_round_trip_most_significant_first() {
        let encoded = encode(10, [0, 23, 131_071]);
        assert!(encoded.starts_with('u'));
        let bits = decode(&encoded).unwrap();
        assert_eq!(bits.len(), MIN_BITS / 8, "never below 16 KiB");
        assert_eq!(bits[0], 0x80);
        assert_eq!(is_set(&bits, 23), Some(true));
        assert_eq!(is_set(&bits, 22), Some(false));
        assert_eq!(is_set(&bits, 131_071), Some(true));
        assert_eq!(is_set(&bits, MIN_BITS), None);
    }

    #[test]
    fn garbage_is_refused_not_inflated() {
        assert!(decode("u!!!").is_err());
        assert!(decode("uAAAA").is_err());
    }
}
