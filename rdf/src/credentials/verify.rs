//! Verifying a credential, in two steps so that this crate never fetches anything: [`plan`]
//! names the documents a verifier needs (the verification method's, the status list), the caller
//! fetches them as it sees fit, and [`report`] checks everything, item by item: the schema, the
//! key and its controller, the proof, the validity window and the status. Each item says what
//! held or what failed; the caller words it for people.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{proof, status_list, CredentialError};

/// What the verifier must fetch for `credential`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The proof's `verificationMethod` (a URL, or a `did:`), when there is a proof.
    pub verification_method: Option<String>,
    /// The `statusListCredential` of a `BitstringStatusListEntry`.
    pub status_list: Option<String>,
}

pub fn plan(credential: &Value) -> Plan {
    let status = &credential["credentialStatus"];
    Plan {
        verification_method: proof::proof_of(credential)
            .ok()
            .and_then(|p| p["verificationMethod"].as_str())
            .map(str::to_string),
        status_list: (status["type"] == "BitstringStatusListEntry")
            .then(|| status["statusListCredential"].as_str().map(str::to_string))
            .flatten(),
    }
}

/// What was fetched to find the key: always the issuer's own document (the controller, which
/// must list the key for `assertionMethod`), and the method's document when it lives elsewhere;
/// for a `did:key` nothing (the key is in the DID).
#[derive(Debug, Clone)]
pub enum KeySource {
    Fetched {
        controller: Value,
        method: Option<Value>,
    },
    Offline,
    Failed(String),
}

/// A status list credential as fetched, with whether its own proof held.
#[derive(Debug, Clone)]
pub enum StatusSource {
    Fetched { list: Value, proof_ok: bool },
    Failed(String),
}

/// The items of a report, by what they check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Schema,
    Key,
    Proof,
    Validity,
    Status,
}

impl Item {
    /// As a report names it (`checks[].check` of `POST /api/verify`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Schema => "schema",
            Self::Key => "key",
            Self::Proof => "proof",
            Self::Validity => "validity",
            Self::Status => "status",
        }
    }
}

/// What an item found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Holds,
    /// Held, with something to say (e.g. the validity's end date).
    HoldsUntil(String),
    /// No status entry: nothing to revoke against.
    NoStatus,
    Revoked,
    NotYetValid(String),
    Expired(String),
    Fails(String),
}

impl Finding {
    pub fn ok(&self) -> bool {
        matches!(self, Self::Holds | Self::HoldsUntil(_) | Self::NoStatus)
    }
}

/// The key of a verification method, and the check that it belongs to the issuer. A `did:key`
/// is its own controller. Any other key counts only when the issuer's own document lists it for
/// `assertionMethod` and the key names the issuer as its controller: a key document anyone can
/// host that merely claims the issuer as controller is not enough.
pub fn resolve_key(
    method: &str,
    source: &KeySource,
    issuer: &str,
) -> Result<ed25519_dalek::VerifyingKey, String> {
    if let Some(did) = method.strip_prefix("did:key:") {
        let (id, fragment) = did.split_once('#').unwrap_or((did, did));
        if id != fragment {
            return Err("the did:key's fragment is not its key".into());
        }
        if issuer != format!("did:key:{id}") {
            return Err(format!(
                "the key's controller did:key:{id} is not the issuer {issuer}"
            ));
        }
        return proof::decode_public_multikey(id).map_err(|e| e.to_string());
    }
    let (controller, elsewhere) = match source {
        KeySource::Fetched { controller, method } => (controller, method.as_ref()),
        KeySource::Offline => return Err("only a did:key resolves without fetching".into()),
        KeySource::Failed(why) => return Err(why.clone()),
    };
    if controller["id"] != issuer {
        return Err(format!(
            "the document found for {issuer} is not the issuer's"
        ));
    }
    let names = |m: &Value| m == method || m["id"] == method;
    let listed = controller["assertionMethod"]
        .as_array()
        .is_some_and(|all| all.iter().any(names));
    if !listed {
        return Err("the issuer does not list this key for signing credentials".into());
    }
    let find = |doc: &Value| -> Option<Value> {
        if doc["id"] == method {
            return Some(doc.clone());
        }
        ["verificationMethod", "assertionMethod"]
            .iter()
            .filter_map(|field| doc[*field].as_array())
            .flatten()
            .find(|m| m["id"] == method)
            .cloned()
    };
    let entry = find(controller)
        .or_else(|| elsewhere.and_then(find))
        .ok_or("the key's document does not hold it")?;
    if entry["type"] != "Multikey" {
        return Err("the key is not a Multikey".into());
    }
    let owner = entry["controller"].as_str().unwrap_or_default();
    if owner != issuer {
        return Err(format!(
            "the key's controller {owner} is not the issuer {issuer}"
        ));
    }
    proof::decode_public_multikey(entry["publicKeyMultibase"].as_str().unwrap_or_default())
        .map_err(|e| e.to_string())
}

