//! An `OpenBadgeCredential` (Open Badges 3.0 on VC Data Model 2.0) from plain input: the shape
//! open-badges.md asks for, valid against the 1EdTech JSON Schema (tests hold it there). The
//! recipient is only a salted SHA-256 of their e-mail: nothing in the credential names them.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{contexts, proof, CredentialError};

/// The issuing organisation, as its `Profile`.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// A URL on the hub that answers with this profile (and the keys that sign for it).
    pub id: String,
    pub name: String,
    pub url: Option<String>,
    pub email: Option<String>,
}

/// What was achieved.
#[derive(Debug, Clone)]
pub struct Achievement {
    pub id: String,
    pub name: String,
    pub description: String,
    pub criteria: String,
    /// One of the 1EdTech `achievementType` values (`Badge`, `CertificateOfCompletion`, …).
    pub achievement_type: String,
    pub image: Option<String>,
    pub eqf_level: Option<u8>,
    pub ects: Option<f64>,
    /// ESCO skills as (IRI, label).
    pub skills: Vec<(String, String)>,
    /// BCP 47, the language of the texts.
    pub language: Option<String>,
}

/// One award of an achievement to one person.
#[derive(Debug, Clone)]
pub struct Award {
    /// The credential's URL on the hub.
    pub id: String,
    pub issuer: Issuer,
    pub achievement: Achievement,
    pub recipient_email: String,
    pub salt: String,
    /// XML Schema dateTimes, with their zone.
    pub valid_from: String,
    pub valid_until: Option<String>,
    /// The revocation list's URL and this credential's index in it.
    pub status_list: String,
    pub status_index: usize,
    /// The completion record it rests on.
    pub evidence_id: String,
    pub evidence_narrative: String,
}

/// `identityHash` of an e-mail: `sha256$` and the hex of SHA-256(e-mail + salt).
pub fn identity_hash(email: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{email}{salt}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256${hex}")
}

impl Issuer {
    pub fn profile(&self) -> Value {
        let mut p = json!({ "id": self.id, "type": ["Profile"], "name": self.name });
        if let Some(url) = &self.url {
            p["url"] = url.clone().into();
        }
        if let Some(email) = &self.email {
            p["email"] = email.clone().into();
        }
        p
    }
}

impl Achievement {
    fn json(&self) -> Value {
        let mut a = json!({
            "id": self.id,
            "type": ["Achievement"],
            "name": self.name,
            "description": self.description,
            "criteria": { "narrative": self.criteria },
            "achievementType": self.achievement_type,
        });
        if let Some(image) = &self.image {
            a["image"] = json!({ "id": image, "type": "Image" });
        }
        if let Some(ects) = self.ects {
            a["creditsAvailable"] = ects.into();
        }
        if let Some(language) = &self.language {
            a["inLanguage"] = language.clone().into();
        }
        let mut alignment = Vec::new();
        if let Some(level) = self.eqf_level {
            alignment.push(json!({
                "type": ["Alignment"],
                "targetName": format!("EQF level {level}"),
                "targetUrl": format!("http://data.europa.eu/snb/eqf/{level}"),
                "targetFramework": "European Qualifications Framework",
                "targetType": "ext:EQFLevel",
            }));
        }
        for (iri, label) in &self.skills {
            alignment.push(json!({
                "type": ["Alignment"],
                "targetName": label,
                "targetUrl": iri,
                "targetFramework": "ESCO",
                "targetType": "ceasn:Competency",
            }));
        }
        if !alignment.is_empty() {
            a["alignment"] = alignment.into();
        }
        a
    }
}

/// The unsigned credential of `award`.
pub fn credential(award: &Award) -> Value {
    let mut c = json!({
        "@context": [contexts::CREDENTIALS_V2, contexts::OB_V3P0],
        "id": award.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": award.achievement.name,
        "issuer": award.issuer.profile(),
        "validFrom": award.valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "hashed": true,
                "identityHash": identity_hash(&award.recipient_email, &award.salt),
                "identityType": "emailAddress",
                "salt": award.salt,
            }],
            "achievement": award.achievement.json(),
        },
        "credentialStatus": {
            "id": format!("{}#{}", award.status_list, award.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": award.status_index.to_string(),
            "statusListCredential": award.status_list,
        },
        "evidence": [{
            "id": award.evidence_id,
            "type": ["Evidence"],
            "name": "Completion record",
            "narrative": award.evidence_narrative,
        }],
    });
    if let Some(until) = &award.valid_until {
        c["validUntil"] = until.clone().into();
    }
    if let Some(image) = &award.achievement.image {
        c["image"] = json!({ "id": image, "type": "Image" });
    }
    c
}

/// The credential of `award` signed by `key`: its proof as a one-element array, the form the
/// 1EdTech schema requires (a proof is not signed itself, so the form changes nothing signed).
pub fn signed(
    award: &Award,
    key: &ed25519_dalek::SigningKey,
    verification_method: &str,
    created: &str,
) -> Result<Value, CredentialError> {
    let mut signed = proof::sign(&credential(award), key, verification_method, created)?;
    signed["proof"] = Value::Array(vec![signed["proof"].take()]);
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_hashes_are_those_of_the_spec_examples() {
        assert_eq!(
            identity_hash("a@example.com", "Kosher"),
            "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
        );
    }
}