/// The issuer's id, whether `issuer` is a URL or a profile.
pub fn issuer_id(credential: &Value) -> &str {
    credential["issuer"]
        .as_str()
        .or_else(|| credential["issuer"]["id"].as_str())
        .unwrap_or_default()
}

fn date(value: &Value) -> Option<Result<DateTime<Utc>, String>> {
    value.as_str().map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| format!("{s} is not a date and time with its zone"))
    })
}

/// Every check of `credential`, given what was fetched for its [`plan`] and the result of the
/// schema check (`schema_errors`, empty when it holds).
pub fn report(
    credential: &Value,
    schema_errors: &[String],
    key: &KeySource,
    status: Option<&StatusSource>,
    now: DateTime<Utc>,
) -> Vec<(Item, Finding)> {
    let mut items = Vec::new();
    items.push((
        Item::Schema,
        if schema_errors.is_empty() {
            Finding::Holds
        } else {
            Finding::Fails(schema_errors.join("; "))
        },
    ));
    let method = plan(credential).verification_method;
    let resolved = match (&method, proof::proof_of(credential)) {
        (_, Err(e)) => Err(e.to_string()),
        (None, Ok(_)) => Err("the proof names no verification method".into()),
        (Some(m), Ok(_)) => resolve_key(m, key, issuer_id(credential)),
    };
    items.push((
        Item::Key,
        match &resolved {
            Ok(_) => Finding::Holds,
            Err(why) => Finding::Fails(why.clone()),
        },
    ));
    items.push((
        Item::Proof,
        match &resolved {
            Err(_) => Finding::Fails("no key to check it with".into()),
            Ok(key) => match proof::verify(credential, key) {
                Ok(()) => Finding::Holds,
                Err(e) => Finding::Fails(e.to_string()),
            },
        },
    ));
    let validity = match (
        date(&credential["validFrom"]),
        date(&credential["validUntil"]),
    ) {
        (None, _) => Finding::Fails("no validFrom".into()),
        (Some(Err(e)), _) | (_, Some(Err(e))) => Finding::Fails(e),
        (Some(Ok(from)), _) if from > now => Finding::NotYetValid(from.to_rfc3339()),
        (_, Some(Ok(until))) if until <= now => Finding::Expired(until.to_rfc3339()),
        (_, Some(Ok(until))) => Finding::HoldsUntil(until.to_rfc3339()),
        _ => Finding::Holds,
    };
    items.push((Item::Validity, validity));
    items.push((Item::Status, status_finding(credential, status)));
    items
}

fn status_finding(credential: &Value, status: Option<&StatusSource>) -> Finding {
    let entry = &credential["credentialStatus"];
    if entry.is_null() {
        return Finding::NoStatus;
    }
    let (list, proof_ok) = match status {
        None => {
            return Finding::Fails(format!(
                "a status of type {} the hub cannot check",
                entry["type"]
            ))
        }
        Some(StatusSource::Failed(why)) => return Finding::Fails(why.clone()),
        Some(StatusSource::Fetched { list, proof_ok }) => (list, *proof_ok),
    };
    if !proof_ok {
        return Finding::Fails("the status list's own proof does not hold".into());
    }
    if issuer_id(list) != issuer_id(credential) {
        return Finding::Fails("the status list is not the issuer's".into());
    }
    if list["credentialSubject"]["statusPurpose"] != entry["statusPurpose"] {
        return Finding::Fails("the status list is for another purpose".into());
    }
    let index = entry["statusListIndex"]
        .as_str()
        .and_then(|i| i.parse::<usize>().ok())
        .or_else(|| entry["statusListIndex"].as_u64().map(|i| i as usize));
    let bits = list["credentialSubject"]["encodedList"]
        .as_str()
        .ok_or_else(|| CredentialError::BadStatusList("no encodedList".into()))
        .and_then(status_list::decode);
    match (index, bits) {
        (None, _) => Finding::Fails("no statusListIndex".into()),
        (_, Err(e)) => Finding::Fails(e.to_string()),
        (Some(i), Ok(bits)) => match status_list::is_set(&bits, i) {
            None => Finding::Fails("the index is past the end of the list".into()),
            Some(true) => Finding::Revoked,
            Some(false) => Finding::Holds,
        },
    }
}
